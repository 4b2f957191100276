import {expect} from 'chai'
import {createHmac} from 'node:crypto'

import {HmacSha256} from '../../../src/lib/deid/hmac-sha256.js'

// Values and keys are synthetic: counters, invented ids and repeated characters.
const reference = (key: string | Buffer, v: string) => createHmac('sha256', key).update(v, 'utf8').digest('hex')

function values(): string[] {
  const out = ['', 'a', 'abc', 'MRN00000042', '123-45-6789', 'ÉLODIE MÜLLER', '日本語の名前', 'emoji 🙂 in a name', '\u0000nul inside']
  // Every length around the block and padding boundaries (55/56/63/64/119/120 bytes), ASCII and multi-byte.
  for (let n = 0; n <= 200; n++) {
    out.push('x'.repeat(n))
    out.push('é'.repeat(n))
  }
  for (let i = 0; i < 5000; i++) out.push(`himkit substitute v1\u0000name\u0000${i.toString(36).toUpperCase()}-${(i * 7919) % 10007}`)
  out.push('long '.repeat(3000))
  return out
}

describe('deid HMAC-SHA256 (precomputed key pads)', () => {
  const keys: Array<string | Buffer> = ['synthetic-key', '', 'k', '123', 'ké¥-unicode', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(200), Buffer.from([0, 1, 2, 255, 254])]

  for (const key of keys)
    it(`matches node:crypto createHmac byte for byte (key of ${Buffer.byteLength(key)} bytes)`, () => {
      const h = new HmacSha256(key)
      let checked = 0
      for (const v of values()) {
        expect(h.hex(v), `value of length ${v.length}`).to.equal(reference(key, v))
        checked++
      }
      expect(checked).to.be.greaterThan(5000)
      expect(h.bytes('MRN00000042').toString('hex')).to.equal(reference(key, 'MRN00000042'))
    })

  it("gives Microsoft's FHIR anonymizer cryptoHash test vector (key 123, value abc)", () => {
    expect(new HmacSha256('123').hex('abc')).to.equal('8f16771f9f8851b26f4d460fa17de93e2711c7e51337cb8a608a0f81e1c1b6ae')
  })

  it('keeps giving the right answer after a long value grew its buffer', () => {
    const h = new HmacSha256('synthetic-key')
    h.hex('q'.repeat(10_000))
    expect(h.hex('short')).to.equal(reference('synthetic-key', 'short'))
  })
})
