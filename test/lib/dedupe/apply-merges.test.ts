import {expect} from 'chai'

import {ExitCode} from '../../../src/lib/cli/exit-codes.js'
import {FhirRequestError, type FhirRequest} from '../../../src/lib/endpoint/client.js'
import {applyMerges} from '../../../src/lib/dedupe/apply-merges.js'
import {planMerges} from '../../../src/lib/dedupe/merge-plan.js'

// A stand-in for the endpoint client's request(): synthetic Patients by reference, versioned; PUT honours If-Match
// the way a FHIR server does (412 when the version moved). Hooks let a test change a record at the worst moment.
type Stored = {resourceType: 'Patient'; id: string; meta: {versionId: string}; active?: boolean; link?: unknown[]}
function fakeClient(ids: string[]) {
  const store = new Map<string, Stored>(ids.map((id) => [`Patient/${id}`, {resourceType: 'Patient', id, meta: {versionId: '1'}}]))
  const log: string[] = []
  const hooks: {beforePut?: (ref: string) => void; failPut?: (ref: string) => FhirRequestError | undefined} = {}
  const httpError = (status: number) => new FhirRequestError(`HTTP ${status}`, {code: 'FHIR_HTTP_ERROR', exit: ExitCode.DATA}, status)
  const client = {
    async request<T>(req: FhirRequest) {
      const method = req.method ?? 'GET'
      log.push(`${method} ${req.path}${req.headers?.['if-match'] ? ` ${req.headers['if-match']}` : ''}`)
      const cur = store.get(req.path)
      if (!cur) throw httpError(404)
      if (method === 'GET') return {status: 200, headers: new Headers(), body: structuredClone(cur) as T, attempts: 1, elapsedMs: 0}
      hooks.beforePut?.(req.path)
      const failure = hooks.failPut?.(req.path)
      if (failure) throw failure
      const now = store.get(req.path)!
      if (req.headers?.['if-match'] !== `W/"${now.meta.versionId}"`) throw httpError(412)
      const next = {...(req.body as Stored), meta: {versionId: String(Number(now.meta.versionId) + 1)}}
      store.set(req.path, next)
      return {status: 200, headers: new Headers(), body: structuredClone(next) as T, attempts: 1, elapsedMs: 0}
    },
  }
  return {client, store, log, hooks}
}

const planFor = (server: ReturnType<typeof fakeClient>, clusterId: string, ...refs: string[]) =>
  planMerges([{clusterId, members: refs.map((ref) => ({ref, versionId: server.store.get(ref)!.meta.versionId, link: server.store.get(ref)!.link as never}))}])

describe('applying a merge plan to a FHIR server (fake client)', () => {
  it('writes each record with If-Match on the version it read; a second run is all unchanged', async () => {
    const server = fakeClient(['1', '2', '3'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2', 'Patient/3')
    const first = await applyMerges(server.client, plan.updates, {concurrency: 1})
    expect(first.counts).to.deep.equal({planned: 3, applied: 3, unchanged: 0, conflicts: 0, failed: 0})
    expect(server.log).to.deep.equal(['GET Patient/1', 'PUT Patient/1 W/"1"', 'GET Patient/2', 'PUT Patient/2 W/"1"', 'GET Patient/3', 'PUT Patient/3 W/"1"'])
    expect(server.store.get('Patient/2')).to.deep.include({active: false, link: [{other: {reference: 'Patient/1'}, type: 'replaced-by'}]})
    expect(server.store.get('Patient/1')!.link).to.deep.equal([{other: {reference: 'Patient/2'}, type: 'replaces'}, {other: {reference: 'Patient/3'}, type: 'replaces'}])

    server.log.length = 0
    const again = await applyMerges(server.client, planFor(server, 'Patient/2', 'Patient/1', 'Patient/2', 'Patient/3').updates)
    expect(again.counts).to.deep.equal({planned: 3, applied: 0, unchanged: 3, conflicts: 0, failed: 0})
    expect(server.log.filter((l) => l.startsWith('PUT'))).to.deep.equal([])
  })

  it('a record edited between the read and the write (412) is a conflict, counted, left as the other writer made it', async () => {
    const server = fakeClient(['1', '2'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2')
    server.hooks.beforePut = (ref) => {
      if (ref !== 'Patient/2') return
      const cur = server.store.get(ref)!
      server.store.set(ref, {...cur, meta: {versionId: String(Number(cur.meta.versionId) + 1)}}) // someone else's edit
    }
    const r = await applyMerges(server.client, plan.updates, {concurrency: 1})
    expect(r.counts).to.deep.equal({planned: 2, applied: 1, unchanged: 0, conflicts: 1, failed: 0})
    expect(r.problems).to.deep.equal([{ref: 'Patient/2', status: 'conflict', reason: 'changed on the server while being updated (HTTP 412)'}])
    expect(server.store.get('Patient/2')).to.not.have.property('link')
  })

  it('a record changed since it was matched is a conflict and is not written', async () => {
    const server = fakeClient(['1', '2'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2')
    server.store.set('Patient/2', {...server.store.get('Patient/2')!, meta: {versionId: '5'}})
    const r = await applyMerges(server.client, plan.updates)
    expect(r.counts).to.include({applied: 1, conflicts: 1})
    expect(r.problems[0]).to.deep.equal({ref: 'Patient/2', status: 'conflict', reason: 'changed on the server since it was matched (version 1 -> 5)'})
    expect(server.log).to.not.include('PUT Patient/2 W/"5"')
  })

  it('a 412 for a write whose answer was lost and that went through counts as unchanged, not as a conflict', async () => {
    const server = fakeClient(['1', '2'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2')
    let lost = false
    server.hooks.failPut = (ref) => {
      if (ref !== 'Patient/2' || lost) return undefined
      lost = true
      // the first PUT reached the server, then the retry met the new version
      const cur = server.store.get(ref)!
      server.store.set(ref, {...cur, active: false, link: [{other: {reference: 'Patient/1'}, type: 'replaced-by'}], meta: {versionId: '2'}})
      return new FhirRequestError('HTTP 412', {code: 'FHIR_HTTP_ERROR', exit: ExitCode.DATA}, 412)
    }
    const r = await applyMerges(server.client, plan.updates, {concurrency: 1})
    expect(r.counts).to.deep.equal({planned: 2, applied: 1, unchanged: 1, conflicts: 0, failed: 0})
  })

  it('a refused write is a failure with its HTTP status; a deleted record a conflict; the run goes on', async () => {
    const server = fakeClient(['1', '2', '3'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2', 'Patient/3')
    server.store.delete('Patient/3')
    server.hooks.failPut = (ref) => (ref === 'Patient/2' ? new FhirRequestError('HTTP 422', {code: 'FHIR_HTTP_ERROR', exit: ExitCode.DATA}, 422, {text: 'error processing', codes: ['processing']}) : undefined)
    const r = await applyMerges(server.client, plan.updates, {concurrency: 2})
    expect(r.counts).to.deep.equal({planned: 3, applied: 1, unchanged: 0, conflicts: 1, failed: 1})
    expect(r.problems).to.deep.equal([
      {ref: 'Patient/2', status: 'failed', reason: 'HTTP 422 (processing)'},
      {ref: 'Patient/3', status: 'conflict', reason: 'no longer on the server'},
    ])
  })

  it('an endpoint that stops answering ends the run with its error', async () => {
    const server = fakeClient(['1', '2'])
    const plan = planFor(server, 'Patient/1', 'Patient/1', 'Patient/2')
    server.hooks.failPut = () => new FhirRequestError('endpoint "x": PUT Patient/1 failed, nothing is listening there (ECONNREFUSED)', {code: 'ENDPOINT_UNREACHABLE', exit: ExitCode.UNAVAILABLE})
    let caught: unknown
    await applyMerges(server.client, plan.updates).catch((error) => (caught = error))
    expect(caught).to.be.instanceOf(FhirRequestError)
    expect((caught as FhirRequestError).exit).to.equal(ExitCode.UNAVAILABLE)
  })
})
