import {type Category} from './categories.js'
import {HmacSha256} from './hmac-sha256.js'

/**
 * HMAC-SHA256 with a key, remembering recent results (ids and references repeat: a patient's reference appears in
 * every one of its resources). The key's pads are compressed once (HmacSha256), not once per value as
 * node:crypto's createHmac does.
 */
class Hmac256 {
  private readonly memo = new Map<string, string>()
  private readonly mac: HmacSha256

  constructor(key: string) {
    this.mac = new HmacSha256(key)
  }

  hex(value: string, remember = true): string {
    if (!remember) return this.mac.hex(value)
    const hit = this.memo.get(value)
    if (hit !== undefined) return hit
    const h = this.mac.hex(value)
    if (this.memo.size >= 20_000) this.memo.clear()
    this.memo.set(value, h)
    return h
  }

  bytes(value: string): Buffer {
    return this.mac.bytes(value)
  }
}

const hmacs = new Map<string, Hmac256>()

function hmacFor(key: string): Hmac256 {
  let h = hmacs.get(key)
  if (!h) {
    if (hmacs.size > 16) hmacs.clear()
    hmacs.set(key, (h = new Hmac256(key)))
  }
  return h
}

/** HMAC-SHA256 of a UTF-8 string, lowercase hex: the same as Microsoft's FHIR anonymizer `cryptoHash`. */
export function hmacHex(key: string, value: string, remember = true): string {
  return hmacFor(key).hex(value, remember)
}

/** HMAC-SHA256 of a UTF-8 string, as bytes. */
export function hmacBytes(key: string, value: string): Buffer {
  return hmacFor(key).bytes(value)
}

const ASCII = /^[\x20-\x7e]*$/
/** Printable ASCII without spaces: nothing to normalize, trim or collapse (most ids, codes and single names). */
const PLAIN = /^[\x21-\x7e]*$/

/**
 * The form a value is hashed in, so that `123-45-6789` in a CSV and `123456789` in PID-19 give one pseudonym:
 * Unicode NFKC, trimmed, inner white space collapsed, upper case; SSNs and phones keep only their digits;
 * emails are lower case.
 */
export function normalizeForPseudonym(value: string, category?: Category): string {
  const v = PLAIN.test(value) ? value : (ASCII.test(value) ? value : value.normalize('NFKC')).trim().replace(/\s+/g, ' ')
  if (category === 'ssn' || category === 'phone' || category === 'fax') {
    const digits = v.replace(/\D/g, '')
    return digits.length >= 7 ? digits : v.toUpperCase()
  }
  if (category === 'email') return v.toLowerCase()
  return v.toUpperCase()
}

/** A keyed pseudonym: HMAC-SHA256 (hex) of the normalized value. Stable across files, formats and runs for one key. */
export function pseudonym(key: string, value: string, category?: Category): string {
  // Identifier values are mostly distinct (one MRN, one SSN per person): not worth remembering.
  return hmacHex(key, normalizeForPseudonym(value, category), false)
}

/**
 * A key's fingerprint for the audit manifest: it says which key was used (same key, same fingerprint) without
 * revealing it. HMAC of a fixed label, first 16 hex digits.
 */
export function keyFingerprint(key: string): string {
  return hmacHex(key, 'himkit key fingerprint v1').slice(0, 16)
}
