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
}

/** Two or three parts joined, or undefined when one is missing (plain concatenation: this runs rules x records times). */
const join2 = (a: string | undefined, b: string | undefined) => (a && b ? a + '|' + b : undefined)
const join3 = (a: string | undefined, b: string | undefined, c: string | undefined) => (a && b && c ? a + '|' + b + '|' + c : undefined)

export const DEFAULT_RULES: BlockingRule[] = [
  {name: 'ssn', key: (r) => r.ssn},
  {name: 'dob+given-initial', key: (r) => join2(r.dob, r.given?.[0])},
  {name: 'dob+family-phonetic', key: (r) => join2(r.dob, r.familyPhonetic)},
  {name: 'given-phonetic+family-phonetic+birth-year', key: (r) => join3(r.givenPhonetic, r.familyPhonetic, r.birthYear)},
  // Two digits transposed (a typing slip) keep the digits: the SSN's digit counts, with the ZIP to keep blocks small.
  {name: 'ssn-digits-any-order+zip', key: (r) => join2(r.ssn && digitCounts(r.ssn), r.zip)},
  {name: 'phone', key: (r) => r.phone},
  {name: 'email', key: (r) => r.email},
  {name: 'zip+family-phonetic', key: (r) => join2(r.zip, r.familyPhonetic)},
  {name: 'zip+given-phonetic', key: (r) => join2(r.zip, r.givenPhonetic)},
  {name: 'names-swapped+dob', key: (r) => (r.given && r.familyCompact ? join2(r.given < r.familyCompact ? r.given + ' ' + r.familyCompact : r.familyCompact + ' ' + r.given, r.dob) : undefined)},
  {name: 'house-number+street-start+zip', key: (r) => join3(r.houseNumber, r.street?.slice(0, 3), r.zip)},
  // Either order: FEBRL (and people at a front desk) swap given and family name, often with no birth date to block on.
  {name: 'given+family-either-order', key: (r) => (r.given && r.familyCompact ? (r.given < r.familyCompact ? r.given + '|' + r.familyCompact : r.familyCompact + '|' + r.given) : undefined)},
  {name: 'zip+dob', key: (r) => join2(r.zip, r.dob)},
  {name: 'zip+house-number', key: (r) => join2(r.zip, r.houseNumber)},
  {name: 'street+house-number', key: (r) => join2(r.street, r.houseNumber)},
  {name: 'city+family-phonetic', key: (r) => join2(r.city, r.familyPhonetic)},
  {name: 'dob', key: (r) => r.dob},
  {name: 'family+birth-year', key: (r) => join2(r.familyCompact, r.birthYear)},
  {name: 'given+birth-year', key: (r) => join2(r.given, r.birthYear)},
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
      const k = rule.key(r)
      if (k === undefined) continue
      const h = fnv1a(k)
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
function fnv1a(s: string): number {
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
