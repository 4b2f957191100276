import debugLib from 'debug'
import {Client, RESPONSE_KEY} from 'fhir-kit-client'
import type {Dispatcher} from 'undici'

import {HimError} from '../cli/errors.js'
import {ExitCode, type ExitCodeValue} from '../cli/exit-codes.js'
import type {FhirEndpointConfig} from '../config/schema.js'
import {createAuthenticator, type Authenticator} from './auth.js'
import {AdaptiveLimiter} from './concurrency.js'
import {summarizeOutcome, type OutcomeSummary} from './operation-outcome.js'
import {backoffDelay, DEFAULT_RETRY, isSafeToRepeat, isTransientOutcome, parseRetryAfter, shouldRetry, type RetryReason, type RetrySettings} from './retry-policy.js'
import {checkTransport, createDispatcher, TLS_ERROR_CODES} from './transport.js'

// fhir-kit-client's own debug output (DEBUG=fhir-kit-client:*) prints request headers, Authorization included, and
// response bodies. Keep those namespaces off whatever DEBUG says; this client logs through `debug` below instead.
{
  const enabled = debugLib.disable()
  debugLib.enable([enabled, '-fhir-kit-client:*'].filter(Boolean).join(','))
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD'

export interface FhirRequest {
  method?: HttpMethod
  /** Relative to the base URL ("Patient?identifier=x", "metadata") or an absolute URL on the same server. */
  path: string
  body?: unknown
  headers?: Record<string, string>
  /** A POST that is safe to send twice (conditional create, search by POST, all-conditional transaction). */
  idempotent?: boolean
  signal?: AbortSignal
}

export interface FhirResponse<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
  attempts: number
  elapsedMs: number
}

export interface EndpointClientOptions {
  /** Per-request timeout; default the endpoint's timeoutMs, else 60 s. */
  timeoutMs?: number
  retry?: Partial<RetrySettings>
  /** Requests in flight at most (halved on 429, climbing back after successes); default 4. */
  concurrency?: number
  /** Overrides the endpoint's allowInsecure (the --allow-insecure flag). */
  allowInsecure?: boolean
  /** One line per request and retry: method, path without its query, status, time. Never headers or bodies. */
  debug?: (line: string) => void
  env?: NodeJS.ProcessEnv
  /** Tests: a clock, a random source and a sleep that can be watched. */
  now?: () => number
  random?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** A FHIR request that failed for good, with the server's OperationOutcome summarized when there was one. */
export class FhirRequestError extends HimError {
  constructor(
    message: string,
    opts: {code: string; exit: ExitCodeValue; suggestion?: string; cause?: unknown},
    readonly status?: number,
    readonly outcome?: OutcomeSummary,
    readonly attempts = 1,
  ) {
    super(message, opts)
    this.name = 'FhirRequestError'
  }
}

/** A wait that ends early, rejecting with the signal's reason, when the signal aborts. */
export const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })

/** "Patient?<2 params>": what a debug line or an error shows of a URL; query values may be identifiers (PHI). */
export function describePath(pathOrUrl: string, base: string): string {
  let p = pathOrUrl.startsWith(base) ? pathOrUrl.slice(base.length) : pathOrUrl
  p = p.replace(/^\/+/, '')
  const q = p.indexOf('?')
  if (q < 0) return p || '/'
  const n = new URLSearchParams(p.slice(q + 1)).size
  return `${p.slice(0, q) || '/'}?<${n} param${n === 1 ? '' : 's'}>`
}

interface Failure {
  reason: RetryReason
  status?: number
  body?: unknown
  headers?: Headers
  error?: unknown
}

/**
 * The FHIR client of an EHR endpoint: fhir-kit-client underneath, with what production servers demand on top —
 * authentication from secret references, a timeout per request, retries with backoff and jitter (Retry-After
 * honoured) for requests that are safe to repeat, one re-authentication on 401, an adaptive concurrency limit,
 * paging as an async iterator, transport rules (TLS verified, CA file, no plain http off this machine).
 */
export class EndpointClient {
  readonly baseUrl: string
  readonly limiter: AdaptiveLimiter
  private readonly fhir: Client
  private readonly retry: RetrySettings
  private readonly timeoutMs: number
  private readonly now: () => number
  private readonly random: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>

  private constructor(
    readonly endpoint: FhirEndpointConfig,
    readonly auth: Authenticator,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly opts: EndpointClientOptions,
  ) {
    this.baseUrl = endpoint.url.replace(/\/+$/, '')
    this.fhir = new Client({baseUrl: this.baseUrl, requestOptions: dispatcher ? {dispatcher} : {}})
    this.retry = {...DEFAULT_RETRY, ...opts.retry}
    this.timeoutMs = opts.timeoutMs ?? endpoint.timeoutMs ?? 60_000
    this.limiter = new AdaptiveLimiter(opts.concurrency ?? 4)
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
    this.sleep = opts.sleep ?? abortableSleep
  }

  /** Check the transport rules, load the CA file, prepare authentication. Throws HimError (exit 78) on bad config. */
  static async open(endpoint: FhirEndpointConfig, opts: EndpointClientOptions = {}): Promise<EndpointClient> {
    const allowInsecure = opts.allowInsecure ?? endpoint.allowInsecure ?? false
    checkTransport(endpoint.url, allowInsecure, endpoint.name)
    const dispatcher = await createDispatcher({caFile: endpoint.caFile, endpointName: endpoint.name})
    const auth = createAuthenticator(endpoint.auth, {
      baseUrl: endpoint.url,
      endpointName: endpoint.name,
      allowInsecure,
      dispatcher,
      env: opts.env,
      now: opts.now,
      timeoutMs: opts.timeoutMs ?? endpoint.timeoutMs,
      debug: opts.debug,
    })
    return new EndpointClient(endpoint, auth, dispatcher, opts)
  }

  async close(): Promise<void> {
    await this.dispatcher?.close()
  }

  /** The CapabilityStatement (GET metadata). */
  async capabilities(signal?: AbortSignal): Promise<FhirResponse> {
    return this.request({path: 'metadata', signal})
  }

  async request<T = Record<string, unknown>>(req: FhirRequest): Promise<FhirResponse<T>> {
    const method = req.method ?? 'GET'
    this.checkSameServer(req.path)
    return this.withRetries(`${method} ${describePath(req.path, this.baseUrl)}`, isSafeToRepeat(method, req.idempotent), req.signal, () =>
      this.attempt<T>(method, req),
    )
  }

  /**
   * A GET whose body is streamed rather than parsed: bulk data files (NDJSON), Binary content. Same authentication,
   * transport rules, retries and re-authentication as `request`; the timeout covers the wait for the response
   * headers, not the reading of the body (the caller's signal still ends it).
   */
  async download(path: string, opts: {signal?: AbortSignal; accept?: string; token?: boolean} = {}): Promise<FhirResponse<ReadableStream<Uint8Array>>> {
    // Without a token (a bulk manifest with requiresAccessToken false) the file may live elsewhere, e.g. a bucket.
    const token = opts.token ?? true
    if (token) this.checkSameServer(path)
    else if (/^https?:\/\//i.test(path)) checkTransport(path, this.opts.allowInsecure ?? this.endpoint.allowInsecure ?? false, this.endpoint.name)
    const url = /^https?:\/\//i.test(path) ? path : `${this.baseUrl}/${path.replace(/^\/+/, '')}`
    return this.withRetries<ReadableStream<Uint8Array>>(`GET ${describePath(path, this.baseUrl)}`, true, opts.signal, async () => {
      const headersTimeout = new AbortController()
      const timer = setTimeout(() => headersTimeout.abort(new DOMException('no response headers in time', 'TimeoutError')), this.timeoutMs)
      const signal = opts.signal ? AbortSignal.any([opts.signal, headersTimeout.signal]) : headersTimeout.signal
      try {
        const headers = {accept: opts.accept ?? 'application/fhir+ndjson', ...(token ? await this.auth.authorize(signal) : {})}
        const res = await fetch(url, {headers, signal, ...(this.dispatcher ? {dispatcher: this.dispatcher} : {})} as RequestInit)
        if (!res.ok || !res.body) {
          const text = await res.text().catch(() => '')
          let body: unknown = text
          try {
            body = JSON.parse(text)
          } catch {
            // not JSON: keep the text out of errors (it may be data)
            body = undefined
          }
          const reason: RetryReason = !RETRYABLE.has(res.status) && isTransientOutcome(body) ? {kind: 'outcome'} : {kind: 'status', status: res.status}
          return {reason, status: res.status, body, headers: res.headers}
        }
        return {status: res.status, headers: res.headers, body: res.body}
      } catch (error) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? error
        if (headersTimeout.signal.aborted) return {reason: {kind: 'network', code: 'ETIMEDOUT'}, error}
        const cause = (error as {cause?: {code?: string; message?: string}}).cause
        return {reason: {kind: 'network', code: cause?.code ?? cause?.message ?? (error as Error).name ?? 'ERROR'}, error}
      } finally {
        clearTimeout(timer)
      }
    })
  }

  /** The attempt loop shared by request and download: backoff, Retry-After, one re-auth on 401, 429 throttling. */
  private async withRetries<T>(
    what: string,
    safe: boolean,
    signal: AbortSignal | undefined,
    attemptOnce: () => Promise<Omit<FhirResponse<T>, 'attempts' | 'elapsedMs'> | Failure>,
  ): Promise<FhirResponse<T>> {
    const started = this.now()
    let reauthenticated = false
    let last: Failure | undefined
    let attempts = 0
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      attempts++
      const t0 = this.now()
      const outcome = await this.limiter.run(attemptOnce)
      const ms = this.now() - t0
      if (!('reason' in outcome)) {
        this.limiter.succeeded()
        this.opts.debug?.(`${what} -> ${outcome.status} in ${ms} ms${attempt > 1 ? ` (attempt ${attempt})` : ''}`)
        return {...outcome, attempts, elapsedMs: this.now() - started}
      }
      last = outcome
      const label = outcome.status === undefined ? (outcome.reason as {code?: string}).code : String(outcome.status)
      this.opts.debug?.(`${what} -> ${label} in ${ms} ms (attempt ${attempt})`)

      if (outcome.status === 401 && !reauthenticated && this.auth.invalidate()) {
        reauthenticated = true
        attempt-- // a fresh token is not a retry
        continue
      }
      if (outcome.status === 401 || outcome.status === 403) throw this.authFailure(what, outcome)
      if (outcome.status === 429) this.limiter.throttled()
      if (attempt >= this.retry.maxAttempts || !shouldRetry(outcome.reason, safe)) break
      const retryAfter = parseRetryAfter(outcome.headers?.get('retry-after'), this.now())
      const wait = backoffDelay(attempt, this.retry, this.random(), retryAfter)
      this.opts.debug?.(`${what}: retrying in ${wait} ms${retryAfter === undefined ? '' : ' (Retry-After)'}`)
      await this.sleep(wait, signal)
    }
    throw this.finalFailure(what, last!, attempts)
  }

  /**
   * The pages of a search (or history), following `next` links. Ends cleanly on a page without one; a `next` link
   * seen before ends the iteration with an error rather than looping for ever.
   */
  async *pages<T = Bundle>(path: string, signal?: AbortSignal): AsyncGenerator<T> {
    const seen = new Set<string>()
    let next: string | undefined = path
    while (next !== undefined) {
      const page: FhirResponse<T> = await this.request<T>({path: next, signal})
      yield page.body
      const link = (page.body as Bundle).link?.find((l) => l.relation === 'next')?.url
      if (!link) return
      if (seen.has(link))
        throw new FhirRequestError(`endpoint "${this.endpoint.name}": the server sent the same next page link twice`, {code: 'PAGING_LOOP', exit: ExitCode.UNAVAILABLE})
      seen.add(link)
      next = link
    }
  }

  /** The resources of a search, page after page (entries with search.mode "include" or "outcome" are skipped). */
  async *resources<T = Record<string, unknown>>(path: string, signal?: AbortSignal): AsyncGenerator<T> {
    for await (const page of this.pages<Bundle>(path, signal))
      for (const e of page.entry ?? []) if (e.resource && (e.search?.mode ?? 'match') === 'match') yield e.resource as T
  }

  /** Absolute URLs (next links, Content-Location) must stay on this server: a token is never sent elsewhere. */
  private checkSameServer(path: string) {
    if (!/^https?:\/\//i.test(path)) return
    if (new URL(path).origin !== new URL(this.baseUrl).origin)
      throw new FhirRequestError(`endpoint "${this.endpoint.name}": refusing to follow a link to another server (${new URL(path).host})`, {
        code: 'FOREIGN_LINK',
        exit: ExitCode.UNAVAILABLE,
      })
  }

  private async attempt<T>(method: HttpMethod, req: FhirRequest): Promise<Omit<FhirResponse<T>, 'attempts' | 'elapsedMs'> | Failure> {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout
    const headers: Record<string, string> = {...req.headers, ...(await this.auth.authorize(signal))}
    if (req.body !== undefined) headers['content-type'] ??= 'application/fhir+json'
    try {
      const result = (await this.fhir.request(req.path, {method, body: req.body as never, options: {headers, signal}})) as Record<string, unknown>
      const response = (result as Record<string, unknown>)[RESPONSE_KEY] as Response | undefined
      const body = {...result} as T
      return {status: response?.status ?? 200, headers: response?.headers ?? new Headers(), body}
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? error
      const e = error as {response?: {status: number; data: unknown}; config?: {headers?: Headers}; name?: string; cause?: {code?: string}}
      if (e.response) {
        const {status, data} = e.response
        const reason: RetryReason = RETRYABLE.has(status) ? {kind: 'status', status} : isTransientOutcome(data) ? {kind: 'outcome'} : {kind: 'status', status}
        return {reason, status, body: data, headers: e.config?.headers}
      }
      if (e.name === 'TimeoutError' || timeout.aborted) return {reason: {kind: 'network', code: 'ETIMEDOUT'}, error}
      const cause = e.cause as {code?: string; message?: string} | undefined
      const code = cause?.code ?? (e as {code?: string}).code ?? cause?.message ?? e.name ?? 'ERROR'
      return {reason: {kind: 'network', code}, error}
    }
  }

  private authFailure(what: string, f: Failure): FhirRequestError {
    const oo = summarizeOutcome(f.body)
    return new FhirRequestError(
      `endpoint "${this.endpoint.name}": ${what} was refused, HTTP ${f.status} (authentication ${this.endpoint.auth.kind})${oo ? `: ${oo.text}` : ''}`,
      {code: 'AUTH_FAILED', exit: ExitCode.AUTH, suggestion: 'check the endpoint auth settings and the secret its reference points to'},
      f.status,
      oo,
    )
  }

  private finalFailure(what: string, f: Failure, attempts: number): FhirRequestError {
    const name = `endpoint "${this.endpoint.name}"`
    if (f.status === undefined) {
      const code = (f.reason as {code: string}).code
      if (TLS_ERROR_CODES.has(code))
        return new FhirRequestError(`${name}: the server's TLS certificate is not trusted (${code})`, {
          code: 'TLS_UNTRUSTED',
          exit: ExitCode.UNAVAILABLE,
          suggestion: 'give the CA that signed it with --ca-file on the endpoint, or NODE_EXTRA_CA_CERTS',
          cause: f.error,
        })
      const retried = attempts > 1 ? ` after ${attempts} attempts` : ''
      return new FhirRequestError(`${name}: ${what} failed, ${describeNetworkCode(code)} (${code})${retried}`, {
        code: 'ENDPOINT_UNREACHABLE',
        exit: ExitCode.UNAVAILABLE,
        cause: f.error,
      }, undefined, undefined, attempts)
    }
    if (f.status < 300)
      return new FhirRequestError(`${name}: ${what} answered ${f.status} with a body that is not JSON`, {code: 'NOT_FHIR', exit: ExitCode.UNAVAILABLE}, f.status)
    const oo = summarizeOutcome(f.body)
    const status = f.status
    const exit = status >= 500 || status === 429 || status === 404 || status === 405 ? ExitCode.UNAVAILABLE : ExitCode.DATA
    return new FhirRequestError(
      `${name}: ${what} failed, HTTP ${status}${oo ? `: ${oo.text}` : ''}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`,
      {code: status === 429 ? 'THROTTLED' : 'FHIR_HTTP_ERROR', exit},
      status,
      oo,
      attempts,
    )
  }
}

const RETRYABLE = new Set([429, 502, 503, 504])

function describeNetworkCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there'
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'the connection was dropped'
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'no answer in time'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve'
    default:
      return 'the request did not complete'
  }
}

export interface Bundle {
  resourceType: 'Bundle'
  type?: string
  total?: number
  link?: Array<{relation: string; url: string}>
  entry?: Array<{fullUrl?: string; resource?: Record<string, unknown>; search?: {mode?: string}}>
}
