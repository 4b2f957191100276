/**
 * Fellegi-Sunter parameters without labels: u (how often non-matches agree at each level) from random pairs,
 * m (how often matches do) and the match share by EM over the candidate pairs, the prior (lambda) over ALL pairs.
 * Reviewer decisions enter the EM as pairs whose class is known.
 */
import {type Comparison} from './compare.js'
import {type PreparedRecord} from './prepared.js'

export interface FsModel {
  fields: string[]
  levels: string[][]
  m: number[][]
  u: number[][]
  /** Prior probability that two records drawn at random from all pairs are the same person. */
  lambda: number
  /** Share of the candidate pairs that EM takes to be matches. */
  candidateMatchShare: number
  emIterations: number
  /** Value frequencies for the term-frequency adjustment, per comparison that has one. */
  tf: Array<Map<string, number> | undefined>
  /** Reviewer decisions (candidate pairs of known class) that entered the estimate. */
  labelled?: {same: number; different: number}
}

/** A small deterministic PRNG (mulberry32), so runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** u per comparison and level, from random pairs (across sides for linkage), smoothed so no level is 0. */
export function estimateU(records: PreparedRecord[], comparisons: Comparison[], opts: {samples?: number; linkOnly?: boolean; seed?: number} = {}): number[][] {
  const n = records.length
  const counts = comparisons.map((c) => new Array<number>(c.levels.length).fill(0))
  if (n < 2) return counts.map((row) => row.map(() => 1 / row.length))
  const rnd = seededRandom(opts.seed ?? 42)
  const samples = opts.samples ?? Math.min(100_000, (n * (n - 1)) / 2)
  const side0 = opts.linkOnly ? records.filter((r) => r.side === 0) : records
  const side1 = opts.linkOnly ? records.filter((r) => r.side === 1) : records
  for (let s = 0; s < samples; s++) {
    const a = side0[Math.floor(rnd() * side0.length)]
    const b = side1[Math.floor(rnd() * side1.length)]
    if (a === b) continue
    for (let k = 0; k < comparisons.length; k++) {
      const l = comparisons[k].compare(a, b)
      if (l >= 0) counts[k][l]++
    }
  }
  return counts.map((row) => {
    const total = row.reduce((x, y) => x + y, 0)
    return row.map((c) => (c + 0.5) / (total + 0.5 * row.length))
  })
}

/** Frequency of each value among the records that have one, for the comparisons with a term-frequency adjustment. */
export function termFrequencies(records: PreparedRecord[], comparisons: Comparison[]): Array<Map<string, number> | undefined> {
  return termFrequenciesByRecord(records, comparisons).map((t) => t?.byValue)
}

/**
 * Term frequencies by value and, for each record (by index), the frequency of its own value (0 when it has none):
 * one map lookup per record, which the scorer then reads by index instead of looking every value up again.
 */
export function termFrequenciesByRecord(records: PreparedRecord[], comparisons: Comparison[]): Array<{byValue: Map<string, number>; ofRecord: Float64Array} | undefined> {
  return comparisons.map((c) => {
    if (!c.tfValue) return undefined
    const ids = new Map<string, number>()
    const values: string[] = []
    const counts: number[] = []
    const idOf = new Int32Array(records.length).fill(-1)
    let total = 0
    for (const r of records) {
      const v = c.tfValue(r)
      if (!v) continue
      total++
      let id = ids.get(v)
      if (id === undefined) {
        id = values.length
        ids.set(v, id)
        values.push(v)
        counts.push(0)
      }
      counts[id]++
      idOf[r.index] = id
    }
    const byValue = new Map<string, number>()
    for (let id = 0; id < values.length; id++) byValue.set(values[id], counts[id] / total)
    const ofRecord = new Float64Array(records.length)
    for (let i = 0; i < records.length; i++) if (idOf[i] >= 0) ofRecord[i] = counts[idOf[i]] / total
    return {byValue, ofRecord}
  })
}

export interface EmInput {
  /** Gamma vectors, K bytes per candidate pair. */
  gammas: Int8Array
  pairCount: number
  /** Known classes from reviewer decisions: pair index -> 1 (same) or 0 (not). */
  labels?: Map<number, 0 | 1>
  /** Number of pairs the prior is taken over (all pairs, not only candidates). */
  totalPairs: number
}

/** EM for m and the match share over the candidate pairs; u is re-estimated inside the candidates but the
 * returned u is the random-pair u given (the one that holds over all pairs). */
export function estimateByEm(comparisons: Comparison[], uRandom: number[][], input: EmInput, opts: {maxIterations?: number; tf?: FsModel["tf"]; fixU?: boolean} = {}): FsModel {
  const K = comparisons.length
  if (K > 13) throw new Error('estimateByEm: at most 13 comparisons (the pattern key is one number)')
  // Identical gamma vectors share one E step.
  const patterns = new Map<number, {g: Int8Array; count: number}>()
  const labelled: Array<{g: Int8Array; r: number}> = []
  const gammas = input.gammas
  const labels = input.labels?.size ? input.labels : undefined
  for (let p = 0; p < input.pairCount; p++) {
    const label = labels?.get(p)
    if (label !== undefined) {
      labelled.push({g: gammas.subarray(p * K, p * K + K), r: label})
      continue
    }
    // A number per vector: each level + 1 (0 = missing) as one base-16 digit; exact for up to 13 comparisons.
    let key = 0
    for (let k = p * K, end = p * K + K; k < end; k++) key = key * 16 + gammas[k] + 1
    const e = patterns.get(key)
    if (e) e.count++
    else patterns.set(key, {g: gammas.subarray(p * K, p * K + K), count: 1})
  }
  const pats = [...patterns.values()]

  let m = comparisons.map((c) => c.levels.map((_, l) => (l === c.levels.length - 1 ? 0.05 : 0.95 * Math.pow(0.5, l + 1))))
  m = m.map((row) => {
    const t = row.reduce((x, y) => x + y, 0)
    return row.map((v) => v / t)
  })
  let u = uRandom.map((row) => [...row])
  let p = 0.1
  const maxIt = opts.maxIterations ?? 50
  let it = 0
  for (; it < maxIt; it++) {
    const mNum = comparisons.map((c) => new Array<number>(c.levels.length).fill(0.01))
    const uNum = comparisons.map((c) => new Array<number>(c.levels.length).fill(0.01))
    let sumR = 0
    let sumAll = 0
    const logPrior = Math.log(p / (1 - p))
    const lm = m.map((row) => row.map(Math.log))
    const lu = u.map((row) => row.map(Math.log))
    const accumulate = (g: Int8Array, r: number, count: number) => {
      sumR += r * count
      sumAll += count
      for (let k = 0; k < K; k++) {
        const l = g[k]
        if (l < 0) continue
        mNum[k][l] += r * count
        uNum[k][l] += (1 - r) * count
      }
    }
    for (const {g, count} of pats) {
      let w = logPrior
      for (let k = 0; k < K; k++) {
        const l = g[k]
        if (l >= 0) w += lm[k][l] - lu[k][l]
      }
      const r = 1 / (1 + Math.exp(-w))
      accumulate(g, r, count)
    }
    for (const {g, r} of labelled) accumulate(g, r, 1)
    const newM = mNum.map((row) => {
      const t = row.reduce((x, y) => x + y, 0)
      return row.map((v) => v / t)
    })
    const newU = uNum.map((row) => {
      const t = row.reduce((x, y) => x + y, 0)
      return row.map((v) => v / t)
    })
    const newP = Math.min(Math.max(sumR / Math.max(sumAll, 1), 1e-9), 1 - 1e-9)
    let delta = Math.abs(newP - p)
    for (let k = 0; k < K; k++) for (let l = 0; l < newM[k].length; l++) delta = Math.max(delta, Math.abs(newM[k][l] - m[k][l]))
    m = newM
    if (!opts.fixU) u = newU
    p = newP
    if (delta < 1e-5) {
      it++
      break
    }
  }
  const expectedMatches = p * input.pairCount
  const lambda = Math.min(Math.max(expectedMatches / Math.max(input.totalPairs, 1), 1e-12), 0.5)
  return {
    fields: comparisons.map((c) => c.field),
    levels: comparisons.map((c) => c.levels),
    m,
    u: uRandom,
    lambda,
    candidateMatchShare: p,
    emIterations: it,
    tf: opts.tf ?? comparisons.map(() => undefined),
    labelled: {same: labelled.filter((x) => x.r === 1).length, different: labelled.filter((x) => x.r === 0).length},
  }
}
