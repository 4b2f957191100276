import {expect} from 'chai'

import {candidatePairs, countTruePairs} from '../../../src/lib/dedupe/blocking.js'
import {clusterPairs} from '../../../src/lib/dedupe/cluster.js'
import {dedupeRecords} from '../../../src/lib/dedupe/engine.js'
import {accuracyOfPairs, pairsOfClusters} from '../../../src/lib/dedupe/evaluate.js'
import {prepareRecord} from '../../../src/lib/dedupe/prepared.js'
import {standardizePatient} from '../../../src/lib/dedupe/standardize.js'
import {generatePeople, personPatient} from './synthetic-people.js'

// Synthetic people with planted duplicates (test/lib/dedupe/synthetic-people.ts): not FEBRL, not real people.
const people = generatePeople(1200, 0.2, 11)
const records = people.map((p) => ({key: p.mrn, patient: personPatient(p), side: 0}))
const entityOf = (i: number) => String(people[i].entity)

describe('dedupe engine on planted duplicates', function () {
  this.timeout(60_000)
  const result = dedupeRecords(records, {entityOf, alwaysReview: false})
  const truth = countTruePairs(records.map((_, i) => ({index: i, side: 0}) as never), entityOf)

  it('blocks nearly every planted pair and reports recall per rule', () => {
    expect(truth).to.be.greaterThan(150)
    expect(result.blocking.recall).to.be.greaterThan(0.97)
    const ssnRule = result.blocking.rules.find((r) => r.rule === 'ssn')!
    expect(ssnRule.pairs).to.be.greaterThan(0)
    expect(ssnRule.recall).to.be.lessThan(1)
  })

  it('finds the planted duplicates with high precision and recall', () => {
    const acc = accuracyOfPairs(pairsOfClusters(result.clusters), entityOf, truth)
    expect(acc.precision, JSON.stringify(acc)).to.be.greaterThan(0.97)
    expect(acc.recall, JSON.stringify(acc)).to.be.greaterThan(0.9)
  })

  it('estimates a prior over all pairs, far below the match share among candidates', () => {
    expect(result.model.lambda).to.be.lessThan(0.01)
    expect(result.model.candidateMatchShare).to.be.greaterThan(result.model.lambda * 10)
  })

  it('explains a pair field by field, and the weights add up to the total', () => {
    const p = result.pairs.find((x) => x.decision === 'match')!
    const e = result.explain(p.a, p.b)
    const sum = e.priorWeight + e.fields.reduce((s, f) => s + f.weight, 0)
    expect(sum).to.be.closeTo(e.totalWeight, 0.1)
    expect(e.fields.map((f) => f.field)).to.include.members(['given', 'family', 'birthDate', 'ssn'])
    expect(e.probability).to.be.closeTo(p.probability, 1e-9)
  })
})

describe('dedupe decisions and clusters', () => {
  const base = {resourceType: 'Patient' as const, name: [{family: 'Quillfeather', given: ['Amadeus']}], birthDate: '1961-04-12', gender: 'male', address: [{line: ['12 Orchard Lane'], city: 'Eastwick', postalCode: '01234'}], telecom: [{system: 'phone', value: '617-555-0143'}]}
  const filler = generatePeople(300, 0, 3).map((p) => ({key: p.mrn, patient: personPatient(p), side: 0}))

  it('sends a strong pair with conflicting SSNs to review, and merges it when told the two are the same', () => {
    const recs = [
      ...filler,
      {key: 'a', patient: {...base, id: 'a', identifier: [{system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6780'}]}, side: 0},
      {key: 'b', patient: {...base, id: 'b', identifier: [{system: 'http://hl7.org/fhir/sid/us-ssn', value: '987-65-4320'}]}, side: 0},
    ]
    const r = dedupeRecords(recs, {})
    const ab = r.pairs.find((p) => recs[p.a].key === 'a' && recs[p.b].key === 'b')!
    expect(ab.decision).to.equal('review')
    expect(ab.reasons).to.include('conflicting SSNs')
    const decided = dedupeRecords(recs, {decisions: [{a: 'b', b: 'a', decision: 'same'}]})
    const c = decided.clusters.find((x) => x.members.some((m) => recs[m].key === 'a'))!
    expect(c.members.map((m) => recs[m].key).sort()).to.deep.equal(['a', 'b'])
  })

  it('keeps a Jr and a Sr apart', () => {
    const recs = [
      ...filler,
      {key: 'sr', patient: {...base, id: 'sr', name: [{family: 'Quillfeather', given: ['Amadeus'], suffix: ['Sr']}]}, side: 0},
      {key: 'jr', patient: {...base, id: 'jr', name: [{family: 'Quillfeather', given: ['Amadeus'], suffix: ['Jr']}]}, side: 0},
    ]
    const r = dedupeRecords(recs, {})
    const p = r.pairs.find((x) => recs[x.a].key === 'sr' || recs[x.b].key === 'sr')!
    expect(p.decision).to.equal('review')
    expect(p.reasons.join()).to.match(/suffix/)
  })

  it('splits a chain at its weak edge when the ends are a known non-match, and names clusters by their oldest record', () => {
    const pairs = [
      {a: 0, b: 1, probability: 0.99, decision: 'match' as const},
      {a: 1, b: 2, probability: 0.96, decision: 'match' as const},
      {a: 2, b: 3, probability: 0.999, decision: 'match' as const},
    ]
    const ids = ['w', 'x', 'y', 'z']
    const clusters = clusterPairs(pairs, {n: 4, cannotLink: [[0, 3]], age: (i) => ['~', i], idOf: (i) => ids[i], maxClusterSize: 10})
    expect(clusters.map((c) => c.members.sort()).sort()).to.deep.equal([[0, 1], [2, 3]])
    expect(clusters.map((c) => c.id).sort()).to.deep.equal(['w', 'y'])
    const aged = clusterPairs(pairs, {n: 4, cannotLink: [], age: (i) => [i === 2 ? '2001-01-01' : '~', i], idOf: (i) => ids[i], maxClusterSize: 10})
    expect(aged).to.have.length(1)
    expect(aged[0].id).to.equal('y')
  })

  it('caps blocks: a key shared by more records than the cap proposes no pairs', () => {
    const same = Array.from({length: 30}, (_, i) => prepareRecord(standardizePatient({resourceType: 'Patient', birthDate: '1970-01-01', name: [{family: `F${i}x`, given: [`G${i}y`]}]}), i))
    const few = candidatePairs(same, {cap: 10, rules: [{name: 'dob', key: (r) => r.dob}]})
    expect(few.count).to.equal(0)
    expect(few.rules[0].cappedBlocks).to.equal(1)
    const all = candidatePairs(same, {cap: 100, rules: [{name: 'dob', key: (r) => r.dob}]})
    expect(all.count).to.equal((30 * 29) / 2)
  })
})
