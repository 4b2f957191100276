import {type PlannedEntry, referencesOf, type Unit} from './transaction.js'

/** A transaction to send: entries each Type/id once, and every key it writes or references (for ordering). */
export interface PlannedBatch {
  seq: number
  units: Unit[]
  /** Keys it writes and keys its resources reference: it must not run beside a batch writing any of them. */
  touches: Set<string>
}

/**
 * Groups input records into transactions of about `batchSize` entries, a record's resources always together,
 * and merges duplicates before anything is sent:
 * - the same Type/id twice in the batch being filled: the later version replaces the earlier in place (merged);
 * - the same Type/id with the same content as one already sent: not sent again (merged);
 * - the same Type/id with other content than one already sent: sent, in a later transaction (an update), which the
 *   dispatcher never runs beside the earlier one (see `touches`).
 * Pure: no I/O. Memory: a digest per distinct Type/id seen (and its identifier with keepIdentifiers).
 */
export class TransactionPlanner {
  private units: Unit[] = []
  private index = new Map<string, {unit: number; pos: number}>()
  private size = 0
  private seq = 0
  /** Type/id -> digest of the version planned last. */
  private readonly planned = new Map<string, string>()
  /** Type/id -> identifier (system|value), for conditional references across transactions. */
  readonly identifiers = new Map<string, string>()
  merged = 0

  /** keepIdentifiers: remember each Type/id's identifier (the conditional strategies reference across transactions). */
  constructor(
    private readonly batchSize: number,
    private readonly keepIdentifiers = false,
  ) {}

  /** Add one record's resources; returns a batch when one is full. */
  add(unit: Unit): PlannedBatch | undefined {
    const kept: PlannedEntry[] = []
    for (const e of unit) {
      const at = this.index.get(e.key)
      if (at) {
        this.units[at.unit][at.pos] = e
        this.planned.set(e.key, e.digest)
        this.merged++
        continue
      }
      if (this.planned.get(e.key) === e.digest) {
        this.merged++
        continue
      }
      kept.push(e)
    }
    if (kept.length === 0) return undefined
    let full: PlannedBatch | undefined
    if (this.size > 0 && this.size + kept.length > this.batchSize) full = this.flush()
    const u = this.units.length
    kept.forEach((e, pos) => {
      this.index.set(e.key, {unit: u, pos})
      this.planned.set(e.key, e.digest)
      if (this.keepIdentifiers) this.identifiers.set(e.key, e.identifier)
    })
    this.units.push(kept)
    this.size += kept.length
    return full
  }

  /** The batch being filled, if any. */
  flush(): PlannedBatch | undefined {
    if (this.size === 0) return undefined
    const units = this.units
    this.units = []
    this.index = new Map()
    this.size = 0
    return makeBatch(++this.seq, units)
  }
}

export function makeBatch(seq: number, units: Unit[]): PlannedBatch {
  const touches = new Set<string>()
  for (const u of units)
    for (const e of u) {
      touches.add(e.key)
      for (const r of referencesOf(e.resource)) if (/^[A-Z][A-Za-z]+\/[^/?]+$/.test(r)) touches.add(r)
    }
  return {seq, units, touches}
}

export const entriesOf = (b: {units: Unit[]}): PlannedEntry[] => b.units.flat()
