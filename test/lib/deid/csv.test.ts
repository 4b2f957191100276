import {expect} from 'chai'

import {categoryOfHeader, planCsvColumns} from '../../../src/lib/deid/csv-columns.js'
import {deidentifyCsvRow} from '../../../src/lib/deid/csv-deid.js'
import {makeSettings} from '../../../src/lib/deid/methods.js'
import {PRESETS} from '../../../src/lib/deid/presets.js'
import {shiftDaysFor} from '../../../src/lib/deid/date-shift.js'
import {patientKeyOf} from '../../../src/lib/deid/patient-key.js'

// A synthetic hospital export: invented values.
const header = ['MRN', 'First Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email', 'Admit Date', 'Age', 'Diagnosis Code', 'Notes', 'Favourite Colour']
const row = ['MRN0042', 'Johnathan', 'Smithers', '04/05/1931', 'M', '123-45-6789', '12 Elm St', 'Boston', 'MA', '02139', '617-555-0101', 'js@example.org', '03/05/2024', '94', 'I10', 'Johnathan Smithers (MRN0042) called 617-555-0101.', 'blue']
const asOf = new Date(Date.UTC(2026, 0, 1))

describe('deid CSV', () => {
  it('knows columns by the mapping roles, then by header name; what nothing knows is unknown', () => {
    const {plan, mapping} = planCsvColumns(header, PRESETS['safe-harbor'])
    expect(mapping).to.equal('generic')
    const by = Object.fromEntries(plan.map((c) => [c.column, c]))
    expect(by.MRN.category).to.equal('mrn')
    expect(by.MRN.decidedBy).to.match(/^mapping generic/)
    expect(by['Admit Date'].category).to.equal('date')
    expect(by['Admit Date'].decidedBy).to.equal('header name')
    expect(by.Notes.category).to.equal('freeText')
    expect(by['Favourite Colour']).to.include({category: 'unknown', method: 'redact', decidedBy: 'not recognised'})
    expect(categoryOfHeader('Insurance Member ID')).to.equal('healthPlan')
    expect(categoryOfHeader('Language')).to.equal('quasi')
  })

  it('--keep-column and --scrub-column override the decision', () => {
    const {plan} = planCsvColumns(header, PRESETS['safe-harbor'], {keepColumns: ['favourite colour'], scrubColumns: ['Diagnosis Code']})
    expect(plan[16]).to.include({method: 'keep', decidedBy: '--keep-column'})
    expect(plan[14]).to.include({method: 'scrub', decidedBy: '--scrub-column'})
  })

  it('safe-harbor keeps the shape and leaves no identifier', () => {
    const s = makeSettings(PRESETS['safe-harbor'], {}, {asOf})
    const {plan} = planCsvColumns(header, s.preset)
    const out = deidentifyCsvRow(row, plan, s)
    expect(out).to.have.length(header.length)
    expect(out).to.deep.equal(['', '', '', '90+', 'M', '', '', '', 'MA', '021', '', '', '2024', '90+', 'I10', '[REDACTED] [REDACTED] ([REDACTED]) called [REDACTED].', ''])
    expect(s.audit.rules().find((r) => r.rule === 'column MRN')).to.include({method: 'redact', category: 'mrn', count: 1})
  })

  it('pseudonymize: keyed pseudonyms and one date shift per patient, from the MRN', () => {
    const s = makeSettings(PRESETS.pseudonymize, {key: 'k', dateKey: 'd'}, {asOf})
    const {plan} = planCsvColumns(header, s.preset)
    const out = deidentifyCsvRow(row, plan, s)
    expect(out[0]).to.match(/^[0-9a-f]{64}$/)
    const days = shiftDaysFor('d', patientKeyOf({mrn: 'MRN0042'})!)
    const admit = new Date(Date.UTC(2024, 2, 5) + days * 86_400_000)
    const mmdd = `${String(admit.getUTCMonth() + 1).padStart(2, '0')}/${String(admit.getUTCDate()).padStart(2, '0')}/${admit.getUTCFullYear()}`
    expect(out[12]).to.equal(mmdd)
    expect(out[1]).not.to.equal('Johnathan')
  })
})
