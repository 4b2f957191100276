import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {generatePeople, PEOPLE_HEADER, personCells, type SyntheticPerson} from '../lib/dedupe/synthetic-people.js'
import {requireFhirServer, type FhirServer} from './support/fhir-server.js'
import {himAsync} from './support/run-cli.js'
import {importConfig} from './support/server-patients.js'
import {tempDir} from './support/test-keys.js'

// him dedupe --endpoint against the real HAPI FHIR server. The test seeds 30 SYNTHETIC Patients (test/lib/dedupe/
// synthetic-people.ts: made-up names, 555 phones, example.org e-mails) with `him import`, in its own MRN system
// (urn:himkit:test:<uuid>) and scopes every run to it with --query, so the shared server's other data is not seen.
// Planted: three clear duplicate pairs (a transposed surname, a transposed given name, a moved house number without
// the phone) and one pair with conflicting SSNs, which always goes to a person.

interface ServerPatient {
  id: string
  meta: {versionId: string}
  active?: boolean
  identifier?: Array<{system?: string; value?: string}>
  link?: Array<{other: {reference: string}; type: string}>
}

async function patientsOnServer(baseUrl: string, system: string): Promise<Map<string, ServerPatient>> {
  const byMrn = new Map<string, ServerPatient>()
  let url: string | undefined = `${baseUrl}/Patient?identifier=${encodeURIComponent(`${system}|`)}&_count=500`
  while (url) {
    const page = (await (await fetch(url, {headers: {accept: 'application/fhir+json'}})).json()) as {entry?: Array<{resource: ServerPatient}>; link?: Array<{relation: string; url: string}>}
    for (const e of page.entry ?? []) byMrn.set(e.resource.identifier!.find((i) => i.system === system)!.value!, e.resource)
    url = page.link?.find((l) => l.relation === 'next')?.url
  }
  return byMrn
}

const swap = (s: string) => s.slice(0, 2) + s[3] + s[2] + s.slice(4)

describe('him dedupe --endpoint (HAPI FHIR server)', function () {
  let fhir: FhirServer
  let dir: string
  let system: string
  let people: SyntheticPerson[]
  /** Server reference of each MRN. */
  const ref = new Map<string, string>()
  /** The three clear pairs, as sorted server references. */
  let clearPairs: string[][]

  before(async function () {
    fhir = await requireFhirServer(this)
    dir = tempDir('himkit-dedupe-endpoint-')
    system = importConfig(dir, [{name: 'hapi', kind: 'fhir', url: fhir.baseUrl}])
    people = generatePeople(26, 0, 11)
    const dups: SyntheticPerson[] = [
      {...people[0], mrn: 'DUP0', family: swap(people[0].family)},
      {...people[1], mrn: 'DUP1', given: swap(people[1].given)},
      {...people[2], mrn: 'DUP2', phone: '', street: people[2].street.replace(/^\d+/, (n) => String(Number(n) + 1))},
      {...people[3], mrn: 'DUP3', ssn: '900112222'},
    ]
    const rows = [...people, ...dups].map(personCells)
    writeFileSync(join(dir, 'patients.csv'), [PEOPLE_HEADER, ...rows].map((r) => r.join(',')).join('\n') + '\n')
    const seeded = await himAsync(['import', 'patients.csv', '--endpoint', 'hapi', '--json'], {cwd: dir})
    expect(seeded.code, seeded.stderr + seeded.stdout).to.equal(0)
    expect(JSON.parse(seeded.stdout).counts).to.include({in: 30, created: 30})
    for (const [mrn, p] of await patientsOnServer(fhir.baseUrl, system)) ref.set(mrn, `Patient/${p.id}`)
    expect(ref.size).to.equal(30)
    clearPairs = [0, 1, 2].map((i) => [ref.get(people[i].mrn)!, ref.get(`DUP${i}`)!].sort())
  })

  const dedupe = (...args: string[]) => himAsync(['dedupe', '--endpoint', 'hapi', '--query', `identifier=${system}|`, ...args], {cwd: dir})
  const planPairs = (merges: Array<{survivor: string; merged: string[]}>) => merges.map((m) => [m.survivor, ...m.merged].sort()).sort()

  it('--dry-run plans exactly the seeded clear pairs, names server ids, never names, and writes nothing', async () => {
    const r = await dedupe('--dry-run', '--json', '--review', '--decisions', 'review.csv')
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.patients).to.deep.equal({fetched: 30, repeated: 0})
    expect(j.mode).to.equal('dry-run')
    expect(planPairs(j.plan.merges)).to.deep.equal([...clearPairs].sort())
    expect(j.counts).to.deep.equal({planned: 6, applied: 0, unchanged: 0, conflicts: 0, failed: 0})
    // The pair with conflicting SSNs waits for a person: in the review file, by server id, not in the plan.
    expect(j.dedupe.reviewQueue).to.deep.include({pending: 1})
    const queue = readFileSync(join(dir, 'review.csv'), 'utf8').split('\n')
    expect(queue[1]).to.include(ref.get(people[3].mrn)).and.include(ref.get('DUP3')).and.include(`${fhir.baseUrl}/${ref.get('DUP3')}`)

    const text = await dedupe('--dry-run')
    expect(text.code, text.stderr).to.equal(0)
    expect(text.stderr).to.match(/Merge plan: 3 groups, 3 records merged away into 3 survivors; 6 Patients to update\./)
    expect(text.stderr).to.match(/Dry run: nothing was written/)
    for (const [a, b] of clearPairs) expect(text.stderr).to.include(a).and.include(b)
    for (const p of people) expect(text.stderr.toLowerCase()).to.not.include(p.family)

    const after = await patientsOnServer(fhir.baseUrl, system)
    expect([...after.values()].every((p) => p.meta.versionId === '1' && !p.link && p.active !== false)).to.equal(true)
  })

  it('a pair a person decided "same" is planned too', async () => {
    writeFileSync(join(dir, 'decided.json'), JSON.stringify([{a: ref.get('DUP3'), b: ref.get(people[3].mrn), decision: 'same'}]))
    const r = await dedupe('--json', '--decisions', 'decided.json')
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(planPairs(j.plan.merges)).to.deep.equal([...clearPairs, [ref.get(people[3].mrn)!, ref.get('DUP3')!].sort()].sort())
    expect(j.mode).to.equal('dry-run')
  })

  it('--apply links the seeded duplicates on the server; --apply again changes nothing', async () => {
    const r = await dedupe('--apply', '--json')
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.mode).to.equal('apply')
    expect(j.counts).to.deep.equal({planned: 6, applied: 6, unchanged: 0, conflicts: 0, failed: 0})
    expect(planPairs(j.plan.merges)).to.deep.equal([...clearPairs].sort())

    const byRef = new Map([...(await patientsOnServer(fhir.baseUrl, system)).values()].map((p) => [`Patient/${p.id}`, p]))
    for (const m of j.plan.merges as Array<{survivor: string; merged: string[]}>) {
      const survivor = byRef.get(m.survivor)!
      expect(survivor.active).to.not.equal(false)
      expect(survivor.link).to.deep.equal(m.merged.map((x) => ({other: {reference: x}, type: 'replaces'})))
      for (const x of m.merged) {
        const old = byRef.get(x)!
        expect(old.active).to.equal(false)
        expect(old.link).to.deep.equal([{other: {reference: m.survivor}, type: 'replaced-by'}])
      }
    }
    const touched = new Set((j.plan.merges as Array<{survivor: string; merged: string[]}>).flatMap((m) => [m.survivor, ...m.merged]))
    for (const [r2, p] of byRef) expect(p.meta.versionId, r2).to.equal(touched.has(r2) ? '2' : '1')

    const again = await dedupe('--apply')
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stderr).to.match(/6 planned = 0 applied \+ 6 unchanged \+ 0 conflicts \+ 0 failed/)
    const versions = [...(await patientsOnServer(fhir.baseUrl, system)).values()].map((p) => p.meta.versionId)
    expect(versions.filter((v) => v === '2')).to.have.length(6)
    expect(versions.filter((v) => v === '1')).to.have.length(24)
  })

  it('--endpoint with INPUT files is a usage error (64)', async () => {
    const r = await himAsync(['dedupe', 'patients.csv', '--endpoint', 'hapi'], {cwd: dir})
    expect(r.code).to.equal(64)
    expect(r.stderr).to.match(/give no INPUT files/)
  })

  it('a --query that matches no Patient says so in one line (66), and --model is saved from a live run', async () => {
    const none = await himAsync(['dedupe', '--endpoint', 'hapi', '--query', 'identifier=urn:himkit:test:nobody|', '--dry-run'], {cwd: dir})
    expect(none.code, none.stderr).to.equal(66)
    expect(none.stderr.trim()).to.match(/^error: endpoint "hapi": no Patients match --query: nothing to compare\n\s*hint: check the --query/)
    const model = join(dir, 'live-model.json')
    const r = await dedupe('--dry-run', '--model', model)
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(readFileSync(model, 'utf8')).version).to.equal(1)
  })
})
