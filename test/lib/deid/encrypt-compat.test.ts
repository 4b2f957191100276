import {expect} from 'chai'

import {decryptAes, encryptAes} from '../../../src/lib/deid/fhir-deid.js'

// Microsoft's FHIR anonymizer `encrypt` is AES-CBC, PKCS#7, the key's UTF-8 bytes, a random IV in front, base64.
// These ciphertexts and their key are the published test vectors of its EncryptFunction (Microsoft.Health.Anonymizer
// .Common.UnitTests EncryptTests, MIT): decrypting them proves our format and key handling are its own; our own
// ciphertexts then decrypt the same way (what its Decrypt would do with them).
const MS_KEY = '704ab12c8e3e46d4bea600ef62a6bec7'
const MS_VECTORS: Array<[string, string]> = [
  ['', ''],
  ['qpxGp6T9DP7wB0EYPQwOYVrScQ/pq3c0D+JQ+hjnfkY=', 'abc'],
  ['GI99peR2SpPfcqEgzr7/z7gxYym6qyVPPzvmGc8o8SSwqMpCsW0CRj3v6ZsxFCef', 'This is for test'],
  ['JxNRbbxL6pYYpbrtHWZ+1gPTPcIVrLWmrugPiUR9d6k=', '!@)(*&%^!@#$%@'],
  ['nQTtB/efLGpEqzOh/Pt4ZRlqZynO7gjePdu7LbLxH2LoqYJXAq6SQWkFeQ1SiqRM', 'ͶΆΈΞξτϡϿῧῄᾴѶѾ'],
  ['zrFYnZ2cIwcfmjCVybP1ZC+LaD7gwGXBHR2bZjuutzA=', '测试'],
]

describe('encrypt: compatible with Microsoft\'s FHIR anonymizer', () => {
  for (const [cipher, plain] of MS_VECTORS)
    it(`decrypts its ciphertext of ${JSON.stringify(plain)}`, () => {
      expect(decryptAes(cipher, MS_KEY)).to.equal(plain)
    })

  it('our ciphertexts: IV in front, a fresh IV each time, and they decrypt to the text', () => {
    for (const [, plain] of MS_VECTORS.slice(1)) {
      const a = encryptAes(plain, MS_KEY)
      const b = encryptAes(plain, MS_KEY)
      expect(a).to.not.equal(b)
      expect(Buffer.from(a, 'base64').length % 16).to.equal(0)
      expect(Buffer.from(a, 'base64').length).to.be.at.least(32)
      expect(decryptAes(a, MS_KEY)).to.equal(plain)
    }
  })

  it('a wrong key does not give the text back', () => {
    const c = encryptAes('synthetic value', MS_KEY)
    let out: string | undefined
    try {
      out = decryptAes(c, 'ffffffffffffffffffffffffffffffff')
    } catch {
      out = undefined // bad padding: the usual outcome
    }
    expect(out).to.not.equal('synthetic value')
  })
})
