import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {Readable} from 'node:stream'

import {deidentifyFiles, indexPatients} from '../../../src/lib/deid/deidentify-files.js'
import {FhirPatientIndex} from '../../../src/lib/deid/fhir-patients.js'
import {patientKeyOf} from '../../../src/lib/deid/patient-key.js'
import {type Source} from '../../../src/lib/io/source.js'
import {scratch} from '../../support/files.js'

// Synthetic NDJSON: two patients among other resources, read in chunks that cut lines anywhere.
const mr = (v: string) => ({type: {coding: [{code: 'MR'}]}, value: v})
const text = [
  {resourceType: 'Observation', id: 'o1', status: 'final', code: {text: 'x'}, subject: {reference: 'Patient/b'}},
  {resourceType: 'Patient', id: 'a', identifier: [mr('MRN-A')]},
  {resourceType: 'Encounter', id: 'e', status: 'finished', class: {code: 'AMB'}, subject: {reference: 'Patient/a'}},
  {resourceType: 'Patient', id: 'b', identifier: [mr('MRN-B')]},
].map((r) => JSON.stringify(r)).join('\n') // no final newline

function source(chunkSize: number): Source {
  const buf = Buffer.from(text)
  return {
    name: 'mem.ndjson',
    path: 'mem.ndjson',
    head: buf,
    open: () => Readable.from((function* () {
      for (let i = 0; i < buf.length; i += chunkSize) yield buf.subarray(i, i + chunkSize)
    })()),
  }
}

describe('deid FHIR first pass (patients by id)', () => {
  for (const size of [1, 7, 64, 100_000]) {
    it(`finds every Patient line whatever the chunking (${size}-byte chunks)`, async () => {
      const idx = new FhirPatientIndex()
      await indexPatients(source(size), idx)
      expect(idx.size).to.equal(2)
      expect(idx.patientOf({resourceType: 'Observation', subject: {reference: 'Patient/b'}})?.key).to.equal(patientKeyOf({mrn: 'MRN-B'}))
      expect(idx.patientOf({resourceType: 'Encounter', subject: {reference: 'Patient/a'}})?.key).to.equal(patientKeyOf({mrn: 'MRN-A'}))
    })
  }
})

describe('deid FHIR: a resource before its Patient', () => {
  const tmp = scratch()
  after(() => tmp.cleanup())

  it('gets the same date shift as when the Patient comes first', async () => {
    const patient = {resourceType: 'Patient', id: 'a', identifier: [mr('MRN-A')], birthDate: '1980-01-01'}
    const obs = {resourceType: 'Observation', id: 'o', status: 'final', code: {text: 'x'}, subject: {reference: 'Patient/a'}, effectiveDateTime: '2020-01-01'}
    process.env.HIM_TEST_DEID_KEY_2 = 'synthetic-test-key'
    const shifted = async (lines: object[], name: string) => {
      const input = tmp.file(name, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
      const output = tmp.path(`${name}.out.ndjson`)
      const r = await deidentifyFiles({inputs: [input], preset: 'pseudonymize', keyRefs: {key: 'env:HIM_TEST_DEID_KEY_2'}, output})
      expect(r.counts).to.include({in: 2, out: 2})
      const out = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      return out.find((x) => x.resourceType === 'Observation').effectiveDateTime
    }
    const first = await shifted([patient, obs], 'patient-first.ndjson')
    const later = await shifted([obs, patient], 'patient-later.ndjson')
    expect(first).to.not.equal('2020-01-01')
    expect(later).to.equal(first)
  })
})
