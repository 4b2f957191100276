import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'

import {type FromFhirOptions, patientToAdt, resourcesToHl7} from '../../../src/lib/formats/hl7v2/from-fhir.js'
import {Hl7File} from '../../../src/lib/formats/hl7v2/batch.js'
import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'
import {messageToFhir, SUPPORTED_TYPES} from '../../../src/lib/formats/hl7v2/to-fhir.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const MRN = 'http://hospital.example.org/mrn'
const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/hl7v2/${name}`, import.meta.url), 'utf8')
const toFhir = (text: string) => (messageToFhir(Hl7Message.parse(text), {mrnSystem: MRN}) as any).resources as any[]

function options(): FromFhirOptions {
  let n = 0
  return {
    msh: {sendingApplication: 'HIMKIT', sendingFacility: 'SYNTH HOSP', receivingApplication: 'EHR', receivingFacility: 'EHR FAC'},
    mrnSystem: MRN,
    now: () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    nextControlId: () => `HIM${++n}`,
  }
}

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{system: MRN, value: 'M-1'}, {system: 'urn:oid:2.16.840.1.113883.19.5', value: 'X9'}],
  name: [{use: 'official', family: "O'Brien|Smith", given: ['Ann', 'Marie', 'Jo']}],
  gender: 'female',
  birthDate: '1970-03',
  telecom: [{system: 'phone', value: '555-0100', use: 'mobile'}, {system: 'email', value: 'ann@example.org'}],
  address: [{use: 'home', line: ['1 Main St'], city: 'Townsville', postalCode: '12345'}],
}

describe('FHIR -> HL7 v2 ADT', () => {
  it('writes MSH from the hl7 settings, the clock and the control-id source, and the event asked for', () => {
    for (const [event, structure] of [['A28', 'ADT_A05'], ['A31', 'ADT_A05'], ['A04', 'ADT_A01']] as const) {
      const m = patientToAdt(patient, undefined, event, options())
      expect(m.msh.toString()).to.equal(`MSH|^~\\&|HIMKIT|SYNTH HOSP|EHR|EHR FAC|20240102030405+0000||ADT^${event}^${structure}|HIM1|P|2.5.1`)
      expect(m.segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'PV1'])
    }
  })

  it('writes PID with escapes, identifier types and authorities, and the birth date precision', () => {
    const m = Hl7Message.parse(patientToAdt(patient, undefined, 'A28', options()).toString())
    expect(m.segment('PID')!.raw(5)).to.equal("O'Brien\\F\\Smith^Ann^Marie Jo^^^^L")
    expect(m.get('PID-5.1')).to.equal("O'Brien|Smith")
    expect(m.segment('PID')!.raw(3)).to.equal('M-1^^^^MR~X9^^^&2.16.840.1.113883.19.5&ISO')
    expect(m.get('PID-7')).to.equal('197003')
    expect(m.get('PID-8')).to.equal('F')
    expect(m.get('MSH-18')).to.equal('')
    const accented = Hl7Message.parse(patientToAdt({...patient, name: [{family: 'Zoë'}]}, undefined, 'A28', options()).toString())
    expect(accented.get('MSH-18')).to.equal('UNICODE UTF-8')
    expect(m.segment('PID')!.raw(13)).to.equal('555-0100^PRN^CP^^^^^^^^^555-0100~^NET^Internet^ann@example.org')
  })

  it('gives back the same Patient, Encounter and related persons after v2 -> FHIR -> v2 -> FHIR', () => {
    const first = toFhir(fixture('adt-a01-synthetic.hl7'))
    const r = resourcesToHl7(first, 'A04', options())
    if (!('messages' in r)) throw new Error(r.reason)
    expect(r.messages).to.have.length(1)
    const again = toFhir(r.messages[0].toString())
    const pick = (rs: any[], t: string) => rs.find((x) => x.resourceType === t)
    expect(pick(first, 'Patient').generalPractitioner).to.have.length(2)
    expect(pick(again, 'Patient')).to.deep.equal(pick(first, 'Patient'))
    expect(pick(again, 'RelatedPerson')).to.deep.equal(pick(first, 'RelatedPerson'))
    expect({...pick(again, 'Encounter'), status: 'x'}).to.deep.equal({...pick(first, 'Encounter'), status: 'x'})
    expect(pick(again, 'AllergyIntolerance')).to.deep.equal(pick(first, 'AllergyIntolerance'))
    expect(pick(again, 'Condition')).to.deep.equal(pick(first, 'Condition'))
    expect(r.messages[0].segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'PD1', 'NK1', 'PV1', 'PV2', 'AL1', 'DG1'])
  })
})

describe('FHIR -> HL7 v2 ADT^A40', () => {
  it('writes a merge back as ADT^A40 with PID and MRG, which converts to the same Patients', () => {
    const first = toFhir('MSH|^~\\&|||||||ADT^A40^ADT_A39|1|P|2.5\rEVN|A40\rPID|1||NEW1^^^^MR||KEEP^ME\rMRG|OLD9^^^^MR\r')
    const r = resourcesToHl7(first, 'A28', options())
    if (!('messages' in r)) throw new Error(r.reason)
    expect(r.messages).to.have.length(1)
    const m = r.messages[0]
    expect(m.type).to.deep.equal({code: 'ADT', event: 'A40', structure: 'ADT_A39'})
    expect(m.segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'MRG'])
    expect(m.segment('MRG')!.toString()).to.equal('MRG|OLD9^^^^MR')
    expect(toFhir(m.toString())).to.deep.equal(first)
  })
})

describe('FHIR -> HL7 v2 ORU^R01', () => {
  it('gives back the same DiagnosticReport and Observations after v2 -> FHIR -> v2 -> FHIR', () => {
    const first = toFhir(fixture('oru-r01-synthetic.hl7'))
    const r = resourcesToHl7(first, 'A28', options())
    if (!('messages' in r)) throw new Error(r.reason)
    expect(r.messages.map((m) => m.type.code + '^' + m.type.event)).to.deep.equal(['ADT^A28', 'ORU^R01'])
    expect(r.messages.map((m) => m.controlId)).to.deep.equal(['HIM1', 'HIM2'])
    const again = toFhir(r.messages[1].toString())
    for (const t of ['Patient', 'DiagnosticReport', 'Observation'])
      expect(again.filter((x) => x.resourceType === t), t).to.deep.equal(first.filter((x) => x.resourceType === t))
  })

  it('uses a Patient read earlier for Observations that come alone, and rejects them when there is none', () => {
    const obs = {resourceType: 'Observation', status: 'final', code: {text: 'Note'}, subject: {reference: 'Patient/p1'}, valueString: 'two\nlines'}
    expect(resourcesToHl7([obs], 'A28', options())).to.deep.include({code: 'HL7_PATIENT_UNKNOWN'})
    const known = new Map()
    resourcesToHl7([patient], 'A28', options(), known)
    const r = resourcesToHl7([obs], 'A28', options(), known)
    if (!('messages' in r)) throw new Error(r.reason)
    const m = r.messages[0]
    expect(m.get('PID-3.1')).to.equal('M-1')
    expect(m.get('OBX-2')).to.equal('FT')
    expect(m.segment('OBX')!.raw(5)).to.equal('two\\.br\\lines')
    expect(resourcesToHl7([{resourceType: 'Practitioner'}], 'A28', options())).to.deep.include({code: 'HL7_NOT_WRITABLE'})
  })
})

/** Conformance: v2 -> FHIR -> v2 -> FHIR on the shared corpus keeps who the patient is and what was observed. */
const CORPUS = new URL('../../../../shared/data/hl7v2/', import.meta.url).pathname
describe('hl7v2 conformance: shared corpus v2 -> FHIR -> v2 -> FHIR', function () {
  if (!existsSync(CORPUS)) {
    it(`skipped: ${CORPUS} is absent (the shared HL7 v2 corpus is only in the project workspace)`, function () {
      this.skip()
    })
    return
  }
  for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.hl7'))) {
    const text = readFileSync(CORPUS + f, 'utf8')
    const m = Hl7File.parse(text).messages[0]
    if (!SUPPORTED_TYPES.includes(`${m.type.code}^${m.type.event}`)) continue
    it(`${f}: the Patient and every reported Observation come back the same`, () => {
      const first = (messageToFhir(m, {mrnSystem: MRN}) as any).resources as any[]
      const r = resourcesToHl7(first, 'A31', options())
      if (!('messages' in r)) throw new Error(r.reason)
      const again = r.messages.flatMap((x) => toFhir(x.toString()))
      const find = (rs: any[], a: any) => rs.find((x) => x.resourceType === a.resourceType && x.id === a.id)
      for (const p of first.filter((x) => x.resourceType === 'Patient')) {
        const q = find(again, p)
        expect(q, `Patient ${p.id}`).to.not.equal(undefined)
        for (const k of ['identifier', 'name', 'birthDate', 'gender', 'address', 'maritalStatus', 'deceasedDateTime', 'link', 'active'])
          expect(q[k], `Patient.${k}`).to.deep.equal(p[k])
      }
      const reported = new Set(first.filter((x) => x.resourceType === 'DiagnosticReport').flatMap((d) => d.result ?? []).map((x: any) => x.reference))
      for (const o of first.filter((x) => x.resourceType === 'Observation' && reported.has(`Observation/${x.id}`) && !x.dataAbsentReason)) {
        const q = find(again, o)
        expect(q, `Observation ${o.id}`).to.not.equal(undefined)
        for (const k of ['code', 'status', 'effectiveDateTime', 'valueQuantity', 'valueString', 'valueCodeableConcept', 'valueDateTime', 'interpretation'])
          expect(q[k], `Observation.${k}`).to.deep.equal(o[k])
      }
    })
  }
})
