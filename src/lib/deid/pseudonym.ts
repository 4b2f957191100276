import {createHmac} from 'node:crypto'

import {type Category} from './categories.js'

/** HMAC-SHA256 of a UTF-8 string, lowercase hex: the same as Microsoft's FHIR anonymizer `cryptoHash`. */
export function hmacHex(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex')
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
