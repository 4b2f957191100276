import {expect} from 'chai'

import {backoffDelay, DEFAULT_RETRY, isSafeToRepeat, isTransientOutcome, parseRetryAfter, shouldRetry} from '../../../src/lib/endpoint/retry-policy.js'

describe('endpoint retry policy', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')

  it('reads Retry-After as seconds', () => {
    expect(parseRetryAfter('120', now)).to.equal(120_000)
    expect(parseRetryAfter(' 0 ', now)).to.equal(0)
  })

  it('reads Retry-After as an HTTP date, and a past date as 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).to.equal(30_000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).to.equal(0)
  })

  it('ignores an absent or unreadable Retry-After', () => {
    expect(parseRetryAfter(null, now)).to.equal(undefined)
    expect(parseRetryAfter('', now)).to.equal(undefined)
    expect(parseRetryAfter('soon', now)).to.equal(undefined)
  })

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    const s = {maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000}
    expect(backoffDelay(1, s, 0)).to.equal(50)
    expect(backoffDelay(1, s, 0.999)).to.be.within(99, 100)
    expect(backoffDelay(3, s, 0)).to.equal(200)
    expect(backoffDelay(10, s, 0.5)).to.equal(750)
    expect(backoffDelay(10, s, 0.999)).to.be.at.most(1000)
  })

  it('waits at least what Retry-After asks, but never past the cap', () => {
    expect(backoffDelay(1, DEFAULT_RETRY, 0, 5000)).to.equal(5000)
    expect(backoffDelay(1, {...DEFAULT_RETRY, maxDelayMs: 2000}, 0, 5000)).to.equal(2000)
  })

  it('treats GET, PUT and DELETE as safe to repeat, POST only when declared idempotent', () => {
    expect(isSafeToRepeat('get')).to.equal(true)
    expect(isSafeToRepeat('PUT')).to.equal(true)
    expect(isSafeToRepeat('DELETE')).to.equal(true)
    expect(isSafeToRepeat('POST')).to.equal(false)
    expect(isSafeToRepeat('PATCH')).to.equal(false)
    expect(isSafeToRepeat('POST', true)).to.equal(true)
  })

  it('retries a 429 whatever the method, other failures only when safe to repeat', () => {
    expect(shouldRetry({kind: 'status', status: 429}, false)).to.equal(true)
    expect(shouldRetry({kind: 'status', status: 503}, false)).to.equal(false)
    expect(shouldRetry({kind: 'status', status: 503}, true)).to.equal(true)
    expect(shouldRetry({kind: 'status', status: 500}, true)).to.equal(false)
    expect(shouldRetry({kind: 'status', status: 400}, true)).to.equal(false)
    expect(shouldRetry({kind: 'network', code: 'ECONNRESET'}, true)).to.equal(true)
    expect(shouldRetry({kind: 'network', code: 'ECONNRESET'}, false)).to.equal(false)
    expect(shouldRetry({kind: 'network', code: 'ENOTFOUND'}, true)).to.equal(false)
    expect(shouldRetry({kind: 'outcome'}, true)).to.equal(true)
  })

  it('recognises an OperationOutcome whose errors are all transient', () => {
    expect(isTransientOutcome({resourceType: 'OperationOutcome', issue: [{severity: 'error', code: 'transient'}]})).to.equal(true)
    expect(isTransientOutcome({resourceType: 'OperationOutcome', issue: [{severity: 'error', code: 'throttled'}, {severity: 'warning', code: 'invalid'}]})).to.equal(true)
    expect(isTransientOutcome({resourceType: 'OperationOutcome', issue: [{severity: 'error', code: 'transient'}, {severity: 'error', code: 'invalid'}]})).to.equal(false)
    expect(isTransientOutcome({resourceType: 'OperationOutcome', issue: []})).to.equal(false)
    expect(isTransientOutcome({resourceType: 'Patient'})).to.equal(false)
  })
})
