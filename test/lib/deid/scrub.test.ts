import {expect} from 'chai'

import {scrubText, sweepPattern} from '../../../src/lib/deid/scrub.js'

describe('deid free-text scrub', () => {
  it('removes phones, emails, SSNs, dates, URLs, IPs, ids and ZIPs by pattern', () => {
    const text =
      'Call (617) 555-0142 or 617.555.0199, mail ann.lee@example.org, SSN 123-45-6789, seen 03/14/2024 and on March 3, 2024, ' +
      'portal https://mychart.example.org/p/12, from 10.1.2.33, MRN: A12345, acct 99887766, lives in 02139.'
    const {text: out, hits} = scrubText(text)
    for (const leak of ['555-0142', '555-0199', 'ann.lee', '123-45-6789', '03/14/2024', 'March 3', 'mychart', '10.1.2.33', 'A12345', '99887766', '02139'])
      expect(out, leak).not.to.include(leak)
    expect(hits.phone).to.equal(2)
    expect(hits.email).to.equal(1)
    expect(hits.ssn).to.equal(1)
    expect(hits.url).to.equal(1)
    expect(hits.ip).to.equal(1)
    expect(out).to.include('Call [PHONE]')
  })

  it('sweeps names and ids known from the record, as whole words, any case', () => {
    const sweep = sweepPattern({names: ['Mary-Ann Oduya', 'J'], values: ['MRN-0042', 'X9']})
    const {text, hits} = scrubText('Pt MARY-ANN oduya (mrn0042) seen; Oduyas and Maryanne unrelated.', sweep)
    expect(text).to.equal('Pt [REDACTED]-[REDACTED] [REDACTED] ([REDACTED]) seen; Oduyas and Maryanne unrelated.')
    expect(text).to.include('Oduyas')
    expect(text).to.include('Maryanne')
    expect(hits.name).to.equal(4)
  })

  it('leaves clinical text without identifiers alone', () => {
    const t = 'BP 120/80, HbA1c 6.1 %, follow up in 2 weeks.'
    expect(scrubText(t).text).to.equal(t)
  })
})
