// Names here are SYNTHETIC identifiers.
import {expect} from 'chai'
import {createHash} from 'node:crypto'

import {idFromIdentifier, uuidV5} from '../../../src/lib/fhir/ids.js'

/** RFC 9562 section 5.5 done the plain way, as a reference: SHA-1 of namespace + name, version 5, variant 10. */
function reference(name: string): string {
  const h = createHash('sha1').update(Buffer.from('6f1b2c1e8a7d4f3b9c5e2d7a1b4c8e90', 'hex')).update(Buffer.from(name, 'utf8')).digest()
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

describe('name-based ids (UUID v5)', () => {
  it('keeps the ids already written: a known MRN gives the same id as before', () => {
    expect(idFromIdentifier('Patient', 'http://hospital.example.org/mrn', 'MRN00000001')).to.equal('11f4eca7-6920-55fd-ae84-70797f9e8c8e')
  })

  it('agrees with the plain RFC 9562 computation for short, unicode, odd and long names', () => {
    const names = ['', 'a', 'Patient||x', 'Patient|urn:x|Zoë Müller', 'emoji 😀', 'lone \ud800 surrogate', 'nul\u0000', '李'.repeat(1400), 'x'.repeat(1360), 'x'.repeat(1361), 'y'.repeat(10000)]
    for (let i = 0; i < 2000; i++) names.push(`Patient|http://hospital.example.org/mrn|MRN${i}`)
    const variants = new Set<string>()
    for (const n of names) {
      const id = uuidV5(n)
      expect(id, n.slice(0, 40)).to.equal(reference(n))
      variants.add(id[19])
    }
    expect([...variants].sort()).to.deep.equal(['8', '9', 'a', 'b'])
  })
})
