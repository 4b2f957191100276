import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {FhirDeidentifier} from '../../../src/lib/deid/fhir-deid.js'
import {FhirPatientIndex} from '../../../src/lib/deid/fhir-patients.js'
import {compileMatcher, compileMsRules, MsConfig, msKeyRef, presetFhirRules} from '../../../src/lib/deid/fhir-rules.js'
import {makeSettings} from '../../../src/lib/deid/methods.js'
import {PRESETS, type PresetName} from '../../../src/lib/deid/presets.js'
import {shiftDaysFor} from '../../../src/lib/deid/date-shift.js'
import {patientKeyOf} from '../../../src/lib/deid/patient-key.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
// Synthetic patient and observation: invented values.
const patient = () => ({
  resourceType: 'Patient', id: 'p1', text: {status: 'generated', div: '<div>Johnathan Smithers</div>'},
  identifier: [
    {type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR'}]}, system: 'urn:mrn', value: 'MRN0042'},
    {system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789'},
  ],
  name: [{use: 'official', family: 'Smithers', given: ['Johnathan'], prefix: ['Mr.']}],
  telecom: [{system: 'phone', value: '617-555-0101'}, {system: 'email', value: 'johnathan@example.org'}],
  gender: 'male', birthDate: '1931-04-05',
  address: [{line: ['12 Elm St'], city: 'Boston', state: 'MA', postalCode: '02139', country: 'US'}],
  contact: [{name: {family: 'Smithers', given: ['Janet']}, telecom: [{system: 'phone', value: '617-555-0102'}]}],
})
const observation = () => ({
  resourceType: 'Observation', id: 'o1', status: 'final',
  code: {coding: [{system: 'http://loinc.org', code: '8867-4', display: 'Heart rate'}]},
  subject: {reference: 'Patient/p1', display: 'Johnathan Smithers'},
  effectiveDateTime: '2024-03-05T10:00:00Z', valueQuantity: {value: 72, unit: '/min'},
  note: [{text: 'Johnathan called from 617-555-0101 on 3/4/2024 about MRN0042'}],
})
const asOf = new Date(Date.UTC(2026, 0, 1))

function run(preset: PresetName, resources: any[]) {
  const patients = new FhirPatientIndex()
  for (const r of resources) if (r.resourceType === 'Patient') patients.add(structuredClone(r))
  const settings = makeSettings(PRESETS[preset], {key: 'k', dateKey: 'd'}, {asOf})
  const e = new FhirDeidentifier({rules: presetFhirRules(PRESETS[preset]), mode: 'preset', settings, patients})
  return {out: resources.map((r) => JSON.parse(JSON.stringify(e.deidentify(structuredClone(r))))), settings}
}

describe('deid FHIR', () => {
  it('compiles the path forms Microsoft configurations use natively, others as FHIRPath', () => {
    expect(compileMatcher("nodesByType('Address').postalCode")).to.deep.equal({kind: 'type', type: 'Address', segs: ['postalCode']})
    expect(compileMatcher('Resource.id')).to.deep.equal({kind: 'path', resourceType: null, segs: ['id']})
    expect(compileMatcher('Patient.name.given')).to.deep.equal({kind: 'path', resourceType: 'Patient', segs: ['name', 'given']})
    expect(compileMatcher('FamilyMemberHistory.condition.onset as Age').kind).to.equal('fhirpath')
  })

  it('safe-harbor leaves none of the identifiers, keeps state, codes and values, labels the resources', () => {
    const {out} = run('safe-harbor', [patient(), observation()])
    const text = JSON.stringify(out)
    for (const leak of ['Smithers', 'Johnathan', 'Janet', 'MRN0042', '123-45-6789', '617-555', 'johnathan@', '12 Elm', 'Boston', '02139', '1931-04-05', '2024-03-05', '"p1"', 'Patient/p1'])
      expect(text, leak).not.to.include(leak)
    const [p, o] = out
    expect(p.address[0]).to.deep.equal({state: 'MA', postalCode: '021', country: 'US'})
    expect(p.birthDate).to.equal(undefined) // born 1931: over 89, not even the year
    expect(p.gender).to.equal('male')
    expect(o.effectiveDateTime).to.equal('2024')
    expect(o.valueQuantity).to.deep.equal({value: 72, unit: '/min'})
    expect(o.subject.reference).to.equal(`Patient/${p.id}`) // links survive through run-scoped codes
    expect(o.note[0].text).to.equal('[REDACTED] called from [REDACTED] on [DATE] about [REDACTED]')
    expect(p.meta.security.map((s: any) => s.code)).to.include('REDACTED')
  })

  it('removes extensions that carry a relative\'s name (Synthea\'s mothersMaidenName) and keeps harmless ones', () => {
    const p = {...patient(), extension: [
      {url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: 'Oduyaqueen'},
      {url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'M'},
    ]}
    const {out} = run('safe-harbor', [p])
    expect(JSON.stringify(out)).not.to.include('Oduyaqueen')
    expect(out[0].extension).to.deep.equal([{url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'M'}])
  })

  it('limited-data-set keeps dates, city and 5-digit ZIP but not names or numbers', () => {
    const {out} = run('limited-data-set', [patient()])
    expect(out[0].birthDate).to.equal('1931-04-05')
    expect(out[0].address[0].postalCode).to.equal('02139')
    expect(out[0].address[0].city).to.equal('Boston')
    expect(out[0].address[0].line).to.equal(undefined)
    expect(out[0].name?.[0]?.family).to.equal(undefined)
  })

  it('pseudonymize shifts every date of a patient by the same per-patient shift, derived from the MRN', () => {
    const {out} = run('pseudonymize', [patient(), observation()])
    const days = shiftDaysFor('d', patientKeyOf({mrn: 'MRN0042'})!)
    const shifted = new Date(Date.parse('2024-03-05T10:00:00Z') + days * 86_400_000).toISOString().replace('.000', '')
    expect(out[1].effectiveDateTime).to.equal(shifted)
    const birth = new Date(Date.parse('1931-04-05') + days * 86_400_000).toISOString().slice(0, 10)
    expect(out[0].birthDate).to.equal(birth)
    expect(out[0].identifier[0].value).to.match(/^[0-9a-f]{64}$/)
    expect(out[0].name[0].family).not.to.equal('Smithers')
    expect(out[1].subject.reference).to.equal(`Patient/${out[0].id}`)
  })

  describe('a Microsoft anonymizer configuration, unchanged', () => {
    const file = new URL('../../../fixtures/deid/ms-anonymizer-config.json', import.meta.url)
    const cfg = MsConfig.parse(JSON.parse(readFileSync(file, 'utf8')))
    const rules = compileMsRules(cfg, 'ms-anonymizer-config.json')
    const deid = (resources: any[]) => {
      const patients = new FhirPatientIndex()
      for (const r of resources) if (r.resourceType === 'Patient') patients.add(structuredClone(r))
      const settings = makeSettings(PRESETS['safe-harbor'], {key: '123', dateKey: 'd'}, {asOf})
      const e = new FhirDeidentifier({rules, mode: 'config', settings, patients, partialDates: true, partialAges: true, partialZip: true,
        restrictedZip: new Set(cfg.parameters?.restrictedZipCodeTabulationAreas)})
      return resources.map((r) => JSON.parse(JSON.stringify(e.deidentify(structuredClone(r)))))
    }

    it('gives cryptoHash values equal to that tool (HMAC-SHA256 hex; test vector from its unit tests)', () => {
      const [o] = deid([{resourceType: 'Observation', id: 'abc', status: 'final', code: {text: 'x'}, subject: {reference: 'Patient/abc'}}])
      expect(o.id).to.equal('8f16771f9f8851b26f4d460fa17de93e2711c7e51337cb8a608a0f81e1c1b6ae')
      expect(o.subject.reference).to.equal('Patient/8f16771f9f8851b26f4d460fa17de93e2711c7e51337cb8a608a0f81e1c1b6ae')
    })

    it('applies first-match-wins, keeps what it keeps, shifts dates per patient and evaluates other FHIRPath', () => {
      const [p, o] = deid([patient(), observation()])
      expect(p.name[0]).to.deep.equal({use: 'official'})
      expect(p.address[0]).to.deep.equal({state: 'MA', postalCode: '021', country: 'US'}) // enablePartialZipCodesForRedact
      expect(p.telecom).to.equal(undefined)
      expect(p.text).to.equal(undefined)
      expect(o.valueQuantity).to.deep.equal({value: 72, unit: '/min'})
      expect(o.note).to.equal(undefined) // the where() rule
      expect(o.subject.display).to.equal(undefined)
      const days = shiftDaysFor('d', patientKeyOf({mrn: 'MRN0042'})!)
      expect(p.birthDate).to.equal(new Date(Date.parse('1931-04-05') + days * 86_400_000).toISOString().slice(0, 10))
    })

    it('supports generalize cases, substitute replaceWith, perturb and encrypt as that tool does', () => {
      const rules = compileMsRules(MsConfig.parse({fhirPathRules: [
        {path: 'Patient.birthDate', method: 'generalize', cases: {'$this >= @1990-01-01 and $this < @2000-01-01': '@1990'}, otherValues: 'redact'},
        {path: 'FamilyMemberHistory.condition.onset as Age', method: 'perturb', span: 10, rangeType: 'fixed', roundTo: 0},
        {path: "nodesByType('HumanName').family", method: 'substitute', replaceWith: 'Doe'},
        {path: "nodesByType('HumanName').given", method: 'encrypt'},
      ]}), 'inline')
      const settings = makeSettings(PRESETS['safe-harbor'], {encryptKey: '0123456789abcdef'}, {asOf})
      const e = new FhirDeidentifier({rules, mode: 'config', settings, patients: new FhirPatientIndex()})
      const p = JSON.parse(JSON.stringify(e.deidentify({resourceType: 'Patient', id: 'x', birthDate: '1995-02-03', name: [{family: 'Smith', given: ['Ann']}]})))
      expect(p.birthDate).to.equal('1990')
      expect(p.name[0].family).to.equal('Doe')
      expect(Buffer.from(p.name[0].given[0], 'base64')).to.have.length(32) // IV + one AES block
      const old = JSON.parse(JSON.stringify(e.deidentify({resourceType: 'Patient', id: 'y', birthDate: '1985-02-03'})))
      expect(old.birthDate).to.equal(undefined) // otherValues: redact
      const fmh = e.deidentify({resourceType: 'FamilyMemberHistory', id: 'f', status: 'completed', patient: {reference: 'Patient/x'}, relationship: {text: 'x'}, condition: [{code: {text: 'c'}, onsetAge: {value: 50, unit: 'a'}}]})
      expect(fmh.condition[0].onsetAge.value).to.be.within(45, 55)
      expect(fmh.meta.security.map((x: any) => x.code)).to.include('PERTURBED')
    })

    it('refuses a key written in the file (keys only by reference)', () => {
      expect(() => msKeyRef({...cfg, parameters: {cryptoHashKey: 'secret'}}, 'cryptoHashKey', 'c.json')).to.throw(/only by reference/)
      expect(msKeyRef({...cfg, parameters: {cryptoHashKey: 'env:K'}}, 'cryptoHashKey', 'c.json')).to.equal('env:K')
      expect(msKeyRef(cfg, 'cryptoHashKey', 'c.json')).to.equal(undefined)
    })
  })
})
