import {readFile} from 'node:fs/promises'
import {rootCertificates} from 'node:tls'
import {Agent, type Dispatcher} from 'undici'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

/** 127.0.0.0/8, ::1 and localhost: plain http there never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

/**
 * The transport rule: https always; plain http only to this machine, or when the endpoint says allowInsecure.
 * Returns the parsed URL; throws a config error (exit 78) otherwise.
 */
export function checkTransport(url: string, allowInsecure = false, endpointName?: string): URL {
  let u: URL
  const where = endpointName ? `endpoint "${endpointName}"` : 'the endpoint'
  try {
    u = new URL(url)
  } catch {
    throw new HimError(`${where}: the URL is not a valid absolute URL`, {code: 'ENDPOINT_CONFIG', exit: ExitCode.CONFIG})
  }
  if (u.protocol === 'https:') return u
  if (u.protocol !== 'http:')
    throw new HimError(`${where}: unsupported scheme ${u.protocol} (expected https:)`, {code: 'ENDPOINT_CONFIG', exit: ExitCode.CONFIG})
  if (isLoopbackHost(u.hostname) || allowInsecure) return u
  throw new HimError(`${where}: plain http:// to ${u.hostname} would send patient data and credentials unencrypted`, {
    code: 'INSECURE_TRANSPORT',
    exit: ExitCode.CONFIG,
    suggestion: 'use https://, or set allowInsecure on the endpoint (him endpoint add ... --allow-insecure) for a trusted network',
  })
}

/**
 * The HTTP dispatcher for an endpoint: certificates always verified; with a CA file, its certificates are trusted
 * in addition to the system's (NODE_EXTRA_CA_CERTS is honoured by Node itself for the default dispatcher).
 */
export async function createDispatcher(opts: {caFile?: string; endpointName?: string}): Promise<Dispatcher | undefined> {
  if (!opts.caFile) return undefined
  let pem: string
  try {
    pem = await readFile(opts.caFile, 'utf8')
  } catch (error) {
    throw new HimError(
      `endpoint "${opts.endpointName ?? '?'}": cannot read the CA file ${opts.caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {code: 'ENDPOINT_CONFIG', exit: ExitCode.CONFIG},
    )
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem))
    throw new HimError(`endpoint "${opts.endpointName ?? '?'}": the CA file ${opts.caFile} holds no PEM certificate`, {
      code: 'ENDPOINT_CONFIG',
      exit: ExitCode.CONFIG,
    })
  return new Agent({connect: {ca: [...rootCertificates, pem], rejectUnauthorized: true}})
}

/** TLS failures a person can act on, by the code Node gives them. */
export const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'HOSTNAME_MISMATCH',
])
