/**
 * Blocking: which pairs of records are worth comparing. A union of rules, each a key built from a record; two
 * records that share a key in any rule are a candidate pair. Blocks larger than the cap are skipped (and counted),
 * so one common key (a default birth date, a shared phone) cannot make the run quadratic.
 */
import {type PreparedRecord} from './prepared.js'

export interface BlockingRule {
  name: string
  /** The blocking key, or undefined when the record lacks a field the rule needs. */
  key(r: PreparedRecord): string | undefined
  /**
   * The 32-bit FNV-1a hash of key(r) (-1 when it is undefined), computed from the parts without joining them:
   * blocking hashes rules x records keys, and the joined strings were most of its cost at a million records.
   */
  hash?(r: PreparedRecord): number
}

const FNV_OFFSET = 0x811c9dc5
/** FNV-1a over s, continuing from h (hashing parts one after another = hashing their concatenation). */
function fnvOn(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h
}
const fnvChar = (h: number, c: number) => Math.imul(h ^ c, 0x01000193)
const BAR = 124 // '|'

/** Two or three parts joined, or undefined when one is missing; hash2/hash3 hash that same key without making it. */
const join2 = (a: string | undefined, b: string | undefined) => (a && b ? a + '|' + b : undefined)
const join3 = (a: string | undefined, b: string | undefined, c: string | undefined) => (a && b && c ? a + '|' + b + '|' + c : undefined)
const hash1 = (a: string | undefined) => (a ? fnvOn(FNV_OFFSET, a) >>> 0 : -1)
const hash2 = (a: string | undefined, b: string | undefined) => (a && b ? fnvOn(fnvChar(fnvOn(FNV_OFFSET, a), BAR), b) >>> 0 : -1)
const hash3 = (a: string | undefined, b: string | undefined, c: string | undefined) =>
  a && b && c ? fnvOn(fnvChar(fnvOn(fnvChar(fnvOn(FNV_OFFSET, a), BAR), b), BAR), c) >>> 0 : -1

/** A rule whose key is one field, or two or three joined by "|". */
const rule1 = (name: string, a: (r: PreparedRecord) => string | undefined): BlockingRule => ({name, key: a, hash: (r) => hash1(a(r))})
const rule2 = (name: string, a: (r: PreparedRecord) => string | undefined, b: (r: PreparedRecord) => string | undefined): BlockingRule => ({
  name,
  key: (r) => join2(a(r), b(r)),
  hash: (r) => hash2(a(r), b(r)),
})
const rule3 = (name: string, a: (r: PreparedRecord) => string | undefined, b: (r: PreparedRecord) => string | undefined, c: (r: PreparedRecord) => string | undefined): BlockingRule => ({
  name,
  key: (r) => join3(a(r), b(r), c(r)),
  hash: (r) => hash3(a(r), b(r), c(r)),
})
/** Given and family name in alphabetical order (the same for a record with the two swapped). */
const firstName = (r: PreparedRecord) => (r.given! < r.familyCompact! ? r.given : r.familyCompact)
const secondName = (r: PreparedRecord) => (r.given! < r.familyCompact! ? r.familyCompact : r.given)

export const DEFAULT_RULES: BlockingRule[] = [
  rule1('ssn', (r) => r.ssn),
  rule2('dob+given-initial', (r) => r.dob, (r) => r.given?.[0]),
  rule2('dob+family-phonetic', (r) => r.dob, (r) => r.familyPhonetic),
  rule3('given-phonetic+family-phonetic+birth-year', (r) => r.givenPhonetic, (r) => r.familyPhonetic, (r) => r.birthYear),
  // Two digits transposed (a typing slip) keep the digits: the SSN's digit counts, with the ZIP to keep blocks small.
  rule2('ssn-digits-any-order+zip', (r) => r.ssn && digitCounts(r.ssn), (r) => r.zip),
  rule1('phone', (r) => r.phone),
  rule1('email', (r) => r.email),
  rule2('zip+family-phonetic', (r) => r.zip, (r) => r.familyPhonetic),
  rule2('zip+given-phonetic', (r) => r.zip, (r) => r.givenPhonetic),
  {
    name: 'names-swapped+dob',
    key: (r) => (r.given && r.familyCompact ? join2(firstName(r) + ' ' + secondName(r), r.dob) : undefined),
    hash: (r) => (r.given && r.familyCompact && r.dob ? fnvOn(fnvChar(fnvOn(fnvChar(fnvOn(FNV_OFFSET, firstName(r)!), 32), secondName(r)!), BAR), r.dob) >>> 0 : -1),
  },
  rule3('house-number+street-start+zip', (r) => r.houseNumber, (r) => r.street?.slice(0, 3), (r) => r.zip),
  // Either order: FEBRL (and people at a front desk) swap given and family name, often with no birth date to block on.
  rule2('given+family-either-order', (r) => (r.given && r.familyCompact ? firstName(r) : undefined), (r) => (r.given && r.familyCompact ? secondName(r) : undefined)),
  rule2('zip+dob', (r) => r.zip, (r) => r.dob),
  rule2('zip+house-number', (r) => r.zip, (r) => r.houseNumber),
  rule2('street+house-number', (r) => r.street, (r) => r.houseNumber),
  rule2('city+family-phonetic', (r) => r.city, (r) => r.familyPhonetic),
  rule1('dob', (r) => r.dob),
  rule2('family+birth-year', (r) => r.familyCompact, (r) => r.birthYear),
  rule2('given+birth-year', (r) => r.given, (r) => r.birthYear),
]

export interface RuleStats {
  rule: string
  blocks: number
  /** Blocks over the cap, skipped. */
  cappedBlocks: number
  /** Pairs this rule proposes (before removing those other rules found first). */
  pairs: number
  /** Pairs no earlier rule had proposed. */
  newPairs: number
  /** The rule was left out: it would propose more pairs than the budget allows (a key too broad for this data). */
  skipped?: string
  /** Share of the true pairs this rule finds (labelled data only). */
  recall?: number
}

export interface CandidatePairs {
  a: Uint32Array
  b: Uint32Array
  count: number
  rules: RuleStats[]
  /** Share of the true pairs found by the union (labelled data only). */
  recall?: number
}

export interface BlockingOptions {
  rules?: BlockingRule[]
  /** Largest block compared; larger blocks are skipped. */
  cap?: number
  /** A rule proposing more than this many pairs per record is skipped (and reported). */
  maxPairsPerRecord?: number
  /** Two-file linkage: only pairs across sides. */
  linkOnly?: boolean
  /** Ground truth (labelled data): the entity of each record, to report recall. */
  entityOf?: (index: number) => string | undefined
}

/** Candidate pairs (a < b) from the union of the rules, with counts per rule. */
export function candidatePairs(records: PreparedRecord[], opts: BlockingOptions = {}): CandidatePairs {
  const rules = opts.rules ?? DEFAULT_RULES
  const cap = opts.cap ?? 500
  const n = records.length
  const budget = Math.max(10_000, (opts.maxPairsPerRecord ?? 5) * n)
  const R = 64 // pair key = (a * n + b) * R + rule: sorting puts each pair's first rule first
  let keys = new Float64Array(1 << 16)
  let count = 0
  const stats: RuleStats[] = []
  const hashes = new Uint32Array(n)
  const order = new Uint32Array(n)
  const INDEX_SPAN = 2 ** 21
  const packed = n <= INDEX_SPAN ? new Float64Array(n) : undefined
  rules.forEach((rule, ri) => {
    // Blocks by a 32-bit hash of the key, found by sorting (no map of arrays: fast and small at a million records).
    // A hash collision only adds a candidate pair, which comparison then scores as the non-match it is.
    let m = 0
    for (const r of records) {
      let h: number
      if (rule.hash) h = rule.hash(r)
      else {
        const k = rule.key(r)
        h = k === undefined ? -1 : fnv1a(k)
      }
      if (h < 0) continue
      hashes[r.index] = h
      if (packed) packed[m] = h * INDEX_SPAN + r.index
      order[m++] = r.index
    }
    let members: Uint32Array
    if (packed) {
      // hash * 2^21 + index in one float: a native numeric sort, no comparator (exact below 2^53).
      const sortedKeys = packed.subarray(0, m).sort()
      members = order.subarray(0, m)
      for (let i = 0; i < m; i++) members[i] = sortedKeys[i] % INDEX_SPAN
    } else members = order.subarray(0, m).sort((x, y) => hashes[x] - hashes[y] || x - y)
    const s: RuleStats = {rule: rule.name, blocks: 0, cappedBlocks: 0, pairs: 0, newPairs: 0}
    stats.push(s)
    const runs: Array<[number, number]> = []
    let planned = 0
    for (let i = 0; i < m; ) {
      let j = i + 1
      while (j < m && hashes[members[j]] === hashes[members[i]]) j++
      const size = j - i
      if (size >= 2) {
        s.blocks++
        if (size > cap) s.cappedBlocks++
        else {
          planned += (size * (size - 1)) / 2
          runs.push([i, j])
        }
      }
      i = j
    }
    if (planned > budget) {
      s.skipped = `would propose ${planned} pairs, over the budget of ${budget}`
      return
    }
    for (const [from, to] of runs) {
      for (let i = from; i < to; i++) {
        for (let j = i + 1; j < to; j++) {
          const x = members[i]
          const y = members[j]
          if (opts.linkOnly && records[x].side === records[y].side) continue
          s.pairs++
          if (count === keys.length) {
            const grown = new Float64Array(keys.length * 2)
            grown.set(keys)
            keys = grown
          }
          keys[count++] = ((x < y ? x * n + y : y * n + x) * R) + ri
        }
      }
    }
  })
  const sorted = keys.subarray(0, count).sort()
  const truth = opts.entityOf
  const trueByRule = new Array<number>(rules.length).fill(0)
  let trueFound = 0
  let unique = 0
  const a = new Uint32Array(count)
  const b = new Uint32Array(count)
  let last = -1
  for (let i = 0; i < count; i++) {
    const v = sorted[i]
    const pair = Math.floor(v / R)
    const ri = v - pair * R
    const x = Math.floor(pair / n)
    const y = pair - x * n
    const isTrue = truth !== undefined && truth(x) !== undefined && truth(x) === truth(y)
    if (isTrue) trueByRule[ri]++
    if (pair === last) continue
    last = pair
    stats[ri].newPairs++
    if (isTrue) trueFound++
    a[unique] = x
    b[unique] = y
    unique++
  }
  const result: CandidatePairs = {a: a.slice(0, unique), b: b.slice(0, unique), count: unique, rules: stats}
  if (truth) {
    const total = countTruePairs(records, truth, opts.linkOnly)
    if (total > 0) {
      stats.forEach((st, i) => (st.recall = trueByRule[i] / total))
      result.recall = trueFound / total
    }
  }
  return result
}

/** How many of each digit 0-9 a string holds, as ten base-36 characters: the same for any order of the digits. */
export function digitCounts(s: string): string {
  const c = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48
    if (d >= 0 && d <= 9) c[d]++
  }
  let out = ''
  for (let d = 0; d < 10; d++) out += c[d].toString(36)
  return out
}

/** 32-bit FNV-1a hash of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Number of true pairs in labelled data: pairs of records with the same entity (across sides for linkage). */
export function countTruePairs(records: PreparedRecord[], entityOf: (index: number) => string | undefined, linkOnly = false): number {
  const bySide = new Map<string, number[]>()
  for (const r of records) {
    const e = entityOf(r.index)
    if (e === undefined) continue
    const c = bySide.get(e) ?? [0, 0]
    c[r.side]++
    bySide.set(e, c)
  }
  let total = 0
  for (const [s0, s1] of bySide.values()) total += linkOnly ? s0 * s1 : ((s0 + s1) * (s0 + s1 - 1)) / 2
  return total
}
