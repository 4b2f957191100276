/**
 * Match weights and probabilities: log2 Bayes factors per field, the prior over all pairs, and the
 * term-frequency adjustment (an exact match on a rare name weighs more than on a common one).
 */
import {type Comparison} from './compare.js'
import {type FsModel} from './estimate.js'
import {type PreparedRecord} from './prepared.js'

export interface FieldWeight {
  field: string
  /** Level name, or "missing". */
  level: string
  /** log2 Bayes factor of this field's level (term-frequency adjustment included). */
  weight: number
}

export interface PairExplanation {
  priorWeight: number
  fields: FieldWeight[]
  totalWeight: number
  probability: number
}

export const probabilityOf = (weight: number) => 1 / (1 + Math.pow(2, -weight))

export class Scorer {
  readonly levelWeights: number[][]
  readonly priorWeight: number

  /** Per comparison with a term-frequency adjustment: the frequency of each record's value (by record index). */
  private readonly tfOf: Array<Float64Array | undefined>
  private readonly tfLevel: Array<Uint8Array | undefined>

  /**
   * `tfOfRecord`: per comparison, the frequency of each record's value by index when the caller has it already
   * (termFrequenciesByRecord); otherwise it is looked up here from the model's frequencies.
   */
  constructor(readonly model: FsModel, readonly comparisons: Comparison[], records: PreparedRecord[] = [], tfOfRecord?: Array<Float64Array | undefined>) {
    this.levelWeights = model.m.map((row, k) => row.map((m, l) => Math.log2(m / model.u[k][l])))
    this.priorWeight = Math.log2(model.lambda / (1 - model.lambda))
    this.tfOf = comparisons.map((c, k) => {
      const freq = model.tf[k]
      if (!freq || !c.tfValue) return undefined
      if (tfOfRecord?.[k] && tfOfRecord[k]!.length === records.length) return tfOfRecord[k]
      const out = new Float64Array(records.length)
      for (const r of records) out[r.index] = freq.get(c.tfValue(r) ?? '') ?? 0
      return out
    })
    this.tfLevel = comparisons.map((c) => (c.tfLevels ? Uint8Array.from(c.levels, (_, l) => (c.tfLevels!.includes(l) ? 1 : 0)) : undefined))
  }

  private tfAdjustment(k: number, level: number, a: PreparedRecord, b: PreparedRecord): number {
    const levels = this.tfLevel[k]
    if (!levels || !levels[level]) return 0
    const pre = this.tfOf[k]
    let f: number
    if (pre && a.index < pre.length && b.index < pre.length) f = Math.max(pre[a.index], pre[b.index])
    else {
      const freq = this.model.tf[k]
      const c = this.comparisons[k]
      if (!freq || !c.tfValue) return 0
      f = Math.max(freq.get(c.tfValue(a) ?? '') ?? 0, freq.get(c.tfValue(b) ?? '') ?? 0)
    }
    if (!f) return 0
    return Math.log2(this.model.u[k][level] / f)
  }

  /**
   * The total match weight of the pair of records ia and ib from its gamma vector at gammas[offset...]: the same sum
   * as weight(), without a view per pair or reading the records (the scoring loop over millions of candidates).
   */
  weightAt(gammas: Int8Array, offset: number, ia: number, ib: number): number {
    let w = this.priorWeight
    for (let k = 0; k < this.levelWeights.length; k++) {
      const l = gammas[offset + k]
      if (l < 0) continue
      const levels = this.tfLevel[k]
      const pre = this.tfOf[k]
      const f = levels && levels[l] && pre ? Math.max(pre[ia], pre[ib]) : 0
      // Added as weight() adds it (level weight plus adjustment, then to the total): the same float.
      w += this.levelWeights[k][l] + (f ? Math.log2(this.model.u[k][l] / f) : 0)
    }
    return w
  }

  /** The total match weight of a pair from its gamma vector. */
  weight(g: Int8Array, a: PreparedRecord, b: PreparedRecord): number {
    let w = this.priorWeight
    for (let k = 0; k < g.length; k++) {
      const l = g[k]
      if (l < 0) continue
      w += this.levelWeights[k][l] + this.tfAdjustment(k, l, a, b)
    }
    return w
  }

  explain(g: Int8Array, a: PreparedRecord, b: PreparedRecord): PairExplanation {
    const fields: FieldWeight[] = []
    let total = this.priorWeight
    for (let k = 0; k < g.length; k++) {
      const l = g[k]
      if (l < 0) {
        fields.push({field: this.comparisons[k].field, level: 'missing', weight: 0})
        continue
      }
      const w = this.levelWeights[k][l] + this.tfAdjustment(k, l, a, b)
      total += w
      fields.push({field: this.comparisons[k].field, level: this.comparisons[k].levels[l], weight: round(w)})
    }
    return {priorWeight: round(this.priorWeight), fields, totalWeight: round(total), probability: probabilityOf(total)}
  }
}

const round = (x: number) => Math.round(x * 100) / 100
