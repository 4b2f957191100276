/**
 * When a FHIR request may be sent again, and how long to wait first. Pure: no clock, no randomness of its own.
 */

/** HTTP statuses that say "not now" rather than "no". */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504])

/** Socket-level failures after which the same request can be tried again. */
export const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
])

export interface RetrySettings {
  /** Attempts in all, the first one included. */
  maxAttempts: number
  /** The first backoff, doubled on each retry. */
  baseDelayMs: number
  /** No wait, whether from backoff or Retry-After, is longer than this. */
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetrySettings = {maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000}

/**
 * A request is safe to repeat when sending it twice has the effect of sending it once: GET, HEAD, OPTIONS, PUT,
 * DELETE; a POST only when the caller says so (a conditional create with If-None-Exist, a search by POST, a
 * transaction whose entries are all conditional).
 */
export function isSafeToRepeat(method: string, declaredIdempotent = false): boolean {
  const m = method.toUpperCase()
  return declaredIdempotent || m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'PUT' || m === 'DELETE'
}

/**
 * Retry-After as seconds ("120") or as an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"), in milliseconds from now.
 * Undefined when absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const v = value.trim()
  if (v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v) * 1000
  if (/^\d+\.\d+$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/**
 * Exponential backoff with full jitter: a random wait between half and all of base * 2^(attempt-1), capped.
 * `random` is in [0, 1). A server's Retry-After, when given, is a floor.
 */
export function backoffDelay(attempt: number, settings: RetrySettings, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  const jittered = ceiling / 2 + (ceiling / 2) * random
  const wait = retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered)
  return Math.round(Math.min(settings.maxDelayMs, wait))
}

interface OutcomeIssue {
  severity?: string
  code?: string
}

/** An OperationOutcome whose error issues are all `transient` (or its sub-codes: timeout, throttled, lock-error...). */
export function isTransientOutcome(body: unknown): boolean {
  const oo = body as {resourceType?: string; issue?: OutcomeIssue[]} | undefined
  if (oo?.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return false
  const transient = new Set(['transient', 'lock-error', 'no-store', 'exception', 'timeout', 'incomplete', 'throttled'])
  const errors = oo.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')
  return errors.length > 0 && errors.every((i) => i.code !== undefined && transient.has(i.code))
}

export type RetryReason = {kind: 'status'; status: number} | {kind: 'network'; code: string} | {kind: 'outcome'}

/**
 * Whether to try again after this failure. A 429 is always retried: the server says it did not act on the request.
 * Everything else (5xx, a dropped connection, a transient OperationOutcome) only when the request is safe to repeat,
 * since the server may have acted on it before failing.
 */
export function shouldRetry(reason: RetryReason, safeToRepeat: boolean): boolean {
  if (reason.kind === 'status' && reason.status === 429) return true
  if (!safeToRepeat) return false
  if (reason.kind === 'status') return RETRYABLE_STATUS.has(reason.status)
  if (reason.kind === 'network') return RETRYABLE_NETWORK_CODES.has(reason.code)
  return true
}
