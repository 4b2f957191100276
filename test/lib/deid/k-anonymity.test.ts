import {expect} from 'chai'

import {kAnonymityReport, QuasiIdentifierClasses} from '../../../src/lib/deid/k-anonymity.js'

describe('deid k-anonymity', () => {
  it('reports the smallest class, histogram, share below k and risks', () => {
    const c = new QuasiIdentifierClasses()
    for (const r of [['F', '021'], ['F', '021'], ['F', '021'], ['M', '021'], ['M', '021'], ['M', '000']]) c.add(r)
    const rep = kAnonymityReport(c, ['sex', 'zip3'], 2)
    expect(rep).to.include({records: 6, classes: 3, smallestClass: 1, recordsBelowK: 1, highestRisk: 1})
    expect(rep.histogram).to.deep.equal({1: 1, 2: 1, 3: 1})
    expect(rep.shareBelowK).to.be.closeTo(1 / 6, 1e-9)
    expect(rep.averageRisk).to.be.closeTo(0.5, 1e-9)
  })
  it('is empty-safe', () => {
    expect(kAnonymityReport(new QuasiIdentifierClasses(), ['x'], 5)).to.include({records: 0, smallestClass: 0, highestRisk: 0})
  })
})
