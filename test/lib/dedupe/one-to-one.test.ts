import {expect} from 'chai'

import {maxWeightAssignment} from '../../../src/lib/dedupe/assignment.js'
import {oneToOne, type OneToOnePair} from '../../../src/lib/dedupe/cluster.js'
import {seededRandom} from '../../../src/lib/dedupe/estimate.js'

/** The best total weight of any matching, by trying them all (small graphs only). */
function bruteForceBest(weights: Array<Array<number | undefined>>, m: number): number {
  const taken = new Uint8Array(m)
  const go = (i: number): number => {
    if (i === weights.length) return 0
    let best = go(i + 1) // row i unassigned
    for (let j = 0; j < m; j++) {
      const w = weights[i][j]
      if (w === undefined || w <= 0 || taken[j]) continue
      taken[j] = 1
      best = Math.max(best, w + go(i + 1))
      taken[j] = 0
    }
    return best
  }
  return go(0)
}

const probabilityOf = (w: number) => 1 / (1 + 2 ** -w)
const pair = (a: number, b: number, weight: number, extra: Partial<OneToOnePair> = {}): OneToOnePair => ({a, b, weight, probability: probabilityOf(weight), decision: 'match', ...extra})
const kept = (pairs: OneToOnePair[]) => pairs.filter((p) => p.decision === 'match').map((p) => `${p.a}-${p.b}`).sort()

describe('one-to-one linkage: maximum total weight', () => {
  it('the assignment equals the best of all matchings on 300 random graphs (rectangular, sparse, with ties)', () => {
    const rnd = seededRandom(7)
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rnd() * 6)
      const m = 1 + Math.floor(rnd() * 6)
      const weights = Array.from({length: n}, () => Array.from({length: m}, () => (rnd() < 0.5 ? undefined : rnd() < 0.2 ? 10 : Math.round(rnd() * 40 - 5))))
      const chosen = maxWeightAssignment(weights, m)
      expect(chosen).to.have.length(n)
      const columns = chosen.filter((j) => j >= 0)
      expect(new Set(columns).size, 'a column used twice').to.equal(columns.length)
      let total = 0
      chosen.forEach((j, i) => {
        if (j < 0) return
        expect(weights[i][j], 'an edge that is not there').to.be.a('number').and.greaterThan(0)
        total += weights[i][j]!
      })
      expect(total, JSON.stringify(weights)).to.equal(bruteForceBest(weights, m))
    }
  })

  it('beats greedy where greedy is wrong: the strongest pair is not part of the best linkage', () => {
    // Registry records 0 and 1 (side 0), EHR records 2 and 3 (side 1). 0-2 is the strongest pair (weight 20), but
    // taking it leaves 1 with nothing; 0-3 and 1-2 (19 + 19 = 38) are the most probable one-to-one linkage.
    const pairs = [pair(0, 2, 20), pair(0, 3, 19), pair(1, 2, 19)]
    const side = (i: number) => (i < 2 ? 0 : 1)
    oneToOne(pairs, side)
    expect(kept(pairs)).to.deep.equal(['0-3', '1-2'])
    expect(pairs[0].decision).to.equal('non-match')
  })

  it('solves each connected group, and leaves pairs for review and non-matches alone', () => {
    const side = (i: number) => (i < 10 ? 0 : 1)
    const pairs = [
      pair(0, 10, 20), pair(0, 11, 19), pair(1, 10, 19), // the group above
      pair(2, 12, 12), // alone
      pair(3, 13, 15), pair(4, 13, 14), // two want 13: the stronger keeps it
      pair(5, 13, 30, {decision: 'review'}), // not a match: untouched, and does not take 13
      pair(6, 14, -3, {decision: 'non-match'}),
    ]
    oneToOne(pairs, side)
    expect(kept(pairs)).to.deep.equal(['0-11', '1-10', '2-12', '3-13'])
    expect(pairs[6].decision).to.equal('review')
    expect(pairs[7].decision).to.equal('non-match')
  })

  it('keeps a person\'s "same person" first, even where the weights would choose otherwise', () => {
    const side = (i: number) => (i < 2 ? 0 : 1)
    const pairs = [pair(0, 2, 20, {decidedBy: 'reviewer'}), pair(0, 3, 19), pair(1, 2, 19)]
    oneToOne(pairs, side)
    expect(kept(pairs)).to.deep.equal(['0-2'])
  })

  it('within one file (no two sides) links greedily, strongest first', () => {
    const pairs = [pair(0, 1, 20), pair(0, 2, 19), pair(1, 3, 19)]
    oneToOne(pairs, () => 0)
    expect(kept(pairs)).to.deep.equal(['0-1'])
  })

  it('keeps an accepted match of weight at or below 0 when nothing competes with it', () => {
    const pairs = [pair(0, 2, -0.5), pair(1, 3, 8), pair(1, 2, 0.1)]
    oneToOne(pairs, (i) => (i < 2 ? 0 : 1))
    expect(kept(pairs)).to.deep.equal(['0-2', '1-3'])
  })
})
