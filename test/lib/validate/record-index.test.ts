import {expect} from 'chai'

import {hashStrings, RecordIndex} from '../../../src/lib/validate/csv/record-index.js'

describe('RecordIndex', () => {
  it('returns -1 for a new key and the first record for a key seen before, across growth', () => {
    const idx = new RecordIndex()
    for (let i = 1; i <= 200_000; i++) expect(idx.firstOrAdd(hashStrings([`MRN${i}`]), i)).to.equal(-1)
    expect(idx.size).to.equal(200_000)
    expect(idx.firstOrAdd(hashStrings(['MRN12345']), 300_001)).to.equal(12345)
    expect(idx.firstOrAdd(hashStrings(['MRN200000']), 300_002)).to.equal(200_000)
  })

  it('hashes cells with a separator between them', () => {
    expect(hashStrings(['ab', 'c'])).to.not.equal(hashStrings(['a', 'bc']))
    expect(hashStrings(['a', 'b'])).to.equal(hashStrings(['a', 'b']))
    expect(Number.isSafeInteger(hashStrings(['x']))).to.equal(true)
  })
})
