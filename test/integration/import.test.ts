import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {requireFhirServer, type FhirServer} from './support/fhir-server.js'
import {identifiersOnServer, importConfig} from './support/server-patients.js'
import {himAsync} from './support/run-cli.js'
import {tempDir} from './support/test-keys.js'
import {deadPort} from './support/ports.js'

// him import against the real HAPI FHIR server. Every run writes with its own MRN system (urn:himkit:test:<uuid>),
// so the counts below are this test's alone on a shared server. Inputs are the synthetic sample and synthetic rows.
const SAMPLE = join(process.cwd(), 'fixtures/sample/patients.csv')


describe('him import (FHIR endpoint)', function () {
  let fhir: FhirServer
  let dir: string
  let system: string

  before(async function () {
    fhir = await requireFhirServer(this)
    dir = tempDir('himkit-import-')
    system = importConfig(dir, [
      {name: 'hapi', kind: 'fhir', url: fhir.baseUrl},
      {name: 'dead', kind: 'fhir', url: `http://127.0.0.1:${await deadPort()}/fhir`},
    ])
  })

  const run = (...args: string[]) => himAsync(['import', ...args], {cwd: dir})

  it('imports the sample twice: one copy of each patient, the second run creates nothing', async () => {
    const first = await run(SAMPLE, '--endpoint', 'hapi', '--batch-size', '50', '--json')
    expect(first.code, first.stderr + first.stdout).to.equal(0)
    const a = JSON.parse(first.stdout)
    expect(a.strategy.kind).to.equal('put')
    expect(a.counts).to.include({in: 200, created: 200, rejected: 0})
    expect(a.balanced).to.equal(true)
    expect(a.transactions).to.equal(4)

    const second = await run(SAMPLE, '--endpoint', 'hapi')
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stderr).to.match(/strategy: PUT Type\/id/)
    expect(second.stderr).to.match(/200 in = 0 created \+ 0 updated \+ 200 unchanged \+ 0 merged duplicates \+ 0 rejected/)

    const ids = await identifiersOnServer(fhir.baseUrl, system)
    expect(ids).to.have.length(200)
    expect(new Set(ids).size).to.equal(200)
  })

  it('merges duplicates inside the input; a changed record is an update', async () => {
    const rows = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean)
    const header = rows[0]
    const input = join(dir, 'dups.csv')
    // rows 1-10 of the sample, row 1 twice more (same), row 2 changed (another city): one update, two merged
    const changed = rows[2].replace(/,[A-Za-z ]+,([A-Z]{2}),/, ',Springfield,$1,')
    writeFileSync(input, [header, ...rows.slice(1, 11), rows[1], rows[1], changed].join('\n') + '\n')
    const r = await run(input, '--endpoint', 'hapi', '--json')
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts).to.include({in: 13, merged: 3, created: 0, rejected: 0})
    expect(j.counts.updated + j.counts.unchanged).to.equal(10)
    expect(j.counts.updated).to.equal(1)
    expect(await identifiersOnServer(fhir.baseUrl, system)).to.have.length(200)
  })

  it('splits a refused transaction until the bad records are alone: the good ones in, the bad ones rejected with the reason', async () => {
    // 20 synthetic Patients, three the server refuses: an impossible date, an unknown gender code, a dangling reference
    const bad: Record<number, Record<string, unknown>> = {
      4: {birthDate: '1990-13-45'},
      11: {gender: 'robot'},
      17: {managingOrganization: {reference: 'Organization/does-not-exist-himkit'}},
    }
    const lines = Array.from({length: 20}, (_, i) =>
      JSON.stringify({resourceType: 'Patient', identifier: [{system, value: `BAD-${i + 1}`}], name: [{family: 'Synthetic', given: [`P${i + 1}`]}], ...bad[i + 1]}),
    )
    writeFileSync(join(dir, 'bad.ndjson'), lines.join('\n') + '\n')
    const r = await run('bad.ndjson', '--endpoint', 'hapi', '--batch-size', '20', '--rejects', 'bad-rejects.ndjson')
    expect(r.code, r.stderr).to.equal(1)
    expect(r.stderr).to.match(/20 in = 17 created \+ 0 updated \+ 0 unchanged \+ 0 merged duplicates \+ 3 rejected/)
    expect(r.stderr).to.not.include('1990-13-45')
    const rejects = readFileSync(join(dir, 'bad-rejects.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(rejects.map((x) => x.line)).to.deep.equal([4, 11, 17])
    expect(rejects.every((x) => x.file === 'bad.ndjson' && x.code === 'FHIR_HTTP_400')).to.equal(true)
    expect(rejects[0].reason).to.match(/birthDate/)
    expect(rejects[1].reason).to.match(/gender/)
    expect(rejects[2].reason).to.match(/managingOrganization/)
    const ids = (await identifiersOnServer(fhir.baseUrl, system)).filter((v) => v.startsWith('BAD-'))
    expect(ids.sort()).to.deep.equal(lines.map((_, i) => `BAD-${i + 1}`).filter((v) => !['BAD-4', 'BAD-11', 'BAD-17'].includes(v)).sort())
  })

  it('imports HL7 v2 (ADT and ORU, through the FHIR hub) twice: the second run changes nothing', async () => {
    const files = ['adt-a01-synthetic.hl7', 'oru-r01-synthetic.hl7'].map((f) => join(process.cwd(), 'fixtures/hl7v2', f))
    const first = await run(...files, '--endpoint', 'hapi', '--rejects', 'hl7-rejects.ndjson', '--json')
    expect(first.code, first.stderr + first.stdout).to.equal(0)
    const a = JSON.parse(first.stdout)
    // both messages are about the same synthetic patient: one Patient, the second copy merged
    expect(a.byType).to.include({Patient: 1, Encounter: 1, DiagnosticReport: 1, Observation: 5})
    expect(a.counts.merged).to.equal(1)
    expect(a.counts.created).to.equal(a.counts.in - a.counts.merged)
    const second = await run(...files, '--endpoint', 'hapi', '--rejects', 'hl7-rejects.ndjson', '--json')
    const b = JSON.parse(second.stdout)
    expect(b.counts).to.include({created: 0, updated: 0, unchanged: a.counts.created, rejected: 0})
  })

  it('--mode create-only creates what is missing and leaves what exists as it is', async () => {
    const other = tempDir('himkit-import-create-only-')
    const sys = importConfig(other, [{name: 'hapi', kind: 'fhir', url: fhir.baseUrl}])
    const rows = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean)
    writeFileSync(join(other, 'first.csv'), rows.slice(0, 21).join('\n') + '\n')
    const a = await himAsync(['import', 'first.csv', '--endpoint', 'hapi', '--mode', 'create-only', '--json'], {cwd: other})
    expect(a.code, a.stderr + a.stdout).to.equal(0)
    expect(JSON.parse(a.stdout).counts).to.include({created: 20, unchanged: 0})
    const b = await himAsync(['import', SAMPLE, '--endpoint', 'hapi', '--mode', 'create-only', '--json'], {cwd: other})
    expect(b.code, b.stderr + b.stdout).to.equal(0)
    const j = JSON.parse(b.stdout)
    expect(j.strategy.kind).to.equal('create-only')
    expect(j.counts).to.include({created: 180, unchanged: 20, updated: 0})
    const ids = await identifiersOnServer(fhir.baseUrl, sys)
    expect(ids).to.have.length(200)
    expect(new Set(ids).size).to.equal(200)
  })

  it('plans without writing under --dry-run', async () => {
    const other = tempDir('himkit-import-dry-')
    const sys = importConfig(other, [{name: 'hapi', kind: 'fhir', url: fhir.baseUrl}])
    const r = await himAsync(['import', SAMPLE, '--endpoint', 'hapi', '--dry-run', '--json'], {cwd: other})
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.dryRun).to.equal(true)
    expect(j.byType).to.deep.equal({Patient: 200})
    expect(j.transactions).to.equal(2)
    expect(j.counts.created).to.equal(0)
    expect(await identifiersOnServer(fhir.baseUrl, sys)).to.have.length(0)
  })

  it('exits 69 when the endpoint is unreachable, with --json too', async () => {
    const r = await run(SAMPLE, '--endpoint', 'dead')
    expect(r.code).to.equal(69)
    expect(r.stderr).to.match(/endpoint "dead": GET metadata failed, nothing is listening there/)
    const j = await run(SAMPLE, '--endpoint', 'dead', '--json')
    expect(j.code).to.equal(69)
    expect(JSON.parse(j.stdout).error.code).to.equal('ENDPOINT_UNREACHABLE')
  })
})
