/**
 * Levelled comparisons: each field of a pair of records falls into one level, from exact agreement down to
 * disagreement; -1 means a value is missing on either side (no evidence either way).
 */
import {areNicknames} from './nicknames.js'
import {type PreparedRecord} from './prepared.js'
import {jaroWinkler, withinOneEdit} from './string-metrics.js'

export interface Comparison {
  /** The field, as the explanation names it. */
  field: string
  /** Level names, most similar first; the last is "different". */
  levels: string[]
  /** Levels whose weight gets the term-frequency adjustment (value frequency instead of the average u). */
  tfLevels?: number[]
  /** The value whose frequency adjusts the weight. */
  tfValue?(r: PreparedRecord): string | undefined
  compare(a: PreparedRecord, b: PreparedRecord): number
}

const MISSING = -1

function jw(a: string, b: string): number {
  return a === b ? 1 : jaroWinkler(a, b)
}

const oneEdit = withinOneEdit

const samePhonetic = (a1?: string, a2?: string, b1?: string, b2?: string) =>
  Boolean(a1) && (a1 === b1 || a1 === b2 || (Boolean(a2) && (a2 === b1 || a2 === b2)))

const GIVEN: Comparison = {
  field: 'given',
  levels: ['exact', 'swapped with family', 'nickname', 'jaro-winkler >= .92', 'jaro-winkler >= .88', 'initial', 'phonetic', 'jaro-winkler >= .70', 'different'],
  tfLevels: [0],
  tfValue: (r) => r.given,
  compare(a, b) {
    if (!a.given || !b.given) return MISSING
    if (a.given === b.given) return 0
    if (a.family && b.family && a.given === b.familyCompact && a.familyCompact === b.given) return 1
    if (areNicknames(a.given, b.given)) return 2
    const s = jw(a.given, b.given)
    if (s >= 0.92) return 3
    if (s >= 0.88) return 4
    if ((a.given.length === 1 || b.given.length === 1) && a.given[0] === b.given[0]) return 5
    if (samePhonetic(a.givenPhonetic, a.givenPhonetic2, b.givenPhonetic, b.givenPhonetic2)) return 6
    if (s >= 0.7) return 7
    return 8
  },
}

const FAMILY: Comparison = {
  field: 'family',
  levels: ['exact', 'one part of a multi-part name', 'swapped with given', 'jaro-winkler >= .92', 'jaro-winkler >= .88', 'phonetic', 'jaro-winkler >= .70', 'different'],
  tfLevels: [0],
  tfValue: (r) => r.familyCompact,
  compare(a, b) {
    if (!a.familyCompact || !b.familyCompact) return MISSING
    if (a.familyCompact === b.familyCompact) return 0
    if ((a.familyParts.length > 1 || b.familyParts.length > 1) && a.familyParts.some((p) => b.familyParts.includes(p))) return 1
    if (a.given && b.given && a.given === b.familyCompact && a.familyCompact === b.given) return 2
    const s = jw(a.familyCompact, b.familyCompact)
    if (s >= 0.92) return 3
    if (s >= 0.88) return 4
    if (samePhonetic(a.familyPhonetic, a.familyPhonetic2, b.familyPhonetic, b.familyPhonetic2)) return 5
    if (s >= 0.7) return 6
    return 7
  },
}

const DOB: Comparison = {
  field: 'birthDate',
  levels: ['exact', 'day and month swapped', 'one edit', 'within 31 days', 'within a year', 'different'],
  compare(a, b) {
    if (!a.dob || !b.dob) return MISSING
    if (a.dob === b.dob) return 0
    const days = Math.abs(a.dobDays! - b.dobDays!)
    // Far apart and more than one character different: the common case for random pairs, decided cheaply.
    if (days > 366 && a.dob.slice(0, 4) !== b.dob.slice(0, 4) && a.dob.slice(5) !== b.dob.slice(5)) return 5
    if (a.dob.slice(0, 4) === b.dob.slice(0, 4) && a.dob.slice(5, 7) === b.dob.slice(8, 10) && a.dob.slice(8, 10) === b.dob.slice(5, 7)) return 1
    if (oneEdit(a.dob, b.dob)) return 2
    if (days <= 31) return 3
    if (days <= 366) return 4
    return 5
  },
}

const SSN: Comparison = {
  field: 'ssn',
  levels: ['exact', 'one edit', 'last four', 'different'],
  compare(a, b) {
    if (!a.ssn || !b.ssn) return MISSING
    if (a.ssn === b.ssn) return 0
    if (oneEdit(a.ssn, b.ssn)) return 1
    if (a.ssn.length >= 4 && a.ssn.slice(-4) === b.ssn.slice(-4)) return 2
    return 3
  },
}

function textComparison(field: string, get: (r: PreparedRecord) => string | undefined, tf = false): Comparison {
  return {
    field,
    levels: ['exact', 'jaro-winkler >= .90', 'jaro-winkler >= .80', 'different'],
    ...(tf ? {tfLevels: [0], tfValue: get} : {}),
    compare(a, b) {
      const x = get(a)
      const y = get(b)
      if (!x || !y) return MISSING
      if (x === y) return 0
      const s = jw(x, y)
      if (s >= 0.9) return 1
      if (s >= 0.8) return 2
      return 3
    },
  }
}

function codeComparison(field: string, get: (r: PreparedRecord) => string | undefined, withOneEdit: boolean, tf = false): Comparison {
  return {
    field,
    levels: withOneEdit ? ['exact', 'one edit', 'different'] : ['exact', 'different'],
    ...(tf ? {tfLevels: [0], tfValue: get} : {}),
    compare(a, b) {
      const x = get(a)
      const y = get(b)
      if (!x || !y) return MISSING
      if (x === y) return 0
      if (!withOneEdit) return 1
      return oneEdit(x, y) ? 1 : 2
    },
  }
}

const EMAIL: Comparison = {
  field: 'email',
  levels: ['exact', 'same mailbox name', 'different'],
  compare(a, b) {
    if (!a.email || !b.email) return MISSING
    if (a.email === b.email) return 0
    // The same mailbox name (the part before @), compared in place (no strings made per pair).
    const at = a.email.indexOf('@')
    if (at < 0 || at !== b.email.indexOf('@')) return 2
    for (let i = 0; i < at; i++) if (a.email.charCodeAt(i) !== b.email.charCodeAt(i)) return 2
    return 1
  },
}

/** 1 when two cities are the same (or nearly: a typo), 0 when not, -1 when one is missing. */
const sameCityOf = (a: PreparedRecord, b: PreparedRecord) => (a.city && b.city ? (a.city === b.city || jw(a.city, b.city) >= 0.9 ? 1 : 0) : -1)

/**
 * City, ZIP and state as ONE comparison: they say the same thing (where someone lives), and counted three times
 * they outweigh the names, so that EM takes "same town" for "same person" where a file has few towns.
 */
const PLACE: Comparison = {
  field: 'place',
  levels: ['same ZIP and city', 'same ZIP', 'same city', 'ZIP one edit', 'same state only', 'different'],
  tfLevels: [0, 1],
  tfValue: (r) => r.zip,
  compare(a, b) {
    // Each part is looked at only when the level still depends on it (this runs for every candidate pair).
    const bothZips = Boolean(a.zip && b.zip)
    if (bothZips && a.zip === b.zip) return sameCityOf(a, b) === 1 ? 0 : 1
    const sameCity = sameCityOf(a, b)
    if (sameCity === 1) return 2
    if (bothZips && oneEdit(a.zip!, b.zip!)) return 3
    const state = a.state && b.state ? (a.state === b.state ? 1 : 0) : -1
    if (!bothZips && sameCity === -1 && state === -1) return MISSING
    if (state === 1) return 4
    return 5
  },
}

/** The comparisons, in the order of the explanation. */
export const COMPARISONS: Comparison[] = [
  GIVEN,
  FAMILY,
  DOB,
  SSN,
  codeComparison('sex', (r) => r.sex, false),
  codeComparison('houseNumber', (r) => r.houseNumber, true),
  textComparison('street', (r) => r.street),
  textComparison('locality', (r) => r.locality),
  PLACE,
  codeComparison('phone', (r) => r.phone, true),
  EMAIL,
]

/** The comparison vector (gamma) of one pair: a level per comparison, -1 for missing. */
export function compareRecords(a: PreparedRecord, b: PreparedRecord, comparisons: Comparison[] = COMPARISONS): Int8Array {
  const g = new Int8Array(comparisons.length)
  for (let k = 0; k < comparisons.length; k++) g[k] = comparisons[k].compare(a, b)
  return g
}
