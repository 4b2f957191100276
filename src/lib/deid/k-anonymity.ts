import {type Resource} from '../formats/fhir/reader.js'
import {fhirpathEngine} from './fhir-model.js'

/** Equivalence classes over quasi-identifiers, counted as records stream by. */
export class QuasiIdentifierClasses {
  readonly sizes = new Map<string, number>()
  records = 0

  add(values: string[]): string {
    const key = JSON.stringify(values)
    this.sizes.set(key, (this.sizes.get(key) ?? 0) + 1)
    this.records++
    return key
  }
}

export interface KAnonymityReport {
  quasiIdentifiers: string[]
  k: number
  records: number
  classes: number
  /** The smallest class: the data set is k-anonymous for this k. */
  smallestClass: number
  /** class size -> number of classes of that size. */
  histogram: Record<string, number>
  recordsBelowK: number
  shareBelowK: number
  /** 1 / smallest class: the prosecutor risk of the most exposed record. */
  highestRisk: number
  /** Mean over records of 1 / class size (= classes / records). */
  averageRisk: number
  suppressed?: number
}

/** The k-anonymity report ARX gives: smallest class, histogram, share below k, highest and average risk. */
export function kAnonymityReport(c: QuasiIdentifierClasses, quasiIdentifiers: string[], k: number): KAnonymityReport {
  const histogram: Record<string, number> = {}
  let smallest = Infinity
  let below = 0
  for (const size of c.sizes.values()) {
    histogram[size] = (histogram[size] ?? 0) + 1
    if (size < smallest) smallest = size
    if (size < k) below += size
  }
  const records = c.records
  return {
    quasiIdentifiers,
    k,
    records,
    classes: c.sizes.size,
    smallestClass: records === 0 ? 0 : smallest,
    histogram,
    recordsBelowK: below,
    shareBelowK: records === 0 ? 0 : below / records,
    highestRisk: records === 0 ? 0 : 1 / smallest,
    averageRisk: records === 0 ? 0 : c.sizes.size / records,
  }
}

/** The quasi-identifiers of a de-identified FHIR Patient: each FHIRPath (relative to Patient), values joined. */
export function fhirQuasiIdentifiers(r: Resource, qis: string[]): string[] {
  return qis.map((q) => fhirpathEngine().evaluate(r, q.startsWith('Patient.') ? q : `Patient.${q}`).map(String).join('|'))
}
