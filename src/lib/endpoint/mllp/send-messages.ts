import {readFile} from 'node:fs/promises'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {type MllpEndpointConfig} from '../../config/schema.js'
import {readHl7} from '../../formats/hl7v2/reader.js'
import {type Source} from '../../io/source.js'
import {type Reject, type SourceLocation, Tally} from '../../records/types.js'
import {MllpClient, MllpError, sendWithRetry} from './client.js'

export interface SendMessagesOptions {
  endpoint: Pick<MllpEndpointConfig, 'host' | 'port' | 'tls' | 'caFile' | 'timeoutMs'>
  /** Where rejected messages go (unreadable, or refused by the receiver with AE/AR/CE/CR). */
  rejects: {write(r: Reject): Promise<void>}
  retries?: number
  backoffMs?: (attempt: number) => number
  onProgress?: (t: Tally) => void
  /** Messages already answered in an interrupted run (--resume): not read into the counts, not sent. */
  skip?: (loc: SourceLocation) => boolean
  /** Called once a message is answered (ACK or rejected unread), before the next is sent: the import journal. */
  onAnswered?: (loc: SourceLocation, outcome: 'confirmed' | 'rejected') => Promise<void>
  /** Ctrl-C: the message on the wire gets its answer, no new one is sent. */
  signal?: AbortSignal
}

export interface SendMessagesResult {
  counts: ReturnType<Tally['toJSON']>
  balanced: boolean
  /** ACK codes received, by code. */
  acks: Record<string, number>
  /** Messages skipped because an earlier run had them answered. */
  skipped: number
  /** Stopped by the signal before the end of the file. */
  interrupted: boolean
}

/**
 * `him import FILE.hl7 --endpoint <mllp endpoint>`: send each message of the file over one MLLP connection and wait
 * for its ACK. AA/CA: done. AE/AR/CE/CR: rejected, with the receiver's MSA/ERR text in the rejects file. A message
 * that cannot be read is rejected without being sent. Timeouts and dropped connections are retried; when the
 * receiver stays unreachable the run stops with exit 69, saying how many messages were acknowledged before.
 */
export async function sendMessages(src: Source, o: SendMessagesOptions): Promise<SendMessagesResult> {
  const ca = o.endpoint.caFile ? await readFile(o.endpoint.caFile) : undefined
  const client = new MllpClient({host: o.endpoint.host, port: o.endpoint.port, tls: o.endpoint.tls, ca, timeoutMs: o.endpoint.timeoutMs})
  const tally = new Tally()
  const acks: Record<string, number> = {}
  let skipped = 0
  let interrupted = false
  try {
    for await (const item of readHl7(src)) {
      if (o.signal?.aborted) {
        interrupted = true
        break
      }
      if (o.skip?.(item.loc)) {
        skipped++
        continue
      }
      tally.in++
      if (!item.ok) {
        tally.reject(item.code)
        await o.rejects.write(item)
        await o.onAnswered?.(item.loc, 'rejected')
        continue
      }
      let ack
      try {
        ack = await sendWithRetry(client, item.value.toString(), {retries: o.retries, backoffMs: o.backoffMs})
      } catch (error) {
        if (!(error instanceof MllpError)) throw error
        tally.in--
        throw new HimError(`${error.message}; ${tally.out} message(s) acknowledged before, stopped at message ${item.loc.record} (line ${item.loc.line})`, {
          code: error.code,
          exit: ExitCode.UNAVAILABLE,
          suggestion: 'check that the receiver is up, then run the same import with --resume (acknowledged messages are not sent again)',
        })
      }
      acks[ack.code] = (acks[ack.code] ?? 0) + 1
      if (ack.accepted) tally.out++
      else {
        const code = `HL7_ACK_${ack.code.replace(/[^A-Z]/g, '') || 'UNKNOWN'}`
        tally.reject(code)
        await o.rejects.write({loc: {...item.loc, field: 'MSA-1'}, code, reason: `the receiver answered ${ack.code.slice(0, 2)}${ack.text ? `: ${ack.text.slice(0, 500)}` : ''}`, raw: item.value.toString()})
      }
      await o.onAnswered?.(item.loc, ack.accepted ? 'confirmed' : 'rejected')
      o.onProgress?.(tally)
    }
  } finally {
    await client.close()
  }
  return {counts: tally.toJSON(), balanced: tally.balanced(), acks, skipped, interrupted}
}
