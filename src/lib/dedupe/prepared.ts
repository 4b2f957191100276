import {doubleMetaphone} from 'double-metaphone'

import {type StdRecord} from './standardize.js'

/** A standardized record with the keys that blocking and comparison need, computed once. */
export interface PreparedRecord extends StdRecord {
  /** Position in the input (0-based, across files). */
  index: number
  /** Which input side it came from (0, or 1 for the --link-to file). */
  side: number
  givenPhonetic?: string
  givenPhonetic2?: string
  familyPhonetic?: string
  familyPhonetic2?: string
  /** Family name with the spaces of multi-part names removed. */
  familyCompact?: string
  birthYear?: string
  dobDays?: number
}

const phoneticCache = new Map<string, [string, string]>()
function phonetic(s: string): [string, string] {
  let v = phoneticCache.get(s)
  if (!v) {
    const [a, b] = doubleMetaphone(s.replace(/ /g, ''))
    v = [a, b]
    if (phoneticCache.size > 200_000) phoneticCache.clear()
    phoneticCache.set(s, v)
  }
  return v
}

export function prepareRecord(r: StdRecord, index: number, side = 0): PreparedRecord {
  // One object shape for every record (all fields present, in one order): property reads stay monomorphic.
  const p: PreparedRecord = {
    index, side,
    given: r.given, middle: r.middle, family: r.family, familyParts: r.familyParts, suffix: r.suffix, dob: r.dob, sex: r.sex,
    ssn: r.ssn, phone: r.phone, email: r.email, houseNumber: r.houseNumber, street: r.street, locality: r.locality,
    city: r.city, state: r.state, zip: r.zip,
    givenPhonetic: undefined, givenPhonetic2: undefined, familyPhonetic: undefined, familyPhonetic2: undefined,
    familyCompact: undefined, birthYear: undefined, dobDays: undefined,
  }
  if (r.given) [p.givenPhonetic, p.givenPhonetic2] = phonetic(r.given)
  if (r.family) {
    p.familyCompact = r.family.replace(/ /g, '')
    ;[p.familyPhonetic, p.familyPhonetic2] = phonetic(p.familyCompact)
  }
  if (r.dob) {
    p.birthYear = r.dob.slice(0, 4)
    p.dobDays = Math.floor(Date.UTC(Number(r.dob.slice(0, 4)), Number(r.dob.slice(5, 7)) - 1, Number(r.dob.slice(8, 10))) / 86_400_000)
  }
  return p
}
