import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'

import {idFromIdentifier} from '../../../src/lib/fhir/ids.js'
import {Hl7File} from '../../../src/lib/formats/hl7v2/batch.js'
import {toFhirDate, toFhirDateTime} from '../../../src/lib/formats/hl7v2/datetime.js'
import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'
import {messageToFhir, SUPPORTED_TYPES, type ToFhirResult} from '../../../src/lib/formats/hl7v2/to-fhir.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const MRN = 'http://hospital.example.org/mrn'
const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/hl7v2/${name}`, import.meta.url), 'utf8')
const convert = (text: string) => messageToFhir(Hl7Message.parse(text), {mrnSystem: MRN})
function ok(r: ToFhirResult): {bundle: any; resources: any[]} {
  if (!('bundle' in r)) throw new Error(`expected a bundle, got ${r.code}: ${r.reason}`)
  return r
}
const byType = (rs: any[], t: string) => rs.filter((r) => r.resourceType === t)

describe('hl7v2 DTM precision', () => {
  it('keeps the precision that was sent', () => {
    expect(toFhirDate('1975')).to.equal('1975')
    expect(toFhirDate('197602')).to.equal('1976-02')
    expect(toFhirDate('19760229')).to.equal('1976-02-29')
    expect(toFhirDate('19750229')).to.equal(undefined)
    expect(toFhirDateTime('20240305')).to.equal('2024-03-05')
    expect(toFhirDateTime('202403051430-0500')).to.equal('2024-03-05T14:30:00-05:00')
    expect(toFhirDateTime('20240305143015.25+0000')).to.equal('2024-03-05T14:30:15.25Z')
    expect(toFhirDateTime('2024030514', '+01:00')).to.equal('2024-03-05T14:00:00+01:00')
    expect(toFhirDateTime('not a date')).to.equal(undefined)
  })
})

describe('messageToFhir: ADT', () => {
  it('maps an A01 to a transaction of PUTs: Patient, RelatedPerson, Encounter, AllergyIntolerance, Condition', () => {
    const {bundle, resources} = ok(convert(fixture('adt-a01-synthetic.hl7')))
    expect(bundle).to.include({resourceType: 'Bundle', type: 'transaction'})
    expect(resources.map((r) => r.resourceType)).to.deep.equal(['Patient', 'RelatedPerson', 'Encounter', 'AllergyIntolerance', 'Condition'])
    for (const e of bundle.entry) {
      expect(e.request).to.deep.equal({method: 'PUT', url: `${e.resource.resourceType}/${e.resource.id}`})
      expect(e.fullUrl).to.equal(`urn:uuid:${e.resource.id}`)
    }
    const [p] = byType(resources, 'Patient')
    expect(p.id).to.equal(idFromIdentifier('Patient', MRN, 'MRN12345'))
    expect(p.identifier[0]).to.deep.include({system: MRN, value: 'MRN12345'})
    expect(p.identifier[1]).to.deep.include({system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789'})
    expect(p.name).to.deep.equal([
      {use: 'official', family: 'TESTPATIENT', given: ['ALICE', 'B']},
      {use: 'maiden', family: 'SMITH', given: ['ALICE']},
    ])
    expect(p.birthDate).to.equal('1980-05-17')
    expect(p.gender).to.equal('female')
    expect(p.address[0]).to.deep.include({use: 'home', line: ['12 TEST ST', 'APT 4&5'], city: 'SPRINGFIELD', postalCode: '62701'})
    expect(p.telecom).to.deep.equal([
      {system: 'phone', value: '+1 (217) 5550101', use: 'home'},
      {system: 'email', value: 'alice@example.org', use: 'home'},
      {system: 'phone', value: '+1 (217) 5550199', use: 'work'},
    ])
    expect(p.extension).to.deep.equal([
      {url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{url: 'ombCategory', valueCoding: {system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White'}}, {url: 'text', valueString: 'White'}]},
      {url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity', extension: [{url: 'ombCategory', valueCoding: {system: 'urn:oid:2.16.840.1.113883.6.238', code: '2186-5', display: 'Not Hispanic or Latino'}}, {url: 'text', valueString: 'Not Hispanic or Latino'}]},
    ])
    expect(p.deceasedBoolean).to.equal(false)
    expect(p.contact[0].relationship[0].coding[0]).to.deep.include({system: 'http://terminology.hl7.org/CodeSystem/v2-0063', code: 'SPO'})
    const [e] = byType(resources, 'Encounter')
    expect(e).to.deep.include({status: 'in-progress', subject: {reference: `Patient/${p.id}`}, period: {start: '2024-03-05T14:00:00-05:00'}})
    expect(e.class.code).to.equal('IMP')
    expect(e.reasonCode).to.deep.equal([{text: 'Chest pain'}])
    const [a] = byType(resources, 'AllergyIntolerance')
    expect(a).to.deep.include({criticality: 'high', category: ['medication'], onsetDateTime: '2010-01-01'})
    expect(a.code.coding[0]).to.deep.include({system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '70618'})
    expect(a.reaction[0].manifestation).to.deep.equal([{text: 'HIVES'}])
    const [c] = byType(resources, 'Condition')
    expect(c.code.coding[0]).to.deep.include({system: 'http://hl7.org/fhir/sid/icd-10', code: 'I20.9'})
    expect(c.encounter).to.deep.equal({reference: `Encounter/${e.id}`})
  })

  it('is deterministic: the same message gives the same Bundle', () => {
    expect(convert(fixture('adt-a01-synthetic.hl7'))).to.deep.equal(convert(fixture('adt-a01-synthetic.hl7')))
  })

  it('chooses Encounter.status by event and gives A28 no Encounter', () => {
    const base = fixture('adt-a01-synthetic.hl7')
    const status = (ev: string) => byType(ok(convert(base.replace('ADT^A01^ADT_A01', `ADT^${ev}`))).resources, 'Encounter')[0]?.status
    expect(status('A03')).to.equal('finished')
    expect(status('A05')).to.equal('planned')
    expect(status('A11')).to.equal('cancelled')
    expect(status('A28')).to.equal(undefined)
  })

  it('keeps birth date precision and adds the birth time extension when a time is sent', () => {
    const m = (dob: string) => byType(ok(convert(`MSH|^~\\&|||||||ADT^A28|1|P|2.5\rPID|1||7^^^^MR||X^Y||${dob}\r`)).resources, 'Patient')[0]
    expect(m('1975').birthDate).to.equal('1975')
    expect(m('197602').birthDate).to.equal('1976-02')
    const t = m('198005171430+0200')
    expect(t.birthDate).to.equal('1980-05-17')
    expect(t._birthDate.extension[0].valueDateTime).to.equal('1980-05-17T14:30:00+02:00')
  })

  it('maps A40 (merge) to Patient.link both ways', () => {
    const {resources} = ok(convert('MSH|^~\\&|||||||ADT^A40^ADT_A39|1|P|2.5\rEVN|A40\rPID|1||NEW1^^^^MR||KEEP^ME\rMRG|OLD9^^^^MR\r'))
    const [keep, old] = byType(resources, 'Patient')
    expect(old).to.deep.include({id: idFromIdentifier('Patient', MRN, 'OLD9'), active: false})
    expect(old.link).to.deep.equal([{other: {reference: `Patient/${keep.id}`}, type: 'replaced-by'}])
    expect(keep.link).to.deep.equal([{other: {reference: `Patient/${old.id}`}, type: 'replaces'}])
  })

  it('rejects unsupported message types and patients without an identifier, with a reason', () => {
    const siu = convert('MSH|^~\\&|||||||SIU^S12|1|P|2.5\rPID|1||7^^^^MR\r')
    expect(siu).to.deep.include({code: 'HL7_UNSUPPORTED_MESSAGE_TYPE', field: 'MSH-9'})
    expect((siu as any).reason).to.match(/SIU\^S12 is not converted/)
    expect(convert('MSH|^~\\&|||||||ADT^A04|1|P|2.5\rPID|1||\r')).to.deep.include({code: 'HL7_NO_PATIENT_ID', field: 'PID-3'})
    expect(convert('MSH|^~\\&|||||||ADT^A04|1|P|2.5\rEVN|A04\r')).to.deep.include({code: 'HL7_NO_PID'})
  })
})

describe('messageToFhir: ORU^R01', () => {
  const {resources} = ok(convert(fixture('oru-r01-synthetic.hl7')))
  const [report] = byType(resources, 'DiagnosticReport')
  const obs = byType(resources, 'Observation')

  it('maps OBR to a DiagnosticReport whose results are the OBX Observations', () => {
    expect(report).to.deep.include({status: 'final', effectiveDateTime: '2024-03-06T08:00:00Z', issued: '2024-03-06T09:10:00Z', conclusion: 'Fasting specimen.'})
    expect(report.identifier.map((i: any) => i.value)).to.deep.equal(['PLC100', 'FIL200'])
    expect(report.result).to.deep.equal(obs.map((o) => ({reference: `Observation/${o.id}`})))
    expect(new Set(obs.map((o) => o.id)).size).to.equal(5)
  })

  it('types OBX-5 by OBX-2', () => {
    expect(obs[0].valueQuantity).to.deep.equal({value: 212, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL'})
    expect(obs[0].interpretation[0].coding[0].code).to.equal('H')
    expect(obs[0].note).to.deep.equal([{text: 'Above target\nrepeat in 3 months.'}])
    expect(obs[1].valueString).to.equal('Sample slightly hemolyzed')
    expect(obs[2].valueCodeableConcept).to.deep.equal({coding: [{code: 'C', display: 'Clear'}]})
    expect(obs[3].valueQuantity).to.deep.include({value: 150, comparator: '<'})
    expect(obs[4].valueDateTime).to.equal('2024-03-06')
    expect(obs.every((o) => o.status === 'final' && o.subject.reference === report.subject.reference)).to.equal(true)
  })
})

/** Conformance: every message of the shared corpus converts, or is rejected as an unsupported type. */
const CORPUS = new URL('../../../../shared/data/hl7v2/', import.meta.url).pathname
describe('hl7v2 conformance: shared corpus to FHIR', function () {
  if (!existsSync(CORPUS)) {
    it(`skipped: ${CORPUS} is absent (the shared HL7 v2 corpus is only in the project workspace)`, function () {
      this.skip()
    })
    return
  }
  for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.hl7'))) {
    it(`${f}: converts to a consistent transaction, or is rejected as unsupported`, () => {
      for (const m of Hl7File.parse(readFileSync(CORPUS + f, 'utf8')).messages) {
        const r = messageToFhir(m, {mrnSystem: MRN})
        const type = `${m.type.code}^${m.type.event}`
        if (!SUPPORTED_TYPES.includes(type)) {
          expect(r).to.deep.include({code: 'HL7_UNSUPPORTED_MESSAGE_TYPE'})
          continue
        }
        const {bundle} = ok(r)
        const keys = bundle.entry.map((e: any) => e.request.url)
        expect(new Set(keys).size, 'each resource once per transaction').to.equal(keys.length)
        expect(keys.some((k: string) => k.startsWith('Patient/'))).to.equal(true)
        const text = JSON.stringify(bundle)
        for (const [, refd] of text.matchAll(/"reference":"([A-Za-z]+\/[0-9a-f-]{36})"/g)) expect(keys, `reference ${refd} resolves`).to.include(refd)
      }
    })
  }
})
