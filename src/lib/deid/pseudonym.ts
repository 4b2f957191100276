import {createHash, type Hash} from 'node:crypto'

import {type Category} from './categories.js'

/**
 * HMAC-SHA256 (RFC 2104) with the key schedule done once: the inner and outer hash states after the padded key
 * are kept and copied for each message, and recent results are remembered (ids and references repeat).
 */
class Hmac256 {
  private readonly inner: Hash
  private readonly outer: Hash
  private readonly memo = new Map<string, string>()

  constructor(key: string) {
    let k = Buffer.from(key, 'utf8')
    if (k.length > 64) k = createHash('sha256').update(k).digest()
    const block = Buffer.alloc(64)
    k.copy(block)
    const ipad = Buffer.alloc(64)
    const opad = Buffer.alloc(64)
    for (let i = 0; i < 64; i++) {
      ipad[i] = block[i] ^ 0x36
      opad[i] = block[i] ^ 0x5c
    }
    this.inner = createHash('sha256').update(ipad)
    this.outer = createHash('sha256').update(opad)
  }

  hex(value: string): string {
    const hit = this.memo.get(value)
    if (hit !== undefined) return hit
    const h = this.outer.copy().update(this.inner.copy().update(value, 'utf8').digest()).digest('hex')
    if (this.memo.size >= 100_000) this.memo.clear()
    this.memo.set(value, h)
    return h
  }
}

const hmacs = new Map<string, Hmac256>()

/** HMAC-SHA256 of a UTF-8 string, lowercase hex: the same as Microsoft's FHIR anonymizer `cryptoHash`. */
export function hmacHex(key: string, value: string): string {
  let h = hmacs.get(key)
  if (!h) {
    if (hmacs.size > 16) hmacs.clear()
    hmacs.set(key, (h = new Hmac256(key)))
  }
  return h.hex(value)
}

/**
 * The form a value is hashed in, so that `123-45-6789` in a CSV and `123456789` in PID-19 give one pseudonym:
 * Unicode NFKC, trimmed, inner white space collapsed, upper case; SSNs and phones keep only their digits;
 * emails are lower case.
 */
export function normalizeForPseudonym(value: string, category?: Category): string {
  const v = value.normalize('NFKC').trim().replace(/\s+/g, ' ')
  if (category === 'ssn' || category === 'phone' || category === 'fax') {
    const digits = v.replace(/\D/g, '')
    return digits.length >= 7 ? digits : v.toUpperCase()
  }
  if (category === 'email') return v.toLowerCase()
  return v.toUpperCase()
}

/** A keyed pseudonym: HMAC-SHA256 (hex) of the normalized value. Stable across files, formats and runs for one key. */
export function pseudonym(key: string, value: string, category?: Category): string {
  return hmacHex(key, normalizeForPseudonym(value, category))
}

/**
 * A key's fingerprint for the audit manifest: it says which key was used (same key, same fingerprint) without
 * revealing it. HMAC of a fixed label, first 16 hex digits.
 */
export function keyFingerprint(key: string): string {
  return hmacHex(key, 'himkit key fingerprint v1').slice(0, 16)
}
