/**
 * The dedupe engine over a batch of Patients: standardize -> block -> compare -> estimate (EM) -> score ->
 * decide -> cluster. Pure: records in, pairs, clusters and the model out. No I/O, no logging of values.
 */
import {type Patient} from '../formats/csv/mapping/patient-mapping.js'
import {candidatePairs, type BlockingRule, type CandidatePairs, type RuleStats} from './blocking.js'
import {type Cluster, clusterPairs, oneToOne, type PairDecision} from './cluster.js'
import {type Comparison, COMPARISONS} from './compare.js'
import {estimateByEm, estimateU, type FsModel, termFrequenciesByRecord} from './estimate.js'
import {carriedPrior, type SavedModel} from './model-file.js'
import {prepareRecord, type PreparedRecord} from './prepared.js'
import {type PairExplanation, probabilityOf, Scorer} from './score.js'
import {type StdRecord, standardizePatient, withoutFields} from './standardize.js'

const GIVEN_COMPARISON = COMPARISONS.find((c) => c.field === 'given')!
const SSN_COMPARISON = COMPARISONS.find((c) => c.field === 'ssn')!
const DOB_COMPARISON = COMPARISONS.find((c) => c.field === 'birthDate')!
const FAMILY_COMPARISON = COMPARISONS.find((c) => c.field === 'family')!

export interface DedupeRecord {
  /** Unique, stable key of the record (the Patient id). */
  key: string
  patient: Patient
  /** 0 for the main input, 1 for the --link-to file. */
  side: number
  /** The record already standardized (a reader may do it while the Patient is at hand). */
  std?: StdRecord
  /** meta.lastUpdated, when known: the oldest record gives its cluster its id, the newest gives contact fields. */
  updated?: string
}

export interface Decision {
  a: string
  b: string
  decision: 'same' | 'different'
}

export interface DedupeOptions {
  autoThreshold: number
  reviewThreshold: number
  blockCap: number
  /** Fields left out of matching (e.g. ssn). */
  ignore: string[]
  /** Two-file linkage: pairs across sides only. */
  linkOnly: boolean
  /** Linkage: each record matched at most once. */
  oneToOne: boolean
  decisions: Decision[]
  maxClusterSize: number
  /** Below this probability a compared pair is a strong non-match that a cluster may not hold. */
  strongNonMatch: number
  /** Route conflicting SSNs, Jr/Sr conflicts and likely twins to review whatever the score (on by default). */
  alwaysReview: boolean
  rules?: BlockingRule[]
  comparisons?: Comparison[]
  /**
   * A model saved by an earlier run (--model): m and u are taken from it instead of estimated, and its prior is
   * carried over to this run's size (model-file.ts). Term frequencies are still this run's.
   */
  model?: SavedModel
  /** Ground truth for benchmarks: the entity of a record, to report blocking recall. */
  entityOf?: (index: number) => string | undefined
  onProgress?: (stage: string) => void
}

export const DEFAULT_OPTIONS: DedupeOptions = {
  autoThreshold: 0.95,
  reviewThreshold: 0.5,
  blockCap: 500,
  ignore: [],
  linkOnly: false,
  oneToOne: false,
  decisions: [],
  maxClusterSize: 25,
  strongNonMatch: 1e-6,
  alwaysReview: true,
}

export interface ScoredPair {
  a: number
  b: number
  probability: number
  /** The match weight (log2 posterior odds) of a compared pair; absent for a decided pair blocking did not propose. */
  weight?: number
  decision: PairDecision
  /** Why a pair goes to review whatever its score, or that a person decided it. */
  reasons: string[]
  decidedBy?: 'reviewer'
}

export interface DedupeResult {
  records: number
  totalPairs: number
  blocking: {candidatePairs: number; rules: RuleStats[]; recall?: number}
  model: FsModel
  /** What the prior is taken over: the records (linkage: of the smaller side) and all their pairs. */
  priorBasis: {records: number; pairs: number}
  /** Pairs at or above the review threshold, decided ones and always-review ones. */
  pairs: ScoredPair[]
  clusters: Cluster[]
  counts: {matches: number; review: number; clustersMerged: number; recordsInMergedClusters: number; oversized: number}
  explain(a: number, b: number): PairExplanation
}

const pairKey = (x: number, y: number) => (x < y ? `${x} ${y}` : `${y} ${x}`)

export function dedupeRecords(input: DedupeRecord[], options: Partial<DedupeOptions> = {}): DedupeResult {
  const opts = {...DEFAULT_OPTIONS, ...options}
  const comparisons = opts.comparisons ?? COMPARISONS
  const K = comparisons.length
  const ignore = new Set(opts.ignore)
  opts.onProgress?.('standardizing')
  const prepared: PreparedRecord[] = input.map((r, i) => prepareRecord(r.std ? withoutFields(r.std, ignore) : standardizePatient(r.patient, ignore), i, r.side))
  const n = prepared.length
  const n0 = prepared.filter((r) => r.side === 0).length
  const totalPairs = opts.linkOnly ? n0 * (n - n0) : (n * (n - 1)) / 2

  opts.onProgress?.('blocking')
  const cands: CandidatePairs = candidatePairs(prepared, {rules: opts.rules, cap: opts.blockCap, linkOnly: opts.linkOnly, entityOf: opts.entityOf})

  // Reviewer decisions, by record index pair.
  const indexOf = opts.decisions.length ? new Map(input.map((r, i) => [r.key, i])) : new Map<string, number>()
  const decided = new Map<string, 'same' | 'different'>()
  for (const d of opts.decisions) {
    const x = indexOf.get(d.a)
    const y = indexOf.get(d.b)
    if (x !== undefined && y !== undefined && x !== y) decided.set(pairKey(x, y), d.decision)
  }

  opts.onProgress?.('comparing')
  const gammas = new Int8Array(cands.count * K)
  const labels = new Map<number, 0 | 1>()
  const candidateIndex = new Map<string, number>()
  for (let p = 0; p < cands.count; p++) {
    const a = prepared[cands.a[p]]
    const b = prepared[cands.b[p]]
    for (let k = 0; k < K; k++) gammas[p * K + k] = comparisons[k].compare(a, b)
    if (decided.size) {
      const key = pairKey(a.index, b.index)
      const d = decided.get(key)
      if (d) {
        labels.set(p, d === 'same' ? 1 : 0)
        candidateIndex.set(key, p)
      }
    }
  }

  opts.onProgress?.('estimating')
  const tfByRecord = termFrequenciesByRecord(prepared, comparisons)
  const tf = tfByRecord.map((t) => t?.byValue)
  const priorBasis = {records: opts.linkOnly ? Math.min(n0, n - n0) : n, pairs: totalPairs}
  const saved = opts.model
  const model: FsModel = saved
    ? {fields: comparisons.map((c) => c.field), levels: comparisons.map((c) => c.levels), m: saved.m, u: saved.u, lambda: carriedPrior(saved, priorBasis.records, priorBasis.pairs), candidateMatchShare: saved.candidateMatchShare, emIterations: 0, tf}
    : estimateByEm(comparisons, estimateU(prepared, comparisons, {linkOnly: opts.linkOnly}), {gammas, pairCount: cands.count, labels, totalPairs}, {tf})
  const scorer = new Scorer(model, comparisons, prepared, tfByRecord.map((t) => t?.ofRecord))

  opts.onProgress?.('scoring')
  const pairs: ScoredPair[] = []
  const cannotLink: Array<[number, number]> = []
  /** Candidate pairs scored as strong non-matches (indices; most of the candidates on a large file). */
  const strongNonMatches: number[] = []
  // Likely twins need the same birth date and family name: with the built-in comparisons, both exact (level 0) in
  // the gamma vector, so most pairs are passed over without reading the records.
  const kDob = comparisons.indexOf(DOB_COMPARISON)
  const kFamily = comparisons.indexOf(FAMILY_COMPARISON)
  const mayBeTwins = (p: number) => kDob < 0 || kFamily < 0 || (gammas[p * K + kDob] === 0 && gammas[p * K + kFamily] === 0)
  for (let p = 0; p < cands.count; p++) {
    const ia = cands.a[p]
    const ib = cands.b[p]
    const a = prepared[ia]
    const b = prepared[ib]
    const weight = scorer.weightAt(gammas, p * K, ia, ib)
    const probability = probabilityOf(weight)
    const d = labels.size ? labels.get(p) : undefined
    if (d !== undefined) {
      pairs.push({a: ia, b: ib, probability, weight, decision: d === 1 ? 'match' : 'non-match', reasons: [], decidedBy: 'reviewer'})
      if (d === 0) cannotLink.push([ia, ib])
      continue
    }
    const twins = opts.alwaysReview && mayBeTwins(p) && likelyTwins(a, b)
    if (probability < opts.reviewThreshold && !twins) {
      if (probability < opts.strongNonMatch) strongNonMatches.push(p)
      continue
    }
    const g = gammas.subarray(p * K, p * K + K)
    const reasons: string[] = []
    if (twins) reasons.push('likely twins: same birth date, family name and address, different given names')
    if (opts.alwaysReview && probability >= opts.reviewThreshold) {
      if (a.ssn && b.ssn && a.ssn !== b.ssn && comparisons.some((c, k) => c.field === 'ssn' && g[k] === c.levels.length - 1))
        reasons.push('conflicting SSNs')
      if (a.suffix && b.suffix && a.suffix !== b.suffix) reasons.push(`name suffix conflict (${a.suffix}/${b.suffix})`)
    }
    const decision: PairDecision = reasons.length ? 'review' : probability >= opts.autoThreshold ? 'match' : 'review'
    pairs.push({a: ia, b: ib, probability, weight, decision, reasons})
  }
  // Decisions on pairs that blocking did not propose still count.
  for (const [key, d] of decided) {
    if (candidateIndex.has(key)) continue
    const [x, y] = key.split(' ').map(Number)
    pairs.push({a: x, b: y, probability: d === 'same' ? 1 : 0, decision: d === 'same' ? 'match' : 'non-match', reasons: [], decidedBy: 'reviewer'})
    if (d === 'different') cannotLink.push([x, y])
  }
  if (opts.oneToOne) oneToOne(pairs, (i) => prepared[i].side)

  opts.onProgress?.('clustering')
  // A non-link matters only between records that some match edge touches.
  const linked = new Uint8Array(n)
  for (const p of pairs) if (p.decision === 'match') linked[p.a] = linked[p.b] = 1
  const clusters = clusterPairs(pairs, {
    n,
    cannotLink: [
      ...cannotLink,
      ...strongNonMatches.filter((p) => linked[cands.a[p]] && linked[cands.b[p]]).map((p): [number, number] => [cands.a[p], cands.b[p]]),
    ],
    age: (i) => [input[i].updated ?? '~', i],
    idOf: (i) => input[i].key,
    maxClusterSize: opts.maxClusterSize,
  })
  // Pairs inside an oversized cluster go to review.
  const oversizedOf = new Int32Array(n).fill(-1)
  clusters.forEach((c, ci) => {
    if (c.oversized) for (const m of c.members) oversizedOf[m] = ci
  })
  for (const p of pairs) {
    if (p.decision === 'match' && !p.decidedBy && oversizedOf[p.a] >= 0) {
      p.decision = 'review'
      p.reasons.push('cluster too large to merge without review')
    }
  }
  const merged = clusters.filter((c) => c.members.length > 1 && !c.oversized)
  return {
    records: n,
    totalPairs,
    priorBasis,
    blocking: {candidatePairs: cands.count, rules: cands.rules, recall: cands.recall},
    model,
    pairs,
    clusters,
    counts: {
      matches: pairs.filter((p) => p.decision === 'match').length,
      review: pairs.filter((p) => p.decision === 'review').length,
      clustersMerged: merged.length,
      recordsInMergedClusters: merged.reduce((s, c) => s + c.members.length, 0),
      oversized: clusters.filter((c) => c.oversized).length,
    },
    explain: (x, y) => {
      const a = prepared[x]
      const b = prepared[y]
      const g = new Int8Array(K)
      for (let k = 0; k < K; k++) g[k] = comparisons[k].compare(a, b)
      return scorer.explain(g, a, b)
    },
  }
}

/** Same birth date, family name and address, different given names (not nicknames or near spellings). */
function likelyTwins(a: PreparedRecord, b: PreparedRecord): boolean {
  if (!a.dob || a.dob !== b.dob || !a.familyCompact || a.familyCompact !== b.familyCompact) return false
  const sameAddress = (a.street && a.street === b.street && a.houseNumber === b.houseNumber) || (a.phone && a.phone === b.phone)
  if (!sameAddress || !a.given || !b.given || a.given === b.given) return false
  // Twins do not share an SSN; one that agrees (or nearly) says the given name is a typo.
  if (a.ssn && b.ssn && (a.ssn === b.ssn || SSN_COMPARISON.compare(a, b) === 1)) return false
  return GIVEN_COMPARISON.compare(a, b) === GIVEN_COMPARISON.levels.length - 1
}
