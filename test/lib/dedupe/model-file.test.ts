import {expect} from 'chai'

import {HimError} from '../../../src/lib/cli/errors.js'
import {countTruePairs, DEFAULT_RULES} from '../../../src/lib/dedupe/blocking.js'
import {COMPARISONS} from '../../../src/lib/dedupe/compare.js'
import {dedupeRecords} from '../../../src/lib/dedupe/engine.js'
import {accuracyOfPairs, pairsOfClusters} from '../../../src/lib/dedupe/evaluate.js'
import {carriedPrior, type ModelShape, modelFileText, parseModelFile} from '../../../src/lib/dedupe/model-file.js'
import {generatePeople, personPatient} from './synthetic-people.js'

// Synthetic people with planted duplicates (test/lib/dedupe/synthetic-people.ts): no real person.
const people = generatePeople(800, 0.2, 21)
const records = people.map((p) => ({key: p.mrn, patient: personPatient(p), side: 0}))
const shape: ModelShape = {ignore: [], blocking: {rules: DEFAULT_RULES.map((r) => r.name), blockCap: 500}, linkage: false}

const configErrorOf = (fn: () => unknown): HimError => {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(HimError)
    expect((error as HimError).exit).to.equal(78)
    return error as HimError
  }
  throw new Error('expected a configuration error')
}

describe('dedupe model file (--model)', function () {
  this.timeout(60_000)
  const estimated = dedupeRecords(records, {alwaysReview: false})
  const text = modelFileText(estimated.model, shape, estimated.priorBasis)

  it('holds the format, version, settings, prior, and m and u of every field and level, and no record value', () => {
    const json = JSON.parse(text)
    expect(json).to.include({format: 'himkit-dedupe-model', version: 1})
    expect(json.settings).to.deep.equal(shape)
    expect(json.prior).to.include({lambda: estimated.model.lambda, records: 800, pairs: (800 * 799) / 2})
    expect(json.fields.map((f: {field: string}) => f.field)).to.deep.equal(COMPARISONS.map((c) => c.field))
    expect(json.fields[0].levels[0]).to.have.keys(['level', 'm', 'u'])
    expect(Object.keys(json).sort()).to.deep.equal(['createdAt', 'decisions', 'fields', 'format', 'prior', 'settings', 'version'])
    // Not one value of the records: names, MRNs, birth dates, ZIPs, towns (the term-frequency tables stay out).
    for (const p of people.slice(0, 50)) {
      for (const v of [p.mrn, p.family, p.dob, p.city]) if (v && v.length > 3) expect(text.toLowerCase()).to.not.include(v.toLowerCase())
    }
  })

  it('scores the same data the same when loaded instead of estimated', () => {
    const saved = parseModelFile(text, 'model.json', shape, COMPARISONS)
    const loaded = dedupeRecords(records, {alwaysReview: false, model: saved})
    expect(loaded.model.emIterations).to.equal(0)
    expect(loaded.model.lambda).to.be.closeTo(estimated.model.lambda, 1e-15)
    expect(loaded.pairs.map((p) => p.probability)).to.deep.equal(estimated.pairs.map((p) => p.probability))
    expect(loaded.clusters.map((c) => c.id)).to.deep.equal(estimated.clusters.map((c) => c.id))
  })

  it('carries the prior over to a file of another size as matches per record', () => {
    // 800 records, 319,600 pairs -> 400 records, 79,800 pairs: twice the records' share of pairs, twice the prior.
    const lambda = carriedPrior({lambda: 1e-4, records: 800, pairs: 319_600}, 400, 79_800)
    expect(lambda).to.be.closeTo(1e-4 * (319_600 / 800) / (79_800 / 400), 1e-12)
    expect(lambda).to.be.closeTo(2.0025e-4, 1e-7)
    expect(carriedPrior({lambda: 1e-4, records: 800, pairs: 319_600}, 800, 319_600)).to.be.closeTo(1e-4, 1e-15)
  })

  it('finds the duplicates of another, smaller file with a loaded model', () => {
    const others = generatePeople(300, 0.2, 99)
    const recs = others.map((p) => ({key: p.mrn, patient: personPatient(p), side: 0}))
    const entityOf = (i: number) => String(others[i].entity)
    const r = dedupeRecords(recs, {alwaysReview: false, model: parseModelFile(text, 'model.json', shape, COMPARISONS)})
    expect(r.model.lambda).to.be.greaterThan(estimated.model.lambda * 2)
    const truth = countTruePairs(recs.map((_, i) => ({index: i, side: 0}) as never), entityOf)
    const acc = accuracyOfPairs(pairsOfClusters(r.clusters), entityOf, truth)
    expect(acc.precision, JSON.stringify(acc)).to.be.greaterThan(0.95)
    expect(acc.recall, JSON.stringify(acc)).to.be.greaterThan(0.85)
  })

  it('includes reviewer decisions: they enter the estimate as pairs of known class and are counted in the file', () => {
    // A person says "not the same" to pairs the model took for matches, and "same" to doubtful ones.
    const matches = estimated.pairs.filter((p) => p.decision === 'match').slice(0, 40)
    const decisions = matches.map((p) => ({a: records[p.a].key, b: records[p.b].key, decision: 'different' as const}))
    const refined = dedupeRecords(records, {alwaysReview: false, decisions})
    expect(refined.model.labelled).to.deep.equal({same: 0, different: 40})
    const json = JSON.parse(modelFileText(refined.model, shape, refined.priorBasis))
    expect(json.decisions).to.deep.equal({same: 0, different: 40})
    // The matches a person rejected lower the estimated match share and so the prior, and move m.
    expect(refined.model.lambda).to.be.lessThan(estimated.model.lambda)
    expect(refined.model.m).to.not.deep.equal(estimated.model.m)
    expect(json.prior.lambda).to.equal(refined.model.lambda)
  })

  it('refuses a model made under other settings, or of another format or version, as a configuration error', () => {
    expect(configErrorOf(() => parseModelFile(text, 'm.json', {...shape, ignore: ['ssn']}, COMPARISONS)).message).to.match(/m\.json: the model was made ignoring none, this run ignores ssn/)
    expect(configErrorOf(() => parseModelFile(text, 'm.json', {...shape, linkage: true}, COMPARISONS)).message).to.match(/linkage/)
    expect(configErrorOf(() => parseModelFile(text, 'm.json', {...shape, blocking: {...shape.blocking, blockCap: 100}}, COMPARISONS)).message).to.match(/blockCap 500/)
    expect(configErrorOf(() => parseModelFile(text, 'm.json', {...shape, blocking: {...shape.blocking, rules: ['ssn']}}, COMPARISONS)).message).to.match(/blocking rules/)
    const otherLevels = COMPARISONS.map((c) => (c.field === 'birthDate' ? {field: c.field, levels: ['exact', 'different']} : c))
    expect(configErrorOf(() => parseModelFile(text, 'm.json', shape, otherLevels)).message).to.match(/field birthDate/)
    expect(configErrorOf(() => parseModelFile(text.replace('"version": 1', '"version": 2'), 'm.json', shape, COMPARISONS)).message).to.match(/version 2/)
    expect(configErrorOf(() => parseModelFile('{"format": "something"}', 'm.json', shape, COMPARISONS)).message).to.match(/not a dedupe model file/)
    expect(configErrorOf(() => parseModelFile('{oops', 'm.json', shape, COMPARISONS)).message).to.match(/not valid JSON/)
    const zeroU = JSON.parse(text)
    zeroU.fields[0].levels[0].u = 0
    expect(configErrorOf(() => parseModelFile(JSON.stringify(zeroU), 'm.json', shape, COMPARISONS)).message).to.match(/fields\.0\.levels\.0\.u/)
  })
})
