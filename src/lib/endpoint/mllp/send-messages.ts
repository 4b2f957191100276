import {readFile} from 'node:fs/promises'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {type MllpEndpointConfig} from '../../config/schema.js'
import {readHl7} from '../../formats/hl7v2/reader.js'
import {type Source} from '../../io/source.js'
import {type Reject, Tally} from '../../records/types.js'
import {MllpClient, MllpError, sendWithRetry} from './client.js'

export interface SendMessagesOptions {
  endpoint: Pick<MllpEndpointConfig, 'host' | 'port' | 'tls' | 'caFile' | 'timeoutMs'>
  /** Where rejected messages go (unreadable, or refused by the receiver with AE/AR/CE/CR). */
  rejects: {write(r: Reject): Promise<void>}
  retries?: number
  backoffMs?: (attempt: number) => number
  onProgress?: (t: Tally) => void
}

export interface SendMessagesResult {
  counts: ReturnType<Tally['toJSON']>
  balanced: boolean
  /** ACK codes received, by code. */
  acks: Record<string, number>
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
  try {
    for await (const item of readHl7(src)) {
      tally.in++
      if (!item.ok) {
        tally.reject(item.code)
        await o.rejects.write(item)
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
          suggestion: 'check that the receiver is up, then send the rest (the messages before were acknowledged)',
        })
      }
      acks[ack.code] = (acks[ack.code] ?? 0) + 1
      if (ack.accepted) tally.out++
      else {
        const code = `HL7_ACK_${ack.code.replace(/[^A-Z]/g, '') || 'UNKNOWN'}`
        tally.reject(code)
        await o.rejects.write({loc: {...item.loc, field: 'MSA-1'}, code, reason: `the receiver answered ${ack.code.slice(0, 2)}${ack.text ? `: ${ack.text.slice(0, 500)}` : ''}`, raw: item.value.toString()})
      }
      o.onProgress?.(tally)
    }
  } finally {
    await client.close()
  }
  return {counts: tally.toJSON(), balanced: tally.balanced(), acks}
}
