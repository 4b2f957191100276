import {expect} from 'chai'
import damerauLevenshtein from 'talisman/metrics/damerau-levenshtein.js'
import talismanJaroWinkler from 'talisman/metrics/jaro-winkler.js'

import {seededRandom} from '../../../src/lib/dedupe/estimate.js'
import {jaroWinkler, withinOneEdit} from '../../../src/lib/dedupe/string-metrics.js'

// Random strings (seeded), not records: the allocation-free metrics must give talisman's results to the last bit.
const rnd = seededRandom(5)
const word = (alphabet: string, maxLength: number) => Array.from({length: Math.floor(rnd() * (maxLength + 1))}, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('')
/** One random edit: a character removed, added, changed, or two neighbours swapped. */
function edited(w: string): string {
  const c = w.split('')
  const i = Math.floor(rnd() * (c.length + 1))
  const kind = Math.floor(rnd() * 4)
  if (kind === 0) c.splice(i, 1)
  else if (kind === 1) c.splice(i, 0, 'x')
  else if (kind === 2 && i + 1 < c.length) [c[i], c[i + 1]] = [c[i + 1], c[i]]
  else c[i] = 'q'
  return c.join('')
}
const ALPHABETS = ['ab', 'abcde', 'abcdefghijklmnopqrstuvwxyz ', '0123456789']

describe('dedupe string metrics', () => {
  it('Jaro-Winkler equals talisman\'s on 100,000 random pairs (related and unrelated, short alphabets, long strings)', () => {
    for (let n = 0; n < 100_000; n++) {
      const a = word(ALPHABETS[n % 4], n % 100 === 0 ? 80 : 12)
      const b = n % 2 ? edited(a) : word(ALPHABETS[n % 4], 12)
      const want = talismanJaroWinkler(a, b)
      if (jaroWinkler(a, b) !== want) expect([a, b, jaroWinkler(a, b)]).to.deep.equal([a, b, want])
    }
    expect(jaroWinkler('martha', 'marhta')).to.equal(talismanJaroWinkler('martha', 'marhta'))
    expect(jaroWinkler('martha', 'marhta')).to.be.closeTo(0.961, 0.001)
  })

  it('within one edit exactly when talisman\'s Damerau-Levenshtein distance is at most 1', () => {
    let near = 0
    for (let n = 0; n < 100_000; n++) {
      const a = word(ALPHABETS[n % 4], 10)
      const b = n % 2 ? edited(n % 4 === 1 ? edited(a) : a) : word(ALPHABETS[n % 4], 10)
      const want = Math.abs(a.length - b.length) <= 1 && damerauLevenshtein.limited(1, a, b) <= 1
      if (want) near++
      if (withinOneEdit(a, b) !== want) expect([a, b, withinOneEdit(a, b)]).to.deep.equal([a, b, want])
    }
    expect(near).to.be.greaterThan(20_000)
    expect(withinOneEdit('19231114', '19231141')).to.equal(true)
    expect(withinOneEdit('19231114', '19321141')).to.equal(false)
    expect(withinOneEdit('abc', 'xabc')).to.equal(true)
  })
})
