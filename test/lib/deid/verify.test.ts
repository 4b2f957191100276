import {expect} from 'chai'

import {IdentifierIndex} from '../../../src/lib/deid/verify.js'

describe('deid verify: identifier index', () => {
  const idx = new IdentifierIndex()
  idx.add('Smithers', 'name', 'column Last Name')
  idx.add('MRN-0042', 'mrn', 'column MRN')
  idx.add('(617) 555-0101', 'phone', 'PID-13')
  idx.add('123-45-6789', 'ssn', 'PID-19')
  idx.add('Ann.Lee@Example.org', 'email', 'Patient.telecom')
  idx.add('12 Elm St', 'street', 'PID-11')
  idx.add('04/05/1931', 'birthDate', 'column DOB')

  it('finds identifiers however they are re-formatted', () => {
    const found = (t: string) => idx.find(t).map(([o]) => o.category)
    expect(found('Mr SMITHERS')).to.deep.equal(['name'])
    expect(found('id MRN0042')).to.deep.equal(['mrn'])
    expect(found('call 617.555.0101')).to.deep.equal(['phone'])
    expect(found('123456789')).to.deep.equal(['ssn'])
    expect(found('write ann.lee@example.org.')).to.deep.equal(['email'])
    expect(found('lives at 12 elm street')).to.deep.equal(['street'])
    expect(found('born 1931-04-05')).to.deep.equal(['birthDate'])
    expect(found('born 19310405')).to.deep.equal(['birthDate'])
  })

  it('does not flag what de-identification leaves', () => {
    for (const t of ['[REDACTED] called', '1931', '021', '90+', 'Smithersfield', 'MRN', '555-0101'])
      expect(idx.find(t), t).to.deep.equal([])
  })
})
