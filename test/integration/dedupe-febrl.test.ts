import {expect} from 'chai'
import {existsSync} from 'node:fs'

import {countTruePairs} from '../../src/lib/dedupe/blocking.js'
import {dedupeRecords} from '../../src/lib/dedupe/engine.js'
import {accuracyOfPairs, febrlEntity, pairsOfClusters} from '../../src/lib/dedupe/evaluate.js'
import {readInputs} from '../../src/lib/dedupe/read-input.js'

// Conformance on the FEBRL benchmark (synthetic Australian records with ground truth in rec_id), when present.
const FEBRL = new URL('../../../shared/data/febrl/', import.meta.url).pathname

describe('dedupe conformance on FEBRL', function () {
  this.timeout(300_000)
  before(function () {
    if (!existsSync(`${FEBRL}dataset3.csv`)) {
      console.log(`    (skipped: ${FEBRL} is not here)`)
      this.skip()
    }
  })

  for (const ignore of [[], ['ssn']]) {
    it(`febrl3 ${ignore.length ? 'without' : 'with'} soc_sec_id: pairwise F1 of the clusters above the floor`, async () => {
      const {records, rejects} = await readInputs({inputs: [{path: `${FEBRL}dataset3.csv`, side: 0}], from: 'auto', mappingCtx: {mrnSystem: 'urn:test'}})
      expect(rejects).to.have.length(0)
      expect(records).to.have.length(5000)
      const entity = records.map((r) => febrlEntity(r.patient.identifier.find((i: {system: string}) => i.system === 'urn:febrl:rec_id').value))
      const entityOf = (i: number) => entity[i]
      const result = dedupeRecords(records, {ignore, alwaysReview: false, entityOf})
      const truth = countTruePairs(records.map((r, i) => ({index: i, side: r.side}) as never), entityOf)
      expect(truth).to.equal(6538)
      const acc = accuracyOfPairs(pairsOfClusters(result.clusters), entityOf, truth)
      expect(acc.f1, JSON.stringify(acc)).to.be.at.least(ignore.length ? 0.99 : 0.995)
    })
  }
})
