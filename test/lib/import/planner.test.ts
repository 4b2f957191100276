import {expect} from 'chai'

import {analyzeCapabilities} from '../../../src/lib/endpoint/probe.js'
import {entriesOf, TransactionPlanner} from '../../../src/lib/import/planner.js'
import {chooseStrategy} from '../../../src/lib/import/strategy.js'
import {buildTransaction, planEntry, readTransactionResponse, RESOURCE_ID_SYSTEM, type PlannedEntry} from '../../../src/lib/import/transaction.js'

// Synthetic resources, made up for these tests.
const loc = (line: number) => ({file: 'in.ndjson', line})
const patient = (mrn: string, extra: Record<string, unknown> = {}) => ({resourceType: 'Patient', identifier: [{system: 'urn:test:mrn', value: mrn}], ...extra})
const entry = (r: Record<string, unknown>, line = 1) => {
  const e = planEntry(r as never, loc(line))
  if (!('key' in e)) throw new Error(e.reason)
  return e
}

describe('import planning', () => {
  describe('planEntry', () => {
    it('gives a resource without id the deterministic id of its identifier', () => {
      const a = entry(patient('1'))
      const b = entry(patient('1'))
      expect(a.key).to.match(/^Patient\/[0-9a-f-]{36}$/)
      expect(a.key).to.equal(b.key)
      expect(entry(patient('2')).key).to.not.equal(a.key)
      expect(a.identifier).to.equal('urn:test:mrn|1')
    })

    it('refuses a resource with neither id nor identifier', () => {
      const e = planEntry({resourceType: 'Observation', status: 'final'} as never, loc(3))
      expect(e).to.include({code: 'NO_ID'})
    })
  })

  describe('TransactionPlanner', () => {
    it('fills batches up to the batch size, a record never split across two', () => {
      const p = new TransactionPlanner(3)
      const obs = (id: string, pid: string) => ({resourceType: 'Observation', id, subject: {reference: `Patient/${pid}`}})
      const p1 = entry({...patient('1'), id: 'p1'})
      expect(p.add([p1, entry(obs('o1', 'p1'))])).to.equal(undefined)
      const full = p.add([entry({...patient('2'), id: 'p2'}), entry(obs('o2', 'p2'))])
      expect(full?.units).to.have.length(1)
      expect(entriesOf(full!).map((e) => e.key)).to.deep.equal(['Patient/p1', 'Observation/o1'])
      expect([...full!.touches]).to.include.members(['Patient/p1', 'Observation/o1'])
      expect(entriesOf(p.flush()!).map((e) => e.key)).to.deep.equal(['Patient/p2', 'Observation/o2'])
      expect(p.flush()).to.equal(undefined)
    })

    it('merges a duplicate in the batch being filled: the later version replaces the earlier in place', () => {
      const p = new TransactionPlanner(10)
      p.add([entry(patient('1', {gender: 'male'}), 1)])
      p.add([entry(patient('2'), 2)])
      p.add([entry(patient('1', {gender: 'female'}), 3)])
      const b = entriesOf(p.flush()!)
      expect(b).to.have.length(2)
      expect(b[0].resource.gender).to.equal('female')
      expect(b[0].loc.line).to.equal(3)
      expect(p.merged).to.equal(1)
    })

    it('does not send an identical duplicate again after its batch left, but sends a changed one later', () => {
      const p = new TransactionPlanner(1)
      p.add([entry(patient('1'))])
      const first = p.flush()
      expect(entriesOf(first!)).to.have.length(1)
      expect(p.add([entry(patient('1'))])).to.equal(undefined)
      expect(p.merged).to.equal(1)
      expect(p.flush()).to.equal(undefined)
      expect(p.add([entry(patient('1', {gender: 'other'}))])).to.equal(undefined)
      const second = p.flush()!
      expect(entriesOf(second)[0].resource.gender).to.equal('other')
      expect([...second.touches].some((k) => first!.touches.has(k))).to.equal(true)
    })
  })

  describe('buildTransaction', () => {
    const pat = entry({...patient('1'), id: '6f1b2c1e-8a7d-4f3b-9c5e-2d7a1b4c8e90'})
    const obs: PlannedEntry = entry({resourceType: 'Observation', id: '0b6f3f0e-1111-4aaa-8bbb-000000000002', subject: {reference: pat.key}})

    it('put: PUT Type/id, urn:uuid fullUrls', () => {
      const b = buildTransaction([pat, obs], 'put')
      expect(b.entry.map((e) => e.request)).to.deep.equal([
        {method: 'PUT', url: pat.key},
        {method: 'PUT', url: obs.key},
      ])
      expect(b.entry[0].fullUrl).to.equal('urn:uuid:6f1b2c1e-8a7d-4f3b-9c5e-2d7a1b4c8e90')
    })

    it('conditional: PUT on the identifier, no id, references in the transaction by urn:uuid, others by identifier', () => {
      const b = buildTransaction([pat, obs], 'conditional')
      expect(b.entry[0].request.url).to.equal(`Patient?identifier=${encodeURIComponent('urn:test:mrn|1')}`)
      expect(b.entry[0].resource).to.not.have.property('id')
      expect((b.entry[1].resource as {subject: {reference: string}}).subject.reference).to.equal('urn:uuid:6f1b2c1e-8a7d-4f3b-9c5e-2d7a1b4c8e90')
      expect(b.entry[1].request.url).to.equal(`Observation?identifier=${encodeURIComponent(`${RESOURCE_ID_SYSTEM}|0b6f3f0e-1111-4aaa-8bbb-000000000002`)}`)
      expect((b.entry[1].resource as {identifier: unknown[]}).identifier).to.deep.equal([{system: RESOURCE_ID_SYSTEM, value: '0b6f3f0e-1111-4aaa-8bbb-000000000002'}])
      const alone = buildTransaction([obs], 'conditional', (k) => (k === pat.key ? 'urn:test:mrn|1' : undefined))
      expect((alone.entry[0].resource as {subject: {reference: string}}).subject.reference).to.equal(`Patient?identifier=${encodeURIComponent('urn:test:mrn|1')}`)
    })
  })

  it('create-only: POST with ifNoneExist on the identifier; 200 means it was there already', () => {
    const e = entry({...patient('9'), id: '6f1b2c1e-8a7d-4f3b-9c5e-2d7a1b4c8e91'})
    const b = buildTransaction([e], 'create-only')
    expect(b.entry[0].request).to.deep.equal({method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent('urn:test:mrn|9')}`})
    expect(b.entry[0].resource).to.not.have.property('id')
    expect(readTransactionResponse({entry: [{response: {status: '200 OK'}}, {response: {status: '201 Created'}}]}, 2, true)).to.deep.equal(['unchanged', 'created'])
  })

  it('reads created / updated / unchanged from a transaction-response (HAPI storage codes)', () => {
    const noChange = {resourceType: 'OperationOutcome', issue: [{severity: 'information', details: {coding: [{code: 'SUCCESSFUL_UPDATE_NO_CHANGE'}]}}]}
    const body = {entry: [{response: {status: '201 Created'}}, {response: {status: '200 OK'}}, {response: {status: '200 OK', outcome: noChange}}]}
    expect(readTransactionResponse(body, 3)).to.deep.equal(['created', 'updated', 'unchanged'])
  })

  describe('chooseStrategy', () => {
    const caps = (rest: Record<string, unknown>) => analyzeCapabilities({rest: [{mode: 'server', ...rest}]} as never)
    const tx = {interaction: [{code: 'transaction'}]}
    it('PUT when update as create is advertised', () => {
      expect(chooseStrategy(caps({...tx, resource: [{type: 'Patient', updateCreate: true, conditionalUpdate: true}]}), undefined)).to.include({kind: 'put'})
    })
    it('conditional update when only that is advertised, PUT for HAPI which accepts client ids without saying so', () => {
      const c = caps({...tx, resource: [{type: 'Patient', conditionalUpdate: true}]})
      expect(chooseStrategy(c, {name: 'Some EHR'})).to.include({kind: 'conditional'})
      expect(chooseStrategy(c, {name: 'HAPI FHIR Server'})).to.include({kind: 'put'})
    })
    it('create-only needs conditional create', () => {
      expect(chooseStrategy(caps({...tx, resource: [{type: 'Patient', conditionalCreate: true}]}), undefined, 'auto', 'create-only')).to.include({kind: 'create-only'})
      expect(chooseStrategy(caps({...tx, resource: [{type: 'Patient', updateCreate: true}]}), undefined, 'auto', 'create-only')).to.have.property('error')
    })
    it('refuses a server without transactions or without any idempotent write', () => {
      expect(chooseStrategy(caps({resource: [{type: 'Patient', updateCreate: true}]}), undefined)).to.have.property('error')
      expect(chooseStrategy(caps({...tx, resource: [{type: 'Patient'}]}), {name: 'X'})).to.have.property('error')
    })
  })
})
