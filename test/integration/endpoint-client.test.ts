import {expect} from 'chai'
import {randomUUID} from 'node:crypto'

import {EndpointClient, FhirRequestError, type Bundle} from '../../src/lib/endpoint/client.js'
import type {FhirEndpointConfig} from '../../src/lib/config/schema.js'
import {startAuthServer, type AuthServer} from './support/auth-server.js'
import {FaultProxy} from './support/fault-proxy.js'
import {requireFhirServer, type FhirServer} from './support/fhir-server.js'

// The endpoint client against the real HAPI server through the fault-injecting proxy: what it retries, what it
// never repeats, and that nothing is lost or written twice. Patients here are synthetic (family "Synthetic").
describe('endpoint client through the fault proxy', function () {
  let fhir: FhirServer
  let proxy: FaultProxy
  const waits: number[] = []
  const debugLines: string[] = []
  // Record each wait, but sleep at most 20 ms: the tests check the waits asked for, not the clock.
  const sleep = (ms: number) => {
    waits.push(ms)
    return new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)))
  }

  const endpoint = (url: string, extra: Partial<FhirEndpointConfig> = {}): FhirEndpointConfig => ({name: 'proxied', kind: 'fhir', url, auth: {kind: 'none'}, ...extra})
  const open = (extra: Partial<FhirEndpointConfig> = {}, timeoutMs = 20_000) =>
    EndpointClient.open(endpoint(proxy.baseUrl, extra), {sleep, timeoutMs, retry: {baseDelayMs: 10, maxDelayMs: 60_000}, debug: (l) => debugLines.push(l)})

  const system = `urn:himkit:test:${randomUUID()}`
  const pagingSystem = `${system}:paging`
  const tag = randomUUID().slice(0, 8)
  const patient = (value: string) => ({resourceType: 'Patient', identifier: [{system, value}], name: [{family: 'Synthetic', given: ['Test']}]})
  // Five patients for the paging tests, written once (PUT with fixed ids: writing them again changes nothing).
  const writePagingPatients = async (client: EndpointClient) => {
    for (let i = 0; i < 5; i++)
      await client.request({method: 'PUT', path: `Patient/paging-${tag}-${i}`, body: {...patient(`page-${i}`), identifier: [{system: pagingSystem, value: String(i)}], id: `paging-${tag}-${i}`}})
  }
  const countOnServer = async (value: string) => {
    const direct = await EndpointClient.open(endpoint(fhir.baseUrl))
    const r = await direct.request<Bundle>({path: `Patient?identifier=${encodeURIComponent(`${system}|${value}`)}&_summary=count`})
    return r.body.total
  }

  before(async function () {
    fhir = await requireFhirServer(this)
    proxy = await FaultProxy.start(fhir.baseUrl)
  })

  beforeEach(() => {
    proxy.clear()
    waits.length = 0
    debugLines.length = 0
  })

  after(async () => proxy?.close())

  it('retries a GET after a dropped connection', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'reset'}, times: 2, match: (r) => r.url.endsWith('/metadata')})
    const r = await client.capabilities()
    expect(r.status).to.equal(200)
    expect(r.attempts).to.equal(3)
    expect(proxy.log.filter((e) => e.fault === 'reset')).to.have.length(2)
  })

  it('retries a GET after 503 and 504, backing off more each time', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'status', status: 503}}).inject({fault: {kind: 'status', status: 504}})
    const r = await client.request({path: 'Patient?_summary=count'})
    expect(r.attempts).to.equal(3)
    expect(waits).to.have.length(2)
    expect(waits[1]).to.be.greaterThan(waits[0] / 2) // exponential ceiling doubles; jitter keeps it within [c/2, c]
  })

  it('waits as long as Retry-After says, in seconds and as an HTTP date', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'status', status: 429, retryAfter: '3'}})
    proxy.inject({fault: {kind: 'status', status: 503, retryAfter: new Date(Date.now() + 5000).toUTCString()}})
    const r = await client.request({path: 'Patient?_summary=count'})
    expect(r.attempts).to.equal(3)
    expect(waits[0]).to.be.at.least(3000)
    expect(waits[1]).to.be.within(2000, 5000)
  })

  it('halves its concurrency when the server answers 429', async () => {
    const client = await open()
    const before = client.limiter.limit
    proxy.inject({fault: {kind: 'status', status: 429, retryAfter: '0'}})
    await client.capabilities()
    expect(client.limiter.limit).to.equal(Math.max(1, Math.floor(before / 2)))
  })

  it('retries a transient OperationOutcome on a 500 for a GET', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'status', status: 500, body: {resourceType: 'OperationOutcome', issue: [{severity: 'error', code: 'transient'}]}}})
    const r = await client.request({path: 'Patient?_summary=count'})
    expect(r.attempts).to.equal(2)
  })

  it('times out a slow answer and tries again', async () => {
    const client = await EndpointClient.open(endpoint(proxy.baseUrl), {sleep, timeoutMs: 1500, retry: {baseDelayMs: 10}})
    proxy.inject({fault: {kind: 'delay', ms: 4000}, match: (r) => r.url.endsWith('/metadata')})
    const r = await client.capabilities()
    expect(r.attempts).to.equal(2)
  })

  it('never repeats a POST whose answer was lost: the record is written once, and the error says so', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'reset-after-forward'}, match: (r) => r.method === 'POST'})
    const err = await client.request({method: 'POST', path: 'Patient', body: patient('lost-answer')}).catch((error: unknown) => error)
    expect(err).to.be.instanceOf(FhirRequestError)
    expect((err as FhirRequestError).exit).to.equal(69)
    expect(proxy.log.filter((e) => e.method === 'POST')).to.have.length(1)
    expect(await countOnServer('lost-answer')).to.equal(1)
  })

  it('repeats a POST after 429 (the server did not act) and writes it once', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'status', status: 429, retryAfter: '1'}, match: (r) => r.method === 'POST'})
    const r = await client.request({method: 'POST', path: 'Patient', body: patient('after-429')})
    expect(r.status).to.equal(201)
    expect(r.attempts).to.equal(2)
    expect(await countOnServer('after-429')).to.equal(1)
  })

  it('repeats a conditional create declared idempotent after a lost answer, and writes it once', async () => {
    const client = await open()
    proxy.inject({fault: {kind: 'reset-after-forward'}, match: (r) => r.method === 'POST'})
    const r = await client.request({
      method: 'POST',
      path: 'Patient',
      body: patient('conditional'),
      idempotent: true,
      headers: {'if-none-exist': `identifier=${system}|conditional`},
    })
    expect(r.attempts).to.equal(2)
    expect(proxy.forwarded('POST')).to.have.length(2) // the server saw it twice ...
    expect(await countOnServer('conditional')).to.equal(1) // ... and kept one
  })

  it('gives up after its attempts with a one-line error naming the status', async () => {
    const client = await EndpointClient.open(endpoint(proxy.baseUrl), {sleep, retry: {maxAttempts: 3, baseDelayMs: 10}})
    proxy.inject({fault: {kind: 'status', status: 503}, times: 5})
    const err = (await client.capabilities().catch((error: unknown) => error)) as FhirRequestError
    expect(err).to.be.instanceOf(FhirRequestError)
    expect(err.message).to.match(/^endpoint "proxied": GET metadata failed, HTTP 503: error transient: injected 503 \(after 3 attempts\)$/)
    expect(err.exit).to.equal(69)
  })

  it("surfaces the server's OperationOutcome when it rejects a resource", async () => {
    const client = await open()
    const err = (await client.request({method: 'POST', path: 'Patient', body: {resourceType: 'Patient', birthDate: 'not-a-date'}}).catch((error: unknown) => error)) as FhirRequestError
    expect(err).to.be.instanceOf(FhirRequestError)
    expect(err.status).to.be.oneOf([400, 422])
    expect(err.outcome?.text).to.match(/^error /)
    expect(err.exit).to.equal(65)
  })

  it('pages through a search with next links, and stops on the page without one', async () => {
    const client = await open()
    await writePagingPatients(client)
    proxy.clear()
    const pages: Bundle[] = []
    for await (const page of client.pages<Bundle>(`Patient?identifier=${encodeURIComponent(pagingSystem + '|')}&_count=2&_sort=_id`)) pages.push(page)
    expect(pages.length).to.equal(3)
    const ids: string[] = []
    for await (const p of client.resources<{id: string}>(`Patient?identifier=${encodeURIComponent(pagingSystem + '|')}&_count=2&_sort=_id`)) ids.push(p.id)
    expect(ids).to.deep.equal([0, 1, 2, 3, 4].map((i) => `paging-${tag}-${i}`))
    expect(proxy.log.every((e) => e.url.startsWith('/fhir'))).to.equal(true) // next links came back through the proxy
  })

  it('survives a dropped connection in the middle of paging', async () => {
    const client = await open()
    await writePagingPatients(client)
    proxy.inject({fault: {kind: 'reset'}, match: (r) => r.url.includes('_getpages')})
    let n = 0
    for await (const _ of client.resources(`Patient?identifier=${encodeURIComponent(pagingSystem + '|')}&_count=2`)) n++
    expect(n).to.equal(5) // the patients the paging test wrote, none lost, none twice
    expect(proxy.log.some((e) => e.fault === 'reset')).to.equal(true)
  })

  it('kicks off a bulk $export, polls it, and streams its NDJSON through dropped connections', async function () {
    this.timeout(120_000)
    const client = await open()
    await writePagingPatients(client)
    const kick = await client.request({path: '$export?_type=Patient', headers: {prefer: 'respond-async', accept: 'application/fhir+json'}})
    expect(kick.status).to.equal(202)
    const status = kick.headers.get('content-location')!
    expect(status.startsWith(proxy.baseUrl)).to.equal(true)
    proxy.inject({fault: {kind: 'status', status: 503, retryAfter: '1'}, match: (r) => r.url.includes('export-poll-status')})
    let manifest: {output?: Array<{type: string; url: string}>} | undefined
    for (let i = 0; i < 100 && !manifest; i++) {
      const poll = await client.request<{output?: Array<{type: string; url: string}>}>({path: status})
      if (poll.status === 200) manifest = poll.body
      else await new Promise((r) => setTimeout(r, 500))
    }
    expect(manifest?.output?.length).to.be.greaterThan(0)
    proxy.inject({fault: {kind: 'reset'}, match: (r) => r.url.includes('/Binary/')})
    const ids = new Set<string>()
    for (const file of manifest!.output!) {
      const r = await client.download(file.url)
      const text = await new Response(r.body).text()
      for (const line of text.split('\n').filter(Boolean)) ids.add((JSON.parse(line) as {id: string}).id)
    }
    for (let i = 0; i < 5; i++) expect(ids.has(`paging-${tag}-${i}`), `paging-${tag}-${i}`).to.equal(true)
    expect(proxy.log.some((e) => e.fault === 'reset' && e.url.includes('/Binary/'))).to.equal(true)
    expect(proxy.log.some((e) => e.fault === 'status' && e.url.includes('export-poll-status'))).to.equal(true)
  })

  it('debug output names method, path and status, never query values or bodies', async () => {
    const client = await open()
    await client.request({method: 'POST', path: 'Patient', body: patient('debug-check')})
    await client.request({path: `Patient?identifier=${encodeURIComponent(`${system}|debug-check`)}`})
    const text = debugLines.join('\n')
    expect(text).to.match(/POST Patient -> 201/)
    expect(text).to.match(/GET Patient\?<1 param> -> 200/)
    expect(text).not.to.include('debug-check')
    expect(text).not.to.include('Synthetic')
  })

  describe('with OAuth through the gate', () => {
    let auth: AuthServer
    let gate: FaultProxy
    const secret = 'gate-test-secret-71c'

    before(async () => {
      auth = await startAuthServer([{client_id: 'cc', client_secret: secret, token_endpoint_auth_method: 'client_secret_basic'}])
      gate = await FaultProxy.start(fhir.baseUrl, {gate: auth.gate})
    })

    after(async () => {
      await gate?.close()
      await auth?.close()
    })

    const openGated = () =>
      EndpointClient.open(endpoint(gate.baseUrl, {auth: {kind: 'client-credentials', clientId: 'cc', clientSecretRef: 'env:GATE_SECRET', scope: 'system/*.read'}}), {
        sleep,
        env: {GATE_SECRET: secret},
        debug: (l) => debugLines.push(l),
      })

    it('fetches one token and reuses it across requests', async () => {
      const before = auth.tokensIssued()
      const client = await openGated()
      await Promise.all([1, 2, 3, 4].map(() => client.request({path: 'Patient?_summary=count'})))
      expect(auth.tokensIssued() - before).to.equal(1)
    })

    it('re-authenticates once on a 401 and carries on', async () => {
      const client = await openGated()
      await client.request({path: 'Patient?_summary=count'})
      const before = auth.tokensIssued()
      gate.inject({fault: {kind: 'status', status: 401}})
      const r = await client.request({path: 'Patient?_summary=count'})
      expect(r.status).to.equal(200)
      expect(auth.tokensIssued() - before).to.equal(1)
    })

    it('fetches a new token before the cached one expires', async () => {
      let clock = Date.now()
      const client = await EndpointClient.open(
        endpoint(gate.baseUrl, {auth: {kind: 'client-credentials', clientId: 'cc', clientSecretRef: 'env:GATE_SECRET', scope: 'system/*.read'}}),
        {sleep, env: {GATE_SECRET: secret}, now: () => clock},
      )
      await client.request({path: 'Patient?_summary=count'})
      const before = auth.tokensIssued()
      clock += 5 * 60_000 // the test server's tokens live 10 minutes: still good, no new one
      await client.request({path: 'Patient?_summary=count'})
      expect(auth.tokensIssued() - before).to.equal(0)
      clock += 4.5 * 60_000 // within the last minute of its life: refresh first
      await client.request({path: 'Patient?_summary=count'})
      expect(auth.tokensIssued() - before).to.equal(1)
    })

    it('gives up with exit 77 when a fresh token is refused too', async () => {
      const client = await openGated()
      gate.inject({fault: {kind: 'status', status: 401}, times: 2})
      const err = (await client.request({path: 'Patient?_summary=count'}).catch((error: unknown) => error)) as FhirRequestError
      expect(err.exit).to.equal(77)
    })

    it('never shows the Authorization header or the secret in debug output', async () => {
      const client = await openGated()
      await client.request({path: 'Patient?_summary=count'})
      const text = debugLines.join('\n')
      expect(text).to.match(/auth: token from/)
      expect(text).not.to.match(/authorization|bearer/i)
      expect(text).not.to.include(secret)
    })
  })
})
