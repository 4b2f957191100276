import {configError, usageError} from '../cli/errors.js'
import {describeIssue} from './load.js'
import {Endpoint, type HimConfig} from './schema.js'

/** Endpoint settings as given on a command line or in the wizard, before checking. */
export interface EndpointInput {
  name: string
  kind: string
  url?: string
  host?: string
  port?: number
  auth?: string
  username?: string
  passwordRef?: string
  tokenRef?: string
  clientId?: string
  clientSecretRef?: string
  privateKeyRef?: string
  kid?: string
  alg?: string
  tokenUrl?: string
  scope?: string
  caFile?: string
  timeoutMs?: number
  tls?: boolean
  allowInsecure?: boolean
}

const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** Build and check an endpoint; errors name the setting and what was expected, never a value. */
export function buildEndpoint(input: EndpointInput): Endpoint {
  let hostPort = {host: input.host, port: input.port}
  if (input.kind === 'mllp' && input.url && !input.host) {
    const m = /^(?:mllps?:\/\/)?([^:/]+):(\d+)$/.exec(input.url)
    if (!m) throw usageError('an MLLP endpoint is host:port (e.g. 10.0.0.5:2575), or give --host and --port')
    hostPort = {host: m[1], port: Number(m[2])}
  }
  const authKind = input.auth ?? 'none'
  const auth = drop({
    kind: authKind,
    username: input.username,
    passwordRef: input.passwordRef,
    tokenRef: input.tokenRef,
    clientId: input.clientId,
    clientSecretRef: input.clientSecretRef,
    privateKeyRef: input.privateKeyRef,
    kid: input.kid,
    alg: input.alg,
    tokenUrl: input.tokenUrl,
    scope: input.scope,
  })
  const raw =
    input.kind === 'mllp'
      ? drop({name: input.name, kind: 'mllp', ...hostPort, tls: input.tls, caFile: input.caFile, timeoutMs: input.timeoutMs})
      : drop({name: input.name, kind: input.kind, url: input.url, auth, timeoutMs: input.timeoutMs, caFile: input.caFile, allowInsecure: input.allowInsecure})
  if (input.kind === 'mllp' && authKind !== 'none') throw usageError('MLLP endpoints take no --auth (use --tls and --ca-file)')
  const r = Endpoint.safeParse(raw)
  if (!r.success) {
    const msg = describeIssue(r.error.issues[0]).replace(/^auth\.(\w+)Ref/, (_, k) => `--${k.replace(/[A-Z]/g, (c: string) => `-${c.toLowerCase()}`)}-ref`)
    throw configError(`endpoint "${input.name}": ${msg}`)
  }
  return r.data
}

export function addEndpoint(config: HimConfig, ep: Endpoint, replace = false): HimConfig {
  const exists = config.endpoints.some((e) => e.name === ep.name)
  if (exists && !replace) throw usageError(`an endpoint named "${ep.name}" exists already`, 'add --force to replace it')
  return {...config, endpoints: [...config.endpoints.filter((e) => e.name !== ep.name), ep]}
}

export function removeEndpoint(config: HimConfig, name: string): HimConfig {
  if (!config.endpoints.some((e) => e.name === name))
    throw usageError(`no endpoint named "${name}"`, `the configured endpoints: ${config.endpoints.map((e) => e.name).join(', ') || 'none'}`)
  return {...config, endpoints: config.endpoints.filter((e) => e.name !== name)}
}

export function findEndpoint(config: HimConfig, name: string): Endpoint {
  const ep = config.endpoints.find((e) => e.name === name)
  if (!ep)
    throw configError(`no endpoint named "${name}" in the configuration`, config.endpoints.length ? `configured: ${config.endpoints.map((e) => e.name).join(', ')}` : 'add one with: him endpoint add')
  return ep
}

/** A row for `him endpoint list`: where and how, with secret references named but never resolved. */
export function describeEndpoint(e: Endpoint): {name: string; kind: string; address: string; auth: string; secrets: string} {
  if (e.kind === 'mllp') return {name: e.name, kind: e.kind, address: `${e.host}:${e.port}${e.tls ? ' (TLS)' : ''}`, auth: 'none', secrets: ''}
  const a = e.auth
  const refs = Object.entries(a).filter(([k]) => k.endsWith('Ref')).map(([k, v]) => `${k}=${v}`)
  return {name: e.name, kind: e.kind, address: e.url, auth: a.kind, secrets: refs.join(' ')}
}
