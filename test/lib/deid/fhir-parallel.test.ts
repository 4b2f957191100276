import {expect} from 'chai'
import {mkdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {deidentifyFiles, type DeidOptions} from '../../../src/lib/deid/deidentify-files.js'
import {readDeidConfig} from '../../../src/lib/deid/config-file.js'
import {scratch} from '../../support/files.js'

/*
 * FHIR NDJSON de-identified on worker threads gives what one thread gives: the same bytes, the same rejects at the
 * same lines, the same counts, audit counts and k-anonymity report. The input is SYNTHETIC (made up below): 80
 * patients with their resources, some resources before their Patient (in an earlier piece, and once in another
 * file's later part), Patients whose resources come pieces later, blank lines, CRLF line ends, a BOM, lines that
 * are not JSON or not FHIR, a resource whose patient is nowhere and a date that belongs to no patient (a warning).
 * Small pieces make many of them.
 */

const mr = (v: string) => ({type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR'}]}, value: v})
const d2 = (n: number) => String(n).padStart(2, '0')
const GIVEN = ['Ana', 'Ben', 'Chloé', 'Dev', 'Zoë']
const FAMILY = ['Okafor', "O'Brien", 'Tanaka', 'Müller']

function patient(p: number) {
  return {
    resourceType: 'Patient', id: `pat-${p}`, identifier: [mr(`MRN${1000 + p}`), {system: 'http://hl7.org/fhir/sid/us-ssn', value: `999-${d2(p % 100)}-${1000 + p}`}],
    name: [{family: FAMILY[p % 4], given: [GIVEN[p % 5]]}], telecom: [{system: 'phone', value: `555-01${d2(p % 100)}`}],
    gender: p % 2 ? 'female' : 'male', birthDate: p % 9 === 0 ? '1930-05-06' : `19${d2(40 + (p % 50))}-0${1 + (p % 9)}-1${p % 9}`,
    address: [{line: [`${p + 1} Main St`], city: 'Springfield', state: 'MA', postalCode: `0${2100 + p}`}],
  }
}

function resources(p: number) {
  const date = `20${d2(10 + (p % 14))}-${d2(1 + (p % 12))}-${d2(1 + (p % 28))}`
  return [
    {resourceType: 'Encounter', id: `enc-${p}`, status: 'finished', class: {code: 'AMB'}, subject: {reference: `Patient/pat-${p}`}, period: {start: `${date}T10:00:00-05:00`}},
    {resourceType: 'Observation', id: `obs-${p}`, status: 'final', code: {text: 'Body Height'}, subject: {reference: `Patient/pat-${p}`}, effectiveDateTime: `${date}T10:05:00-05:00`,
      note: [{text: `${GIVEN[p % 5]} ${FAMILY[p % 4]} (MRN${1000 + p}) called 555-01${d2(p % 100)} on ${date}`}], valueQuantity: {value: 150 + p, unit: 'cm'}},
  ]
}

const line = (x: object) => JSON.stringify(x)

/** File A: patients 0-59; patient 7's resources come long before it; patient 50's Patient comes only in file B. */
function fileA(): string {
  const out: string[] = ['\uFEFF' + line(patient(0))]
  for (let p = 0; p < 60; p++) {
    if (p > 0 && p !== 7 && p !== 50) out.push(line(patient(p)))
    if (p === 2) out.push(...resources(7).map(line)) // before Patient 7, pieces earlier
    if (p !== 7) out.push(...resources(p).map(line))
    if (p === 30) out.push(line(patient(7)), '', 'this is not JSON', line({foo: 1}), line({resourceType: 'Unheard', id: 'x'}))
    if (p === 45) out.push(line({resourceType: 'Practitioner', id: 'pr-1', name: [{family: 'Welby'}], birthDate: '1970-02-03'})) // a date of no patient: a warning
    if (p === 40) out.push(line({resourceType: 'Observation', id: 'orphan', status: 'final', code: {text: 'x'}, subject: {reference: 'Patient/nowhere'}, effectiveDateTime: '2020-02-02'}))
  }
  // CRLF line ends for the last part.
  return out.slice(0, -20).join('\n') + '\n' + out.slice(-20).join('\r\n') + '\r\n'
}

/** File B: resources of patients met in file A, then patients 60-79 and Patient 50. */
function fileB(): string {
  const out: string[] = [...resources(3).map(line), ...resources(50).map(line)]
  for (let p = 60; p < 80; p++) out.push(line(patient(p)), ...resources(p).map(line))
  out.push(line(patient(50)))
  return out.join('\n') + '\n'
}

describe('deid FHIR NDJSON on worker threads', function () {
  this.timeout(60_000)
  const tmp = scratch()
  after(() => tmp.cleanup())
  const env = {HIM_PAR_KEY: 'synthetic-parallel-key', HIM_PAR_DATE_KEY: 'synthetic-parallel-date-key'}
  const asOf = new Date(Date.UTC(2026, 0, 1))

  async function run(name: string, base: Partial<DeidOptions>, inputs: string[], workers: number) {
    const dir = tmp.path(`${name}-${workers}`)
    mkdirSync(dir)
    const audit = `${dir}/audit.jsonl`
    const rejects = `${dir}/rejects.ndjson`
    const r = await deidentifyFiles({
      inputs, keyRefs: {key: 'env:HIM_PAR_KEY', dateKey: 'env:HIM_PAR_DATE_KEY'}, env, asOf, output: dir, rejects, audit,
      kAnonymity: {quasiIdentifiers: ['gender', 'birthDate'], k: 2}, parallel: {workers, minBytes: 0, pieceSize: 1500}, ...base,
    })
    const outputs = inputs.map((i) => readFileSync(`${dir}/${i.split('/').at(-1)}`, 'utf8'))
    const manifest = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    const ofType = (t: string) => manifest.filter((l) => l.type === t)
    return {r, outputs, rejects: readFileSync(rejects, 'utf8'), rules: ofType('rule'), warnings: ofType('warning'), run: ofType('run')[0]}
  }

  const cases: Array<[string, number, () => Promise<Partial<DeidOptions>>]> = [
    ['the pseudonymize preset', 2, async () => ({preset: 'pseudonymize'})],
    ['a Microsoft anonymizer configuration', 3, async () => ({config: await readDeidConfig(fileURLToPath(new URL('../../../fixtures/deid/ms-anonymizer-config.json', import.meta.url)))})],
  ]
  for (const [what, workers, options] of cases) {
    it(`gives the one-thread output, rejects, counts and audit with ${what} (${workers} workers)`, async () => {
      const inputs = [tmp.file(`a-${what.length}.ndjson`, fileA()), tmp.file(`b-${what.length}.ndjson`, fileB())]
      const base = await options()
      const one = await run(`one-${what.length}`, base, inputs, 0)
      const par = await run(`par-${what.length}`, base, inputs, workers)
      expect(par.r.files.map((f) => f.workers)).to.deep.equal([workers, workers])
      expect(one.r.files.map((f) => f.workers)).to.deep.equal([undefined, undefined])
      // The one-thread run is the reference: the inputs hold every case named above.
      expect(one.r.counts.rejected).to.equal(3)
      expect(one.rejects).to.match(/"line":\d+/)
      expect(one.outputs[0]).to.not.include('pat-7"') // ids are hashed
      for (const [i, text] of one.outputs.entries()) expect(par.outputs[i], `output ${i}`).to.equal(text)
      expect(par.rejects).to.equal(one.rejects)
      expect(par.r.counts).to.deep.equal(one.r.counts)
      expect(par.r.files.map((f) => [f.in, f.out, f.rejected])).to.deep.equal(one.r.files.map((f) => [f.in, f.out, f.rejected]))
      // The audit: counts per rule, method and category, warnings, totals per method.
      expect(one.rules.length).to.be.greaterThan(5)
      expect(one.rules.reduce((n, x) => n + x.count, 0)).to.be.greaterThan(500)
      expect(one.warnings.length).to.be.greaterThan(0)
      expect(par.rules).to.deep.equal(one.rules)
      expect(par.warnings).to.deep.equal(one.warnings)
      expect(par.run.byMethod).to.deep.equal(one.run.byMethod)
      expect(par.r.byMethod).to.deep.equal(one.r.byMethod)
      expect(par.r.kAnonymity).to.deep.equal(one.r.kAnonymity)
    })
  }
})
