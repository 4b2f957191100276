import {expect} from 'chai'

import {genericFor, SYNTHEA} from '../../../src/lib/formats/csv/mapping/builtin.js'
import {type Finding} from '../../../src/lib/validate/findings.js'
import {compileCsvValidator} from '../../../src/lib/validate/csv/csv-rules.js'
import {makeEmit, RuleSet} from '../../../src/lib/validate/rules.js'
import {checkSsn, isEmail, isNanpPhone, isPlaceholderName, isZip} from '../../../src/lib/validate/csv/value-checks.js'

// Synthetic rows only: no real person's data.
const HEADER = ['MRN', 'First Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Phone', 'Email', 'ZIP', 'State', 'Date of Death']
const GOOD = ['MRN001', 'Ana', 'Lopez', '03/14/1980', 'F', '123-45-6780', '(617) 555-0142', 'ana@example.org', '02139', 'MA', '']

function run(rows: string[][], opts: {showValues?: boolean; rules?: RuleSet; header?: string[]} = {}): Finding[] {
  const header = opts.header ?? HEADER
  const findings: Finding[] = []
  const emit = makeEmit({rules: opts.rules ?? new RuleSet(), showValues: opts.showValues ?? false}, (f) => findings.push(f))
  const v = compileCsvValidator({file: 'p.csv', mapping: genericFor(header)!, header, mappingCtx: {mrnSystem: 'urn:mrn'}, emit, today: '2026-11-25'})
  rows.forEach((r, i) => v.row(r, {file: 'p.csv', line: i + 2, record: i + 1}))
  return findings
}

const withCell = (col: string, value: string) => GOOD.map((c, i) => (HEADER[i] === col ? value : c))
const rulesOf = (fs: Finding[]) => fs.map((f) => f.rule)

describe('CSV validation rules', () => {
  it('finds nothing in a good row', () => {
    expect(run([GOOD])).to.deep.equal([])
  })

  const cases: Array<[string, string, string]> = [
    ['MRN', '', 'csv.required'],
    ['DOB', '02/30/1980', 'csv.date.invalid'],
    ['DOB', '01/01/2031', 'csv.date.future'],
    ['DOB', '01/01/1890', 'csv.date.before-1900'],
    ['SSN', '12345678', 'csv.ssn.format'],
    ['SSN', '666-12-3456', 'csv.ssn.impossible'],
    ['SSN', '912-12-3456', 'csv.ssn.impossible'],
    ['SSN', '123-00-4567', 'csv.ssn.impossible'],
    ['SSN', '123-45-0000', 'csv.ssn.impossible'],
    ['SSN', '078-05-1120', 'csv.ssn.placeholder'],
    ['Phone', '(017) 555-0142', 'csv.phone.format'],
    ['Phone', '555-0142', 'csv.phone.format'],
    ['Email', 'ana.example.org', 'csv.email.format'],
    ['ZIP', '0213', 'csv.zip.format'],
    ['State', 'XX', 'csv.state.code'],
    ['Sex', 'Q', 'csv.sex.code'],
    ['First Name', 'Ana2', 'csv.name.digits'],
    ['First Name', 'BABY BOY', 'csv.name.placeholder'],
    ['Date of Death', '01/01/1970', 'csv.date.death-before-birth'],
  ]
  for (const [col, value, rule] of cases)
    it(`flags ${rule} in column ${col}, at that row and column, without the value`, () => {
      const fs = run([withCell(col, value)])
      const f = fs.find((x) => x.rule === rule)
      expect(f, JSON.stringify(fs)).to.not.equal(undefined)
      expect(f!.location).to.deep.include({file: 'p.csv', line: 2, record: 1, column: col})
      expect(f!.value).to.equal(undefined)
      if (value) expect(f!.message).to.not.include(value)
    })

  it('flags an MRN used twice and an exact duplicate row, at the later row', () => {
    const other = withCell('First Name', 'Bea')
    const fs = run([GOOD, other, GOOD])
    const mrn = fs.filter((f) => f.rule === 'csv.mrn.duplicate')
    expect(mrn.map((f) => f.location.record)).to.deep.equal([2, 3])
    expect(mrn[0].message).to.equal('same MRN as record 1')
    const dup = fs.filter((f) => f.rule === 'csv.row.duplicate')
    expect(dup.map((f) => f.location.record)).to.deep.equal([3])
  })

  it('puts the value on a finding only with showValues', () => {
    const fs = run([withCell('ZIP', '0213')], {showValues: true})
    expect(fs[0].value).to.equal('0213')
  })

  it('applies a rules file: a rule turned off, another re-levelled, a prefix', () => {
    const rules = new RuleSet({rules: {'csv.zip.format': 'off', 'csv.state.code': 'error', 'csv.ssn.*': 'info'}})
    const row = withCell('ZIP', '0213').map((c, i) => (HEADER[i] === 'State' ? 'XX' : HEADER[i] === 'SSN' ? '000-12-3456' : c))
    const fs = run([row], {rules})
    expect(rulesOf(fs)).to.not.include('csv.zip.format')
    expect(fs.find((f) => f.rule === 'csv.state.code')!.severity).to.equal('error')
    expect(fs.find((f) => f.rule === 'csv.ssn.impossible')!.severity).to.equal('info')
  })

  it('reports a missing required role once, from the header', () => {
    const header = ['MRN', 'Last Name', 'DOB']
    const fs = run([['M1', 'Lopez', '03/14/1980']], {header})
    const missing = fs.filter((f) => f.rule === 'csv.column.missing')
    expect(missing.map((f) => f.message)).to.deep.equal([
      'no column holds the given name (mapping "generic")',
      'no column holds the sex (mapping "generic")',
    ])
    expect(missing[0].location).to.deep.equal({file: 'p.csv', line: 1})
  })

  it('checks a Synthea file through its own mapping (codes, ISO dates)', () => {
    const header = SYNTHEA.columns.map((c) => c.column)
    const row = header.map((h) => ({Id: 'x1', BIRTHDATE: '1980-13-01', FIRST: 'Ana', LAST: 'Lopez', GENDER: 'X', ZIP: '02139', STATE: 'Massachusetts'})[h] ?? '')
    const findings: Finding[] = []
    const emit = makeEmit({rules: new RuleSet(), showValues: false}, (f) => findings.push(f))
    const v = compileCsvValidator({file: 's.csv', mapping: SYNTHEA, header, mappingCtx: {mrnSystem: 'urn:mrn'}, emit, today: '2026-11-25'})
    v.row(row, {file: 's.csv', line: 2, record: 1})
    expect(rulesOf(findings)).to.include.members(['csv.date.invalid', 'csv.sex.code', 'csv.state.code'])
  })
})

describe('value checks', () => {
  it('SSN', () => {
    expect(checkSsn('123-45-6780')).to.equal(undefined)
    expect(checkSsn('123456780')).to.equal(undefined)
    expect(checkSsn('123-45-678')).to.equal('csv.ssn.format')
    expect(checkSsn('000-45-6789')).to.equal('csv.ssn.impossible')
    expect(checkSsn('123-45-6789')).to.equal('csv.ssn.placeholder')
  })
  it('NANP phone', () => {
    for (const ok of ['617-555-0142', '+1 (617) 555-0142', '16175550142', '617.555.0142 x12']) expect(isNanpPhone(ok), ok).to.equal(true)
    for (const bad of ['117-555-0142', '617-155-0142', '6175550', 'call me', '911-555-0142']) expect(isNanpPhone(bad), bad).to.equal(false)
  })
  it('ZIP and email', () => {
    expect(isZip('02139')).to.equal(true)
    expect(isZip('02139-4307')).to.equal(true)
    expect(isZip('2139')).to.equal(false)
    expect(isEmail('a.b@mail.example.org')).to.equal(true)
    expect(isEmail('a@b')).to.equal(false)
  })
  it('placeholder names, not real ones', () => {
    expect(isPlaceholderName('BABY', 'BOY')).to.equal(true)
    expect(isPlaceholderName('Test', 'Patient')).to.equal(true)
    expect(isPlaceholderName('John', 'Doe')).to.equal(true)
    expect(isPlaceholderName('UNKNOWN', 'Smith')).to.equal(true)
    expect(isPlaceholderName('Baby', 'Lopez')).to.equal(true)
    expect(isPlaceholderName('Tom', 'Doe')).to.equal(false)
    expect(isPlaceholderName('Ana', 'Lopez')).to.equal(false)
  })
})
