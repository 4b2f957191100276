import {expect} from 'chai'

import {readInputs} from '../../../src/lib/dedupe/read-input.js'
import {scratch} from '../../support/files.js'

// Synthetic HL7 v2 messages written for this test: invented people, no real patient.
const msh = (n: number, type: string) => `MSH|^~\\&|REG|SYNTH HOSP|HIMKIT|HIMKIT|2026010${n}120000||${type}|CTRL${n}|P|2.5.1`
const messages = [
  // 1 (lines 1-3): Robert Quillfeather, MRN H001
  [msh(1, 'ADT^A04^ADT_A01'), 'EVN|A04|20260101120000', 'PID|1||H001^^^^MR||Quillfeather^Robert^^^^^L||19610412|M|||12 Orchard Lane^^Eastwick^MA^01234^^H'],
  // 2 (lines 4-6): Bob Quilfeather, MRN H002: a duplicate of H001 in another MRN
  [msh(2, 'ADT^A04^ADT_A01'), 'EVN|A04|20260102120000', 'PID|1||H002^^^^MR||Quilfeather^Bob^^^^^L||19610412|M|||12 Orchard Ln^^Eastwick^MA^01234^^H'],
  // 3 (lines 7-9): an A08 update of H001: a new address; replaces message 1's view of H001
  [msh(3, 'ADT^A08^ADT_A01'), 'EVN|A08|20260103120000', 'PID|1||H001^^^^MR||Quillfeather^Robert^^^^^L||19610412|M|||48 Mill Pond Road^^Westwick^MA^01240^^H'],
  // 4 (lines 10-12): no patient identifier: rejected
  [msh(4, 'ADT^A04^ADT_A01'), 'EVN|A04|20260104120000', 'PID|1||||Nobody^Known||19700101|F'],
  // 5 (lines 13-16): an A40 merge of MRN H009 into H003: H003 is matched, the merged-away H009 is not
  [msh(5, 'ADT^A40^ADT_A39'), 'EVN|A40|20260105120000', 'PID|1||H003^^^^MR||Fenwick^Daisy^^^^^L||20240115|F', 'MRG|H009^^^^MR'],
  // 6 (lines 17-20): an ORU: its Patient is matched, its Observation is not
  [msh(6, 'ORU^R01^ORU_R01'), 'PID|1||H004^^^^MR||Brightwater^Amelia^^^^^L||20010930|F', 'OBR|1||F1|2345-7^Glucose^LN', 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|||||F'],
]
const text = messages.map((m) => m.join('\r')).join('\r') + '\r'

describe('dedupe reads HL7 v2 input through the FHIR hub', () => {
  const tmp = scratch()
  after(() => tmp.cleanup())

  it('takes one Patient per MRN with the location of its message, the later message replacing the earlier', async () => {
    const file = tmp.file('adt.hl7', text)
    const {records, rejects, files} = await readInputs({inputs: [{path: file, side: 0}], from: 'auto', mappingCtx: {mrnSystem: 'urn:oid:2.16.840.1.113883.19.5'}})
    const mrn = (i: number) => records[i].patient.identifier[0].value
    expect(records.map((_, i) => mrn(i))).to.deep.equal(['H001', 'H002', 'H003', 'H004'])
    // H001 as message 3 left it (the A08), located there.
    expect(records[0].patient.address[0].line[0]).to.equal('48 Mill Pond Road')
    expect(records[0].loc).to.deep.equal({file, line: 7, record: 3})
    expect(records[1].loc).to.deep.equal({file, line: 4, record: 2})
    expect(records[3].loc).to.deep.equal({file, line: 17, record: 6})
    expect(records[0].key).to.equal(records[0].patient.id)
    expect(new Set(records.map((r) => r.key)).size).to.equal(4)
    expect(rejects).to.have.length(1)
    expect(rejects[0].loc).to.include({file, line: 10, record: 4})
    expect(files[0]).to.include({format: 'hl7', records: 4, rejected: 1, repeated: 1})
    // Skipped: the repeated H001, the merged-away H009, the ORU's DiagnosticReport and Observation (counted, not matched).
    expect(files[0].skipped).to.equal(4)
    expect(records.some((r) => r.patient.identifier.some((i: {value: string}) => i.value === 'H009'))).to.equal(false)
  })

  it('reads a file of another name as HL7 with from: hl7', async () => {
    const file = tmp.file('feed.txt', messages.slice(0, 2).map((m) => m.join('\r')).join('\r'))
    const {records, files} = await readInputs({inputs: [{path: file, side: 0}], from: 'hl7', mappingCtx: {}})
    expect(files[0].format).to.equal('hl7')
    expect(records).to.have.length(2)
  })
})
