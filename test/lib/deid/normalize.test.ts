import {expect} from 'chai'

import {normalizeForPseudonym} from '../../../src/lib/deid/pseudonym.js'
import {type Category} from '../../../src/lib/deid/categories.js'

// Synthetic values only. The rule as first written (before its fast path for plain ASCII), kept here as the reference.
function reference(value: string, category?: Category): string {
  const v = value.normalize('NFKC').trim().replace(/\s+/g, ' ')
  if (category === 'ssn' || category === 'phone' || category === 'fax') {
    const digits = v.replace(/\D/g, '')
    return digits.length >= 7 ? digits : v.toUpperCase()
  }
  if (category === 'email') return v.toLowerCase()
  return v.toUpperCase()
}

describe('deid normalizeForPseudonym', () => {
  const values = ['MRN00000042', 'mrn0042', ' MRN 0042 ', 'a\tb\n c', '123-45-6789', '(617) 555-0101', 'Jo.Smith@Example.ORG', '', ' ', '~!@#$%^&*()_+',
    'ＭＲＮ００４２', 'Zoë', 'Anne-Marie\u00a0Smith', 'x\u2003y', 'ﬁle', '\u0000ctl', 'tab\tonly', 'É']
  for (const category of [undefined, 'mrn', 'ssn', 'phone', 'fax', 'email', 'name'] as Array<Category | undefined>)
    it(`gives what the full rule gives (${category ?? 'no category'})`, () => {
      for (const v of values) expect(normalizeForPseudonym(v, category), JSON.stringify(v)).to.equal(reference(v, category))
    })
})
