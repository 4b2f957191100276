import {expect} from 'chai'

import {Hl7File} from '../../../src/lib/formats/hl7v2/batch.js'
import {hl7BatchWriter} from '../../../src/lib/formats/hl7v2/batch-writer.js'

const MRN = 'http://hospital.example.org/mrn'
const msh = {sendingApplication: 'HIMKIT', sendingFacility: 'SYNTH HOSP', receivingApplication: 'EHR', receivingFacility: ''}

describe('hl7BatchWriter', () => {
  it('writes one ADT per Patient record inside FHS/BHS ... BTS/FTS, and rejects what HL7 cannot carry', () => {
    let text = ''
    const w = hl7BatchWriter({push: (t) => (text += t)}, {event: 'A31', msh, mrnSystem: MRN, now: () => new Date(Date.UTC(2024, 4, 6, 7, 8, 9))})
    expect(w.write([{resourceType: 'Patient', id: 'a', identifier: [{system: MRN, value: 'A1'}], name: [{family: 'One'}]}])).to.equal(undefined)
    expect(w.write([{resourceType: 'Organization', id: 'o'}])).to.deep.include({code: 'HL7_NOT_WRITABLE'})
    expect(w.write([{resourceType: 'Patient', id: 'b', identifier: [{system: MRN, value: 'B2'}], name: [{family: 'Two'}]}])).to.equal(undefined)
    w.close()
    const f = Hl7File.parse(text)
    expect(f.messages.map((m) => [m.type.event, m.get('PID-3.1'), m.controlId])).to.deep.equal([
      ['A31', 'A1', 'HIM20240506070809000001'],
      ['A31', 'B2', 'HIM20240506070809000002'],
    ])
    expect(text.startsWith('FHS|^~\\&|HIMKIT|SYNTH HOSP|EHR||20240506070809+0000\rBHS|^~\\&|')).to.equal(true)
    expect(text.endsWith('\rBTS|2\rFTS|1\r')).to.equal(true)
  })

  it('writes an empty batch when nothing was written', () => {
    let text = ''
    const w = hl7BatchWriter({push: (t) => (text += t)}, {event: 'A28', msh, mrnSystem: MRN, now: () => new Date(0)})
    w.close()
    expect(text.split('\r').map((s) => s.slice(0, 3))).to.deep.equal(['FHS', 'BHS', 'BTS', 'FTS', ''])
    expect(text).to.contain('BTS|0\r')
  })
})
