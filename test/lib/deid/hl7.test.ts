import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'
import {deidentifyHl7Message, hl7MessageScope} from '../../../src/lib/deid/hl7-deid.js'
import {makeSettings} from '../../../src/lib/deid/methods.js'
import {PRESETS} from '../../../src/lib/deid/presets.js'
import {patientKeyOf} from '../../../src/lib/deid/patient-key.js'
import {shiftDaysFor} from '../../../src/lib/deid/date-shift.js'

// fixtures/deid/adt.hl7 is synthetic (see its README).
const text = readFileSync(new URL('../../../fixtures/deid/adt.hl7', import.meta.url), 'utf8')
const asOf = new Date(Date.UTC(2026, 0, 1))

describe('deid HL7 v2', () => {
  it('safe-harbor: PHI fields emptied or generalized, OBX-5 and NTE scrubbed, Z-segments emptied, shape kept', () => {
    const s = makeSettings(PRESETS['safe-harbor'], {}, {asOf})
    const msg = deidentifyHl7Message(Hl7Message.parse(text), s)
    const out = msg.toString()
    for (const leak of ['Smithers', 'Johnathan', 'Janet', 'MRN0042', '123456789', '123-45-6789', '555-01', 'johnathan@', 'janet@', '12 Elm', 'Boston', '02139',
      '19310405', '20240305', '03/04/2024', 'portal.example', '10.1.2.33', 'Rex', '1HGCM', 'ACCT-7781', 'V-99881', 'Welby', 'S99-1234'])
      expect(out, leak).not.to.include(leak)
    expect(msg.segments.map((x) => x.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'NK1', 'PV1', 'OBX', 'NTE', 'ZPI'])
    expect(msg.get('PID-11.4')).to.equal('MA')
    expect(msg.get('PID-11.5')).to.equal('021')
    expect(msg.get('PID-7')).to.equal('') // 1931: over 89
    expect(msg.get('PID-8')).to.equal('M')
    expect(msg.get('PV1-44')).to.equal('2024')
    expect(msg.get('MSH-9.2')).to.equal('A04')
    expect(msg.get('OBX-5')).to.equal('[REDACTED] [REDACTED] called from [PHONE] on [DATE], [REDACTED], see [URL]')
    expect(msg.segment('ZPI')!.toString()).to.equal('ZPI')
  })

  it('pseudonymize: the patient key is the MRN of PID-3, as in CSV and FHIR, and CX keeps its type', () => {
    const msg = Hl7Message.parse(text)
    expect(hl7MessageScope(msg, false).patientKey).to.equal(patientKeyOf({mrn: 'MRN0042'}))
    const s = makeSettings(PRESETS.pseudonymize, {key: 'k', dateKey: 'd'}, {asOf})
    deidentifyHl7Message(msg, s)
    expect(msg.get('PID-3.1')).to.match(/^[0-9a-f]{64}$/)
    expect(msg.get('PID-3.5')).to.equal('MR')
    const days = shiftDaysFor('d', patientKeyOf({mrn: 'MRN0042'})!)
    const d = new Date(Date.UTC(2024, 2, 5) + days * 86_400_000)
    expect(msg.get('PV1-44')).to.equal(`${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`)
    expect(msg.get('PID-5.1')).to.not.equal('Smithers').and.not.equal('')
  })
})
