// Synthetic messages only (no real patient data): OBX of type ED and RP, and XTN equipment types.
import {expect} from 'chai'

import {type FromFhirOptions, resourcesToHl7} from '../../../src/lib/formats/hl7v2/from-fhir.js'
import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'
import {messageToFhir} from '../../../src/lib/formats/hl7v2/to-fhir.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const MRN = 'http://hospital.example.org/mrn'
const resources = (text: string) => (messageToFhir(Hl7Message.parse(text), {mrnSystem: MRN}) as any).resources as any[]
const byType = (rs: any[], t: string) => rs.filter((r) => r.resourceType === t)
const options = (): FromFhirOptions => ({
  msh: {sendingApplication: 'HIMKIT', sendingFacility: 'SYNTH', receivingApplication: 'EHR', receivingFacility: 'EHR'},
  mrnSystem: MRN,
  now: () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  nextControlId: () => 'HIM1',
})

const PDF = Buffer.from('%PDF-1.4 synthetic').toString('base64')
const ORU = [
  'MSH|^~\\&|LAB|SYNTH|||20240306091000||ORU^R01^ORU_R01|C1|P|2.5.1',
  'PID|1||SYN2^^^^MR||TEST^SYNTH||19700101|M',
  'OBR|1|PL1|FI1|11524-6^EKG study^LN|||20240306080000',
  'OBX|1|NM|8867-4^Heart rate^LN||72|/min^^UCUM|||||F|||20240306080000',
  `OBX|2|ED|11524-6^EKG study^LN||^AP^pdf^Base64^${PDF}||||||F|||20240306080000`,
  'NTE|1||Synthetic tracing',
  'OBX|3|RP|18748-4^Diagnostic imaging study^LN||https://pacs.example.org/study/1^^IM^JPEG||||||P',
  'OBX|4|ED|11488-4^Consult note^LN||^TEXT^plain^A^Hello world||||||F',
].join('\r')

describe('OBX ED and RP -> DocumentReference with the value as its attachment (IG OBX[DocumentReference])', () => {
  const rs = resources(ORU)
  const [report] = byType(rs, 'DiagnosticReport')
  const docs = byType(rs, 'DocumentReference')

  it('keeps ED data as a base64 attachment with its MIME type, not a dataAbsentReason', () => {
    expect(docs).to.have.length(3)
    const pdf = docs[0]
    expect(pdf.content).to.deep.equal([{attachment: {contentType: 'application/pdf', data: PDF}}])
    expect(pdf).to.deep.include({status: 'current', docStatus: 'final', description: 'Synthetic tracing'})
    expect(pdf.type.coding[0]).to.deep.include({system: 'http://loinc.org', code: '11524-6'})
    expect(pdf.context.related).to.deep.equal([{reference: `DiagnosticReport/${report.id}`}])
    expect(rs.some((r) => r.dataAbsentReason)).to.equal(false)
  })

  it('encodes ASCII ED data as base64 and keeps an RP pointer as the attachment url', () => {
    expect(docs[2].content[0].attachment).to.deep.equal({contentType: 'text/plain', data: Buffer.from('Hello world').toString('base64')})
    expect(docs[1].content[0].attachment).to.deep.equal({contentType: 'image/jpeg', url: 'https://pacs.example.org/study/1'})
    expect(docs[1].docStatus).to.equal('preliminary')
  })

  it('lists only Observations as report results', () => {
    expect(report.result).to.have.length(1)
    expect(byType(rs, 'Observation')).to.have.length(1)
  })

  it('writes the documents back as OBX ED/RP under their OBR, so v2 -> FHIR -> v2 -> FHIR gives them back', () => {
    const r = resourcesToHl7(rs, 'A31', options())
    if (!('messages' in r)) throw new Error(r.reason)
    const oru = r.messages.find((m) => m.type.code === 'ORU')!
    const obx = oru.segmentsNamed('OBX')
    expect(obx.map((s) => s.get(2))).to.deep.equal(['NM', 'ED', 'RP', 'ED'])
    expect(obx.map((s) => s.get(1))).to.deep.equal(['1', '2', '3', '4'])
    const again = byType(resources(oru.toString()), 'DocumentReference')
    expect(again.map((d) => d.content)).to.deep.equal(docs.map((d) => d.content))
    expect(again.map((d) => d.id)).to.deep.equal(docs.map((d) => d.id))
    expect(again[0].description).to.equal('Synthetic tracing')
  })
})

describe('XTN equipment types (table 0202 -> ContactPoint.system, IG ConceptMap)', () => {
  const telecom = (xtn: string) => byType(resources(`MSH|^~\\&|||||||ADT^A28|1|P|2.5\rPID|1||SYN3^^^^MR||TEST^SYNTH||||||||${xtn}\r`), 'Patient')[0].telecom
  it('maps TDD, TTY, MD and SAT to other, keeping the number', () => {
    expect(telecom('^PRN^TDD^^^555^0100')).to.deep.equal([{system: 'other', value: '(555) 0100', use: 'home'}])
    expect(telecom('5550101^PRN^TTY')).to.deep.equal([{system: 'other', value: '5550101', use: 'home'}])
    expect(telecom('5550102^PRN^MD')).to.deep.equal([{system: 'other', value: '5550102', use: 'home'}])
    expect(telecom('5550103^PRN^SAT')).to.deep.equal([{system: 'other', value: '5550103', use: 'home'}])
  })

  it('does not write a ContactPoint of system other back as a telephone (PH)', () => {
    const rs = resources('MSH|^~\\&|||||||ADT^A28|1|P|2.5\rPID|1||SYN3^^^^MR||TEST^SYNTH||||||||5550101^PRN^TTY~5550104^PRN^PH\r')
    const r = resourcesToHl7(rs, 'A28', options())
    if (!('messages' in r)) throw new Error(r.reason)
    const pid = r.messages[0].segment('PID')!
    expect(pid.repetitions(13).map((x) => x.get(3))).to.deep.equal(['', 'PH'])
  })
})
