import {expect} from 'chai'

import {candidatePairs, DEFAULT_RULES, digitCounts, fnv1a} from '../../../src/lib/dedupe/blocking.js'
import {prepareRecord} from '../../../src/lib/dedupe/prepared.js'
import {standardizePatient} from '../../../src/lib/dedupe/standardize.js'
import {generatePeople, personPatient} from './synthetic-people.js'

// Synthetic records written for these tests (invented names and numbers, not FEBRL, not real people).
interface Person {given: string; family: string; dob?: string; ssn?: string; line?: string; city: string; zip: string}
const patient = (p: Person) => ({
  resourceType: 'Patient' as const,
  name: [{family: p.family, given: [p.given]}],
  ...(p.dob ? {birthDate: p.dob} : {}),
  ...(p.ssn ? {identifier: [{system: 'http://hl7.org/fhir/sid/us-ssn', value: p.ssn}]} : {}),
  address: [{line: p.line ? [p.line] : [], city: p.city, postalCode: p.zip}],
})
const prepared = (people: Person[]) => people.map((p, i) => prepareRecord(standardizePatient(patient(p)), i))
/** The rules of the default set that propose the pair (0, 1). */
const rulesProposing = (people: Person[]) =>
  DEFAULT_RULES.filter((rule) => candidatePairs(prepared(people), {rules: [rule]}).count === 1).map((r) => r.name)

describe('dedupe blocking: kinds of corruption the default rules must survive', () => {
  it('given and family name swapped, with no birth date and nothing else in common, is still proposed', () => {
    const people: Person[] = [
      {given: 'Marisol', family: 'Quenneville', city: 'Ashgrove', zip: '12345', line: '4 Wattle Street'},
      {given: 'Quenneville', family: 'Marisol', city: 'Brookvale', zip: '54321', line: '90 Banksia Road'},
    ]
    expect(candidatePairs(prepared(people)).count).to.equal(1)
    expect(rulesProposing(people)).to.deep.equal(['given+family-either-order'])
  })

  it('two SSN digits transposed, names unrelated and no birth date: proposed by the SSN digits in any order with the ZIP', () => {
    const people: Person[] = [
      {given: 'Corwin', family: 'Talbridge', ssn: '274-51-8396', city: 'Ashgrove', zip: '12345', line: 'Wattle Street'},
      {given: 'Elspeth', family: 'Moorcroft', ssn: '274-51-3896', city: 'Ashgrove', zip: '12345', line: 'Banksia Road'},
    ]
    expect(candidatePairs(prepared(people)).count).to.equal(1)
    expect(rulesProposing(people)).to.deep.equal(['ssn-digits-any-order+zip'])
    // A digit changed (not moved) is another SSN for this rule.
    const changed = [people[0], {...people[1], ssn: '274-51-3895'}]
    expect(rulesProposing(changed)).to.deep.equal([])
  })

  it('digit counts are the same for any order of the digits and ignore separators', () => {
    expect(digitCounts('123-45-6789')).to.equal(digitCounts('987654321'))
    expect(digitCounts('1123')).to.equal('0211000000')
    expect(digitCounts('1123')).to.not.equal(digitCounts('1223'))
  })

  it('each default rule hashes its key without joining it: the same hash as the joined key, -1 when it has none', () => {
    // Synthetic people with planted duplicates (missing fields, typos, swapped names), plus records with little.
    const records = [
      ...generatePeople(3000, 0.3, 17).map((p) => personPatient(p)),
      {resourceType: 'Patient', name: [{given: ['Ana']}]},
      {resourceType: 'Patient', birthDate: '1980-02-03'},
      {resourceType: 'Patient', name: [{family: 'Zed', given: ['Zed']}], birthDate: '1980-02-03'},
    ].map((p, i) => prepareRecord(standardizePatient(p), i))
    let keyed = 0
    for (const rule of DEFAULT_RULES) {
      expect(rule.hash, rule.name).to.be.a('function')
      for (const r of records) {
        const key = rule.key(r)
        if (key !== undefined) keyed++
        if (rule.hash!(r) !== (key === undefined ? -1 : fnv1a(key))) expect([rule.name, r.index, rule.hash!(r)]).to.deep.equal([rule.name, r.index, key === undefined ? -1 : fnv1a(key)])
      }
    }
    expect(keyed).to.be.greaterThan(DEFAULT_RULES.length * 1000)
  })
})
