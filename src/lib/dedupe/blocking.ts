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

const join = (...parts: Array<string | undefined>) => (parts.some((p) => p === undefined || p === '') ? undefined : parts.join('|'))

export const DEFAULT_RULES: BlockingRule[] = [
  {name: 'ssn', key: (r) => r.ssn},
  {name: 'dob+given-initial', key: (r) => join(r.dob, r.given?.[0])},
  {name: 'dob+family-phonetic', key: (r) => join(r.dob, r.familyPhonetic)},
  {name: 'given-phonetic+family-phonetic+birth-year', key: (r) => join(r.givenPhonetic, r.familyPhonetic, r.birthYear)},
  {name: 'phone', key: (r) => r.phone},
  {name: 'email', key: (r) => r.email},
  {name: 'zip+family-phonetic', key: (r) => join(r.zip, r.familyPhonetic)},
  {name: 'zip+given-phonetic', key: (r) => join(r.zip, r.givenPhonetic)},
  {name: 'names-swapped+dob', key: (r) => (r.given && r.family ? join([r.given, r.familyCompact].sort().join(' '), r.dob) : undefined)},
  {name: 'house-number+street-phonetic+zip', key: (r) => join(r.houseNumber, r.street?.slice(0, 3), r.zip)},
  {name: 'given+family', key: (r) => join(r.given, r.familyCompact)},
  {name: 'zip+dob', key: (r) => join(r.zip, r.dob)},
  {name: 'zip+house-number', key: (r) => join(r.zip, r.houseNumber)},
  {name: 'street+house-number', key: (r) => join(r.street, r.houseNumber)},
  {name: 'city+family-phonetic', key: (r) => join(r.city, r.familyPhonetic)},
  {name: 'dob', key: (r) => r.dob},
  {name: 'family+birth-year', key: (r) => join(r.familyCompact, r.birthYear)},
  {name: 'given+birth-year', key: (r) => join(r.given, r.birthYear)},
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
  const seen = new Set<number>()
  let a = new Uint32Array(1024)
  let b = new Uint32Array(1024)
  let count = 0
  const stats: RuleStats[] = []
  const truth = opts.entityOf
  const trueFoundByRule: number[] = []
  let trueFound = 0

  for (const rule of rules) {
    const blocks = new Map<string, number[]>()
    for (const r of records) {
      const k = rule.key(r)
      if (k === undefined) continue
      const list = blocks.get(k)
      if (list) list.push(r.index)
      else blocks.set(k, [r.index])
    }
    const s: RuleStats = {rule: rule.name, blocks: 0, cappedBlocks: 0, pairs: 0, newPairs: 0}
    let ruleTrue = 0
    for (const list of blocks.values()) {
      if (list.length < 2) continue
      s.blocks++
      if (list.length > cap) {
        s.cappedBlocks++
        continue
      }
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const x = list[i]
          const y = list[j]
          if (opts.linkOnly && records[x].side === records[y].side) continue
          s.pairs++
          const isTrue = truth !== undefined && truth(x) !== undefined && truth(x) === truth(y)
          if (isTrue) ruleTrue++
          const id = x < y ? x * n + y : y * n + x
          if (seen.has(id)) continue
          seen.add(id)
          if (isTrue) trueFound++
          s.newPairs++
          if (count === a.length) {
            const na = new Uint32Array(a.length * 2)
            na.set(a)
            a = na
            const nb = new Uint32Array(b.length * 2)
            nb.set(b)
            b = nb
          }
          a[count] = Math.min(x, y)
          b[count] = Math.max(x, y)
          count++
        }
      }
    }
    stats.push(s)
    trueFoundByRule.push(ruleTrue)
  }
  const result: CandidatePairs = {a: a.subarray(0, count), b: b.subarray(0, count), count, rules: stats}
  if (truth) {
    const total = countTruePairs(records, truth, opts.linkOnly)
    if (total > 0) {
      stats.forEach((s, i) => (s.recall = trueFoundByRule[i] / total))
      result.recall = trueFound / total
    }
  }
  return result
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
