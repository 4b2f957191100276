import {expect} from 'chai'
import {parseFile} from 'fast-csv'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {FaultProxy} from './support/fault-proxy.js'
import {requireFhirServer, type FhirServer} from './support/fhir-server.js'
import {himAsync} from './support/run-cli.js'
import {importConfig} from './support/server-patients.js'
import {tempDir} from './support/test-keys.js'

// him export against the real HAPI FHIR server (bulk $export and paged search), directly and through a proxy that
// drops connections, cuts downloads short, answers 503 and takes next page links out. The records are the synthetic
// sample (200 Patients) imported with a per-run MRN system, and 30 synthetic Observations of 10 of them.
const root = fileURLToPath(new URL('../..', import.meta.url))
const SAMPLE = join(root, 'fixtures/sample/patients.csv')

type Resource = {resourceType: string; id: string; meta?: unknown; identifier?: Array<{system?: string; value?: string}>; subject?: {reference?: string}}
/** A CSV file's rows as objects by header name (fast-csv). */
const readCsvRows = (file: string) =>
  new Promise<Array<Record<string, string>>>((resolve, reject) => {
    const rows: Array<Record<string, string>> = []
    parseFile(file, {headers: true})
      .on('data', (r: Record<string, string>) => rows.push(r))
      .on('error', reject)
      .on('end', () => resolve(rows))
  })
const readNdjson = (file: string): Resource[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Resource) : [])
/** A folder's export as sorted lines without meta (versionId/lastUpdated/source differ by nothing but the copy). */
const canonical = (folder: string) =>
  readdirSync(folder)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readNdjson(join(folder, f)))
    .map((r) => JSON.stringify({...r, meta: undefined}))
    .sort()

describe('him export (FHIR endpoint)', function () {
  this.timeout(180_000) // each test runs several whole exports against a server that may share the machine
  let fhir: FhirServer
  let proxy: FaultProxy
  let dir: string
  let system: string
  let ourPatients: string[] // server ids of the imported patients
  let ourObservations: string[]

  const run = (...args: string[]) => himAsync(['export', ...args], {cwd: dir, env: {HIMKIT_STATE_DIR: join(dir, 'state')}})
  const types = ['--type', 'Patient,Observation']

  before(async function () {
    fhir = await requireFhirServer(this)
    proxy = await FaultProxy.start(fhir.baseUrl)
    dir = tempDir('himkit-export-')
    system = importConfig(dir, [
      {name: 'hapi', kind: 'fhir', url: fhir.baseUrl},
      {name: 'flaky', kind: 'fhir', url: proxy.baseUrl},
      {name: 'lab', kind: 'mllp', host: '127.0.0.1', port: 2575},
    ])
    const imported = await himAsync(['import', SAMPLE, '--endpoint', 'hapi', '--json'], {cwd: dir})
    expect(imported.code, imported.stderr).to.equal(0)
    const page = (await (await fetch(`${fhir.baseUrl}/Patient?identifier=${encodeURIComponent(system + '|')}&_count=500&_elements=id`)).json()) as {entry: Array<{resource: {id: string}}>}
    ourPatients = page.entry.map((e) => e.resource.id)
    expect(ourPatients).to.have.length(200)
    // 30 synthetic Observations (3 for each of 10 patients), written by PUT with ids of this run
    const run = system.slice(-12)
    ourObservations = []
    for (let i = 0; i < 30; i++) {
      const id = `obs-${run}-${i}`
      ourObservations.push(id)
      const obs = {resourceType: 'Observation', id, status: 'final', code: {text: `synthetic test observation ${i % 3}`}, subject: {reference: `Patient/${ourPatients[i % 10]}`}, valueQuantity: {value: i, unit: 'kg'}}
      const res = await fetch(`${fhir.baseUrl}/Observation/${id}`, {method: 'PUT', headers: {'content-type': 'application/fhir+json'}, body: JSON.stringify(obs)})
      expect(res.status).to.be.oneOf([200, 201])
    }
  })
  beforeEach(() => proxy?.clear())
  after(async () => proxy?.close())

  it('bulk $export and paged search give the same records, one NDJSON file per type, with the imported patients in it', async () => {
    const bulk = await run('--endpoint', 'hapi', ...types, '--to', 'ndjson', '-o', 'bulk', '--json')
    expect(bulk.code, bulk.stderr).to.equal(0)
    const b = JSON.parse(bulk.stdout)
    expect(b.method).to.equal('bulk')
    expect(b.methodReason).to.match(/offers bulk \$export/)
    expect(b.balanced).to.equal(true)
    expect(b.bulk.statusDeleted).to.be.a('boolean')
    const search = await run('--endpoint', 'hapi', ...types, '--method', 'search', '--page-size', '40', '--to', 'ndjson', '-o', 'search', '--json')
    expect(search.code, search.stderr).to.equal(0)
    const s = JSON.parse(search.stdout)
    expect(s.method).to.equal('search')
    expect(s.search.pages).to.be.greaterThan(5)
    expect(s.counts).to.deep.equal(b.counts)
    expect(canonical(join(dir, 'search'))).to.deep.equal(canonical(join(dir, 'bulk')))

    expect(readdirSync(join(dir, 'bulk')).sort()).to.deep.equal(['Observation.ndjson', 'Patient.ndjson'])
    const patients = readNdjson(join(dir, 'bulk', 'Patient.ndjson'))
    const ids = new Set(patients.map((p) => p.id))
    for (const id of ourPatients) expect(ids.has(id), id).to.equal(true)
    expect(patients.filter((p) => p.identifier?.some((i) => i.system === system))).to.have.length(200)
    const obs = readNdjson(join(dir, 'bulk', 'Observation.ndjson')).filter((o) => ourObservations.includes(o.id))
    expect(obs).to.have.length(30)
    expect(obs.every((o) => ids.has(o.subject!.reference!.slice('Patient/'.length)))).to.equal(true)
  })

  it('exports the imported patients back to CSV exactly as they were (bulk), and to a FHIR Bundle and HL7 v2 (search)', async () => {
    const csv = await run('--endpoint', 'hapi', '--type', 'Patient', '--to', 'csv', '-o', 'patients.csv', '--mapping', 'generic')
    expect(csv.code, csv.stderr).to.equal(0)
    const sample = await readCsvRows(SAMPLE)
    const out = await readCsvRows(join(dir, 'patients.csv'))
    // other tests' patients share the server (with the same MRN values in other systems): compare this run's
    // patients, found by server id order-free, on the sample's own columns
    const byMrn = new Map<string, Array<Record<string, string>>>()
    for (const row of out) byMrn.set(row.MRN, [...(byMrn.get(row.MRN) ?? []), row])
    for (const row of sample) {
      const candidates = byMrn.get(row.MRN) ?? []
      expect(candidates.some((c) => Object.keys(row).every((k) => c[k] === row[k])), `sample row ${row.MRN} came back changed`).to.equal(true)
    }

    const bundle = await run('--endpoint', 'hapi', ...types, '--method', 'search', '--to', 'fhir', '-o', 'all.json', '--json')
    expect(bundle.code, bundle.stderr).to.equal(0)
    const j = JSON.parse(bundle.stdout)
    const doc = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as {resourceType: string; type: string; entry: unknown[]}
    expect(doc).to.include({resourceType: 'Bundle', type: 'collection'})
    expect(doc.entry).to.have.length(j.counts.unique)

    const hl7 = await run('--endpoint', 'hapi', ...types, '--method', 'search', '--to', 'hl7', '-o', 'all.hl7', '--json')
    expect(hl7.code, hl7.stderr).to.equal(0)
    const h = JSON.parse(hl7.stdout)
    const text = readFileSync(join(dir, 'all.hl7'), 'utf8')
    const messages = text.split('\r').filter((seg) => seg.startsWith('MSH|'))
    expect(messages).to.have.length(h.written.out)
    expect(h.written.out).to.equal(h.counts.byType.Patient) // one ADT per patient, its Observations in it
    expect(text.split('\r').filter((seg) => seg.startsWith('OBX|')).length).to.be.at.least(30)
  })

  it('--since last returns only what changed since the last complete export, by bulk and by search', async () => {
    const state = join(dir, 'since-state.json')
    const full = await run('--endpoint', 'hapi', ...types, '--method', 'search', '--to', 'ndjson', '-o', 'full', '--state', state, '--json')
    expect(full.code, full.stderr).to.equal(0)
    expect(JSON.parse(full.stdout).stateSaved).to.equal(true)
    // three patients change, one observation is new
    for (const id of ourPatients.slice(0, 3)) {
      const p = (await (await fetch(`${fhir.baseUrl}/Patient/${id}`)).json()) as Record<string, unknown>
      const res = await fetch(`${fhir.baseUrl}/Patient/${id}`, {method: 'PUT', headers: {'content-type': 'application/fhir+json'}, body: JSON.stringify({...p, active: false})})
      expect(res.status).to.equal(200)
    }
    const newObs = `obs-new-${system.slice(-12)}`
    await fetch(`${fhir.baseUrl}/Observation/${newObs}`, {
      method: 'PUT',
      headers: {'content-type': 'application/fhir+json'},
      body: JSON.stringify({resourceType: 'Observation', id: newObs, status: 'final', code: {text: 'synthetic'}, subject: {reference: `Patient/${ourPatients[5]}`}}),
    })

    const inc = await run('--endpoint', 'hapi', ...types, '--since', 'last', '--to', 'ndjson', '-o', 'inc', '--state', state, '--json')
    expect(inc.code, inc.stderr).to.equal(0)
    const i = JSON.parse(inc.stdout)
    expect(i.method).to.equal('bulk')
    expect(i.sinceSource).to.equal('state')
    expect(i.counts.byType).to.deep.equal({Patient: 3, Observation: 1})
    expect(readNdjson(join(dir, 'inc', 'Patient.ndjson')).map((p) => p.id).sort()).to.deep.equal(ourPatients.slice(0, 3).sort())

    const again = await run('--endpoint', 'hapi', ...types, '--since', 'last', '--method', 'search', '--to', 'ndjson', '-o', 'inc2', '--state', state, '--json')
    expect(again.code, again.stderr).to.equal(0)
    expect(JSON.parse(again.stdout).counts.unique).to.equal(0)
    // nothing changed: a file per type asked for, empty (a reused folder never keeps an older file)
    for (const t of ['Patient', 'Observation']) expect(readFileSync(join(dir, 'inc2', `${t}.ndjson`), 'utf8')).to.equal('')
    const csv = await run('--endpoint', 'hapi', '--type', 'Patient', '--since', '2999-01-01', '--method', 'search', '--to', 'csv', '-o', 'none.csv', '--state', state)
    expect(csv.code, csv.stderr).to.equal(0)
    expect(readFileSync(join(dir, 'none.csv'), 'utf8').trim().split('\n')).to.have.length(1) // the header alone
  })

  it('a failed export writes no output and leaves the state file as it was', async () => {
    const state = join(dir, 'fail-state.json')
    const first = await run('--endpoint', 'flaky', '--type', 'Observation', '--method', 'search', '--to', 'ndjson', '-o', 'ok', '--state', state)
    expect(first.code, first.stderr).to.equal(0)
    const before = readFileSync(state, 'utf8')
    proxy.inject({fault: {kind: 'status', status: 503}, times: 100, match: (r) => r.url.includes('Observation?')})
    const r = await run('--endpoint', 'flaky', '--type', 'Observation', '--method', 'search', '--since', 'last', '--to', 'ndjson', '-o', 'failed', '--state', state)
    expect(r.code, r.stderr).to.equal(69)
    expect(r.stderr, r.stderr).to.match(/^error: endpoint "flaky": GET Observation\?<2 params> failed, HTTP 503/m)
    expect(existsSync(join(dir, 'failed'))).to.equal(false)
    expect(readFileSync(state, 'utf8')).to.equal(before)
  })

  it('through dropped connections, lost answers, 503 and a missing next link (search): nothing missing or doubled', async () => {
    const direct = await run('--endpoint', 'hapi', ...types, '--method', 'search', '--page-size', '25', '--to', 'ndjson', '-o', 'direct', '--json')
    expect(direct.code, direct.stderr).to.equal(0)
    const page = (n: number) => (r: {url: string}) => r.url.includes('_getpagesoffset=' + n)
    proxy.inject({fault: {kind: 'reset'}, times: 1, match: page(25)})
    proxy.inject({fault: {kind: 'reset-after-forward'}, times: 1, match: page(50)})
    proxy.inject({fault: {kind: 'status', status: 503, retryAfter: '0'}, times: 2, match: page(75)})
    // the first Observation page loses its next link: the rest must come by _offset
    proxy.inject({fault: {kind: 'rewrite', body: (t) => JSON.stringify({...JSON.parse(t), link: JSON.parse(t).link.filter((l: {relation: string}) => l.relation !== 'next')})}, times: 1, match: (r) => r.url.includes('/Observation?')})
    const r = await run('--endpoint', 'flaky', ...types, '--method', 'search', '--page-size', '25', '--to', 'ndjson', '-o', 'flaky-search', '--json')
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.search.offsetContinuations).to.equal(1)
    expect(proxy.log.filter((e) => e.fault).length).to.equal(5)
    expect(j.counts.unique).to.equal(JSON.parse(direct.stdout).counts.unique)
    expect(canonical(join(dir, 'flaky-search'))).to.deep.equal(canonical(join(dir, 'direct')))
  })

  it('through a cut download, a dropped one and 202s with X-Progress (bulk): nothing missing or doubled', async () => {
    const direct = await run('--endpoint', 'hapi', ...types, '--to', 'ndjson', '-o', 'direct-bulk', '--json')
    expect(direct.code, direct.stderr).to.equal(0)
    const binary = (r: {method: string; url: string}) => r.method === 'GET' && r.url.includes('/Binary/')
    proxy.inject({fault: {kind: 'truncate'}, times: 1, match: binary})
    proxy.inject({fault: {kind: 'reset'}, times: 1, match: binary})
    proxy.inject({fault: {kind: 'status', status: 202, retryAfter: '1', body: null, headers: {'x-progress': 'synthetic: 50%'}}, times: 2, match: (r) => r.url.includes('export-poll-status') && r.method === 'GET'})
    const r = await run('--endpoint', 'flaky', ...types, '--to', 'ndjson', '-o', 'flaky-bulk', '--json')
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.bulk.retried, 'the cut file is downloaded again').to.be.at.least(1)
    expect(proxy.log.filter((e) => e.url.includes('export-poll-status') && e.method === 'GET').length).to.be.at.least(3)
    expect(proxy.log.some((e) => e.method === 'DELETE' && e.url.includes('export-poll-status')), 'the status URL is deleted at the end').to.equal(true)
    expect(canonical(join(dir, 'flaky-bulk'))).to.deep.equal(canonical(join(dir, 'direct-bulk')))
  })

  it('Ctrl-C while the server works says how to pick the export up; --status-url then fetches it', async () => {
    proxy.inject({fault: {kind: 'status', status: 202, retryAfter: '1', body: null}, times: 1000, match: (r) => r.url.includes('export-poll-status') && r.method === 'GET'})
    const args = ['export', '--endpoint', 'flaky', '--type', 'Observation', '--to', 'ndjson', '-o', 'picked-up']
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], {cwd: dir, env: {...process.env, NO_COLOR: '1', HIMKIT_STATE_DIR: join(dir, 'state')}})
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes('to pick it up later')) setTimeout(() => child.kill('SIGINT'), 300)
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).to.equal(130)
    const url = /--status-url '([^']+)'/.exec(stderr.split('\n').find((l) => l.trim().startsWith('hint:')) ?? '')?.[1]
    expect(url, stderr).to.be.a('string')
    expect(existsSync(join(dir, 'picked-up'))).to.equal(false)

    proxy.clear()
    const r = await run('--endpoint', 'flaky', '--type', 'Observation', '--status-url', url!, '--to', 'ndjson', '-o', 'picked-up', '--json')
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.methodReason).to.match(/status-url/)
    expect(proxy.log.some((e) => e.method === 'POST' || e.url.includes('$export?')), 'no second export is started').to.equal(false)
    const ids = readNdjson(join(dir, 'picked-up', 'Observation.ndjson')).map((o) => o.id)
    for (const id of ourObservations) expect(ids).to.include(id)
  })

  it('--patient (bulk by POST, search with and without --include-related) and --group (bulk) export that scope only', async () => {
    const patient = ourPatients[0] // has 3 of the synthetic Observations
    const results = []
    for (const how of [[], ['--method', 'search'], ['--method', 'search', '--include-related']]) {
      const r = await run('--endpoint', 'hapi', '--patient', patient, ...types, ...how, '--to', 'ndjson', '-o', `one-${how.length}`, '--json')
      expect(r.code, r.stderr).to.equal(0)
      results.push(JSON.parse(r.stdout))
      expect(canonical(join(dir, `one-${how.length}`))).to.deep.equal(canonical(join(dir, 'one-0')))
    }
    expect(results.map((r) => r.method)).to.deep.equal(['bulk', 'search', 'search'])
    expect(results[0].counts.byType).to.deep.equal({Patient: 1, Observation: 3})

    const group = `grp-${system.slice(-12)}`
    const members = ourPatients.slice(0, 5).map((id) => ({entity: {reference: `Patient/${id}`}}))
    const put = await fetch(`${fhir.baseUrl}/Group/${group}`, {
      method: 'PUT',
      headers: {'content-type': 'application/fhir+json'},
      body: JSON.stringify({resourceType: 'Group', id: group, type: 'person', actual: true, member: members}),
    })
    expect(put.status).to.equal(201)
    const g = await run('--endpoint', 'hapi', '--group', group, ...types, '--to', 'ndjson', '-o', 'group', '--json')
    expect(g.code, g.stderr).to.equal(0)
    expect(JSON.parse(g.stdout).counts.byType).to.deep.equal({Patient: 5, Observation: 15})
    expect(readNdjson(join(dir, 'group', 'Patient.ndjson')).map((p) => p.id).sort()).to.deep.equal(ourPatients.slice(0, 5).sort())
  })

  it('says what is wrong with the request in one line', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--type', 'Observation', '--to', 'csv', '-o', 'x.csv'], 64, /CSV output holds Patients/],
      [['--group', 'g1', '--method', 'search', '--to', 'ndjson', '-o', 'x'], 64, /--group needs bulk \$export/],
      [['--since', 'yesterday', '--to', 'ndjson', '-o', 'x'], 64, /--since yesterday: give a date/],
      [['--type', 'patient', '--to', 'ndjson', '-o', 'x'], 64, /--type patient: not a FHIR resource type name/],
    ]
    for (const [args, exit, message] of cases) {
      const r = await run('--endpoint', 'hapi', ...args)
      expect(r.code, r.stderr).to.equal(exit)
      expect(r.stderr).to.match(message)
      expect(r.stderr).not.to.match(/\n\s+at /)
    }
    const mllp = await run('--endpoint', 'lab', '--to', 'ndjson', '-o', 'x')
    expect(mllp.code).to.equal(64)
    expect(mllp.stderr).to.match(/MLLP endpoint: export reads from FHIR servers/)
    const unknown = await run('--endpoint', 'nope', '--to', 'ndjson', '-o', 'x')
    expect(unknown.code).to.equal(78)
  })
})
