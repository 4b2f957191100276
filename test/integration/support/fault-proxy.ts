import {createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createTlsServer} from 'node:https'
import type {AddressInfo} from 'node:net'

/**
 * A fault-injecting HTTP proxy for tests, in front of a server on this machine (the HAPI test server): it drops
 * connections, answers 429 with Retry-After or 503, adds latency, or lets a request through and then drops the
 * answer. It keeps the Host header, so the server's own links (next pages, Content-Location) point back at the
 * proxy. Optionally it is also a small OAuth resource-server gate: bearer tokens are checked by introspection at a
 * real authorization server, and it serves .well-known/smart-configuration. Only loopback targets.
 */
export type Fault =
  /** Drop the connection before the server sees the request. */
  | {kind: 'reset'}
  /** Let the server act on the request, then drop the connection instead of answering. */
  | {kind: 'reset-after-forward'}
  | {kind: 'status'; status: number; retryAfter?: string; body?: unknown; headers?: Record<string, string>}
  | {kind: 'delay'; ms: number}
  /** Let the request through, send the answer's headers and half its body, then drop the connection. */
  | {kind: 'truncate'}
  /** Let the request through and change the answer's body (e.g. take a next page link out). */
  | {kind: 'rewrite'; body: (text: string) => string}

export interface FaultRule {
  fault: Fault
  /** How many matching requests get it (default 1). */
  times?: number
  match?: (req: {method: string; url: string}) => boolean
}

export interface ProxyLogEntry {
  method: string
  url: string
  fault?: Fault['kind']
  status?: number
  authorized?: boolean
}

export interface TokenGate {
  /** true when the bearer token is active */
  check(token: string): Promise<boolean>
  smartConfiguration: Record<string, unknown>
}

export class FaultProxy {
  readonly log: ProxyLogEntry[] = []
  private rules: Array<FaultRule & {left: number}> = []
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  /** `tls`: serve https with this key and certificate (to test certificate checks). */
  static async start(target: string, opts: {gate?: TokenGate; tls?: {key: string; cert: string}} = {}): Promise<FaultProxy> {
    const t = new URL(target)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(t.hostname)) throw new Error('the fault proxy only fronts servers on this machine')
    let proxy: FaultProxy | undefined
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      proxy!.handle(req, res, t, opts.gate).catch(() => res.destroy())
    }
    const server: Server = opts.tls ? createTlsServer(opts.tls, onRequest) : createServer(onRequest)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    proxy = new FaultProxy(server, `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${t.pathname.replace(/\/+$/, '')}`)
    return proxy
  }

  inject(rule: FaultRule): this {
    this.rules.push({...rule, left: rule.times ?? 1})
    return this
  }

  clear(): void {
    this.rules = []
    this.log.length = 0
  }

  /** Requests that reached the server (not dropped or answered by the proxy itself). */
  forwarded(method?: string): ProxyLogEntry[] {
    return this.log.filter((e) => (e.fault === undefined || e.fault === 'delay' || e.fault === 'reset-after-forward') && (!method || e.method === method) && e.authorized !== false)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private take(method: string, url: string): Fault | undefined {
    const rule = this.rules.find((r) => r.left > 0 && (!r.match || r.match({method, url})))
    if (!rule) return undefined
    rule.left--
    return rule.fault
  }

  private async handle(req: IncomingMessage, res: ServerResponse, target: URL, gate?: TokenGate) {
    // A client that gives up (a timeout) closes its socket mid-answer: that is a test scenario, not a crash.
    req.on('error', () => {})
    res.on('error', () => {})
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    const entry: ProxyLogEntry = {method, url}
    this.log.push(entry)

    if (gate && url.endsWith('/.well-known/smart-configuration')) {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(gate.smartConfiguration))
      entry.status = 200
      return
    }

    const fault = this.take(method, url)
    entry.fault = fault?.kind
    if (fault?.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {'content-type': 'application/fhir+json'}
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter
      Object.assign(headers, fault.headers)
      const body = fault.body ?? {resourceType: 'OperationOutcome', issue: [{severity: 'error', code: fault.status === 429 ? 'throttled' : 'transient', diagnostics: `injected ${fault.status}`}]}
      req.resume()
      res.writeHead(fault.status, headers).end(body === null ? '' : JSON.stringify(body))
      entry.status = fault.status
      return
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms))

    if (gate && !url.endsWith('/metadata')) {
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
      entry.authorized = token !== undefined && (await gate.check(token))
      if (!entry.authorized) {
        req.resume()
        res.writeHead(401, {'content-type': 'application/fhir+json', 'www-authenticate': 'Bearer'}).end(
          JSON.stringify({resourceType: 'OperationOutcome', issue: [{severity: 'error', code: 'login', diagnostics: 'a valid bearer token is required'}]}),
        )
        entry.status = 401
        return
      }
    }

    const headers = {...req.headers}
    delete headers.authorization // the HAPI test server has no security of its own
    if (fault?.kind === 'rewrite') delete headers['accept-encoding'] // a body to change must come uncompressed
    const upstream = httpRequest({host: target.hostname, port: target.port, method, path: url, headers}, (up) => {
      entry.status = up.statusCode
      if (fault?.kind === 'reset-after-forward') {
        up.resume()
        up.on('end', () => req.socket.destroy())
        return
      }
      if (fault?.kind === 'truncate' || fault?.kind === 'rewrite') {
        const chunks: Buffer[] = []
        up.on('data', (c: Buffer) => chunks.push(c))
        up.on('end', () => {
          const whole = Buffer.concat(chunks)
          const headers = {...up.headers}
          delete headers['transfer-encoding']
          if (fault.kind === 'rewrite') {
            const body = Buffer.from(fault.body(whole.toString('utf8')))
            res.writeHead(up.statusCode ?? 502, {...headers, 'content-length': String(body.length)}).end(body)
            return
          }
          res.writeHead(up.statusCode ?? 502, {...headers, 'content-length': String(whole.length)})
          res.write(whole.subarray(0, Math.floor(whole.length / 2)), () => setTimeout(() => req.socket.destroy(), 20))
        })
        return
      }
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => {
      entry.status = 502
      if (!res.headersSent) res.writeHead(502).end()
      else res.destroy()
    })
    req.pipe(upstream)
  }
}
