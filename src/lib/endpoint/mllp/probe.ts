import {readFile} from 'node:fs/promises'

import {type MllpEndpointConfig} from '../../config/schema.js'
import {hl7Now} from '../../formats/hl7v2/datetime.js'
import {buildMsh, Hl7Message, Hl7Segment} from '../../formats/hl7v2/message.js'
import {MllpClient, MllpError} from './client.js'

export interface MllpProbe {
  reachable: boolean
  /** How long the connection (and TLS handshake) took. */
  connectMs?: number
  /** Why not, when it is not reachable (no values, just what failed). */
  problem?: string
  /** With `ping`: the receiver's answer to one network-management query (or why there was none). */
  ack?: {code?: string; text?: string; ms?: number; problem?: string}
}

export interface PingOptions {
  /** MSH-3..6 (the config's hl7 section). */
  msh?: {sendingApplication?: string; sendingFacility?: string; receivingApplication?: string; receivingFacility?: string}
  now?: Date
}

/**
 * The network-management query sent by `ping`: NMQ^N01 with an NCK (system date/time), processing id D
 * (debugging), so a receiver does not file it as patient data; any ACK, even AE/AR for a type it does not take,
 * shows that its application is answering.
 */
export function pingMessage(o: PingOptions = {}): string {
  const now = hl7Now(o.now ?? new Date())
  const msh = buildMsh({...o.msh, dateTime: now, type: {code: 'NMQ', event: 'N01', structure: 'NMQ_N01'}, controlId: `HIMPING${now.replace(/\D/g, '').slice(0, 14)}`, processingId: 'D'})
  return new Hl7Message([msh, Hl7Segment.build('NCK', [now])]).toString()
}

/**
 * `him endpoint test` for an MLLP endpoint: open a connection (TLS when configured, with its CA) and close it,
 * sending nothing, so no message reaches the receiver's application. With `ping`, also send one NMQ^N01 (see
 * pingMessage) and read the ACK code and the round-trip time.
 */
export async function probeMllp(
  endpoint: Pick<MllpEndpointConfig, 'host' | 'port' | 'tls' | 'caFile' | 'timeoutMs'>,
  o: {ping?: PingOptions} = {},
): Promise<MllpProbe> {
  const ca = endpoint.caFile ? await readFile(endpoint.caFile) : undefined
  const client = new MllpClient({host: endpoint.host, port: endpoint.port, tls: endpoint.tls, ca, timeoutMs: endpoint.timeoutMs ?? 5000})
  const started = Date.now()
  try {
    await client.connect()
    const probe: MllpProbe = {reachable: true, connectMs: Date.now() - started}
    if (o.ping) {
      const sent = Date.now()
      try {
        const ack = await client.send(pingMessage(o.ping))
        probe.ack = {code: ack.code, ...(ack.text && {text: ack.text}), ms: Date.now() - sent}
      } catch (error) {
        if (!(error instanceof MllpError)) throw error
        probe.ack = {problem: error.message}
      }
    }
    return probe
  } catch (error) {
    if (!(error instanceof MllpError)) throw error
    return {reachable: false, problem: error.message}
  } finally {
    await client.close()
  }
}
