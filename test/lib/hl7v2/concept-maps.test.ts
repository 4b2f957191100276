// Synthetic messages only (no real patient data): PID-15 language, PID-16 marital status and PV1-14 admit source.
import {expect} from 'chai'

import {bcp47ToLanguage, languageToBcp47} from '../../../src/lib/formats/hl7v2/concept-maps.js'
import {type FromFhirOptions, patientToAdt} from '../../../src/lib/formats/hl7v2/from-fhir.js'
import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'
import {messageToFhir} from '../../../src/lib/formats/hl7v2/to-fhir.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const MRN = 'http://hospital.example.org/mrn'
const BCP47 = 'urn:ietf:bcp:47'
const V3_MARITAL = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus'
const V2_0002 = 'http://terminology.hl7.org/CodeSystem/v2-0002'

const resources = (text: string) => (messageToFhir(Hl7Message.parse(text), {mrnSystem: MRN}) as any).resources as any[]
/** An ADT^A01 with the given PID-15, PID-16 and PV1-14. */
function adt(language: string, marital: string, admitSource = ''): any[] {
  const pid = `PID|1||SYN1^^^^MR||TEST^SYNTH||19800101|F|||||||${language}|${marital}`
  return resources(`MSH|^~\\&|||||||ADT^A01|1|P|2.5\rEVN|A01\r${pid}\rPV1|1|I||||||||||||${admitSource}\r`)
}
const patientOf = (rs: any[]) => rs.find((r) => r.resourceType === 'Patient')
const encounterOf = (rs: any[]) => rs.find((r) => r.resourceType === 'Encounter')

function options(): FromFhirOptions {
  return {
    msh: {sendingApplication: 'HIMKIT', sendingFacility: 'SYNTH', receivingApplication: 'EHR', receivingFacility: 'EHR'},
    mrnSystem: MRN,
    now: () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    nextControlId: () => 'HIM1',
  }
}
const backToV2 = (rs: any[]) => patientToAdt(patientOf(rs), encounterOf(rs), 'A04', options())

describe('PID-15 language: table 0296 -> BCP-47', () => {
  it('maps ISO 639-2 (B and T), ISO 639-1 and region tags to BCP-47 tags', () => {
    expect(languageToBcp47('eng')).to.equal('en')
    expect(languageToBcp47('fre')).to.equal('fr')
    expect(languageToBcp47('fra')).to.equal('fr')
    expect(languageToBcp47('EN')).to.equal('en')
    expect(languageToBcp47('en-us')).to.equal('en-US')
    expect(languageToBcp47('haw')).to.equal('haw')
    expect(languageToBcp47('1')).to.equal(undefined)
    expect(languageToBcp47('xqz')).to.equal(undefined)
    expect(bcp47ToLanguage('fr')).to.equal('fra')
    expect(bcp47ToLanguage('en-US')).to.equal('eng')
  })

  it('writes every language triplet as a BCP-47 coding and keeps CWE.9 as text', () => {
    const p = patientOf(adt('ara^^HL70296^eng^English-us^HL70296^v2^v2.1^TextInEnglish', 'M'))
    expect(p.communication).to.deep.equal([{language: {
      coding: [{system: BCP47, code: 'ar'}, {system: BCP47, code: 'en', display: 'English-us'}],
      text: 'TextInEnglish',
    }}])
  })

  it('keeps a code with no language mapping as text, never as a non-BCP-47 coding', () => {
    expect(patientOf(adt('1', '')).communication).to.deep.equal([{language: {text: '1'}}])
    expect(patientOf(adt('XQZ^Xquizite^HL70296', '')).communication).to.deep.equal([{language: {text: 'Xquizite'}}])
    expect(patientOf(adt('spa^Spanish^HL70296~', '')).communication[0].language.coding).to.deep.equal([{system: BCP47, code: 'es', display: 'Spanish'}])
  })

  it('writes BCP-47 back to v2 as table 0296 codes, so v2 -> FHIR -> v2 -> FHIR keeps the language', () => {
    const first = adt('EN^English^HL70296', 'M')
    const msg = backToV2(first)
    expect(msg.get('PID-15.1')).to.equal('eng')
    expect(msg.get('PID-15.3')).to.equal('HL70296')
    expect(patientOf(resources(msg.toString())).communication).to.deep.equal(patientOf(first).communication)
  })
})

describe('PID-16 marital status: table 0002 -> v3 MaritalStatus', () => {
  it('maps table 0002 codes per the IG ConceptMap and keeps the code sent in v2-0002', () => {
    expect(patientOf(adt('', 'M^Married^HL70002')).maritalStatus).to.deep.equal({coding: [
      {system: V3_MARITAL, code: 'M', display: 'Married'}, {system: V2_0002, code: 'M', display: 'Married'},
    ]})
    expect(patientOf(adt('', 'A')).maritalStatus.coding[0]).to.deep.equal({system: V3_MARITAL, code: 'L', display: 'Legally Separated'})
    expect(patientOf(adt('', 'P')).maritalStatus.coding[0]).to.deep.equal({system: V3_MARITAL, code: 'T', display: 'Domestic partner'})
    expect(patientOf(adt('', 'U')).maritalStatus.coding[0]).to.deep.equal({system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown'})
  })

  it('keeps C (common law, no R4 v3 code) in v2-0002 only', () => {
    expect(patientOf(adt('', 'C')).maritalStatus).to.deep.equal({coding: [{system: V2_0002, code: 'C'}]})
  })

  it('puts a code table 0002 does not have into a coding without a system', () => {
    expect(patientOf(adt('', '2')).maritalStatus).to.deep.equal({coding: [{code: '2'}]})
  })

  it('writes the table 0002 code back to v2 (not the v3 one), and a code without a system as it came', () => {
    expect(backToV2(adt('', 'A^Separated^HL70002')).get('PID-16')).to.equal('A^Separated^HL70002')
    expect(backToV2(adt('', '2')).get('PID-16')).to.equal('2')
  })
})

describe('PV1-14 admit source: table 0023', () => {
  it('keeps a table 0023 code in v2-0023', () => {
    expect(encounterOf(adt('', '', '7')).hospitalization.admitSource).to.deep.equal({coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0023', code: '7'}]})
  })

  it('puts a code table 0023 does not have into a coding without a system, and writes it back as it came', () => {
    const rs = adt('', '', 'NHS Provider-General')
    expect(encounterOf(rs).hospitalization.admitSource).to.deep.equal({coding: [{code: 'NHS Provider-General'}]})
    expect(backToV2(rs).get('PV1-14')).to.equal('NHS Provider-General')
  })
})
