import {type FieldCompleteness} from '../report/findings-report.js'

/**
 * Counts, per kind of record, how many records have a value in each field: for the completeness chart of
 * FHIR resources (top-level elements, per resource type) and HL7 messages (PID, PV1 fields).
 */
export class CompletenessCounter {
  private readonly totals = new Map<string, number>()
  private readonly filled = new Map<string, Map<string, number>>()

  constructor(private readonly required: (kind: string, field: string) => boolean = () => false) {}

  /** One record of this kind, with the fields it has a value in. */
  record(kind: string, fields: Iterable<string>): void {
    this.totals.set(kind, (this.totals.get(kind) ?? 0) + 1)
    let m = this.filled.get(kind)
    if (!m) this.filled.set(kind, (m = new Map()))
    for (const f of fields) m.set(f, (m.get(f) ?? 0) + 1)
  }

  /** Fields seen at least once, or listed in `always` (so an empty field shows as 0%). */
  result(file: string, always: Record<string, string[]> = {}): FieldCompleteness[] {
    const out: FieldCompleteness[] = []
    for (const [kind, total] of this.totals) {
      const m = this.filled.get(kind)!
      const fields = new Set([...(always[kind] ?? []), ...m.keys()])
      for (const field of fields) out.push({file, field, role: kind, required: this.required(kind, field), filled: m.get(field) ?? 0, total})
    }
    return out
  }
}
