import {readFile} from 'node:fs/promises'

import {type MllpEndpointConfig} from '../../config/schema.js'
import {MllpClient, MllpError} from './client.js'

export interface MllpProbe {
  reachable: boolean
  /** How long the connection (and TLS handshake) took. */
  connectMs?: number
  /** Why not, when it is not reachable (no values, just what failed). */
  problem?: string
}

/**
 * `him endpoint test` for an MLLP endpoint: open a connection (TLS when configured, with its CA) and close it,
 * sending nothing, so no message reaches the receiver's application.
 */
export async function probeMllp(endpoint: Pick<MllpEndpointConfig, 'host' | 'port' | 'tls' | 'caFile' | 'timeoutMs'>): Promise<MllpProbe> {
  const ca = endpoint.caFile ? await readFile(endpoint.caFile) : undefined
  const client = new MllpClient({host: endpoint.host, port: endpoint.port, tls: endpoint.tls, ca, timeoutMs: endpoint.timeoutMs ?? 5000})
  const started = Date.now()
  try {
    await client.connect()
    return {reachable: true, connectMs: Date.now() - started}
  } catch (error) {
    if (!(error instanceof MllpError)) throw error
    return {reachable: false, problem: error.message}
  } finally {
    await client.close()
  }
}
