/** Where a record came from: enough for a person to find it, never the record's values. */
export interface SourceLocation {
  file: string
  /** 1-based physical line where the record starts (CSV, NDJSON, HL7 segment). */
  line?: number
  /** 1-based record number within the file (CSV data row, NDJSON line, Bundle entry, HL7 message). */
  record?: number
  /** Column, element path or HL7 field, when a problem is about one field. */
  field?: string
}

export interface Located<T> {
  value: T
  loc: SourceLocation
}

/** A record that could not be read or converted, with why. `raw` is kept for the rejects file only. */
export interface Reject {
  loc: SourceLocation
  code: string
  reason: string
  raw?: unknown
}

/** What a reader yields: a record, or a reject in its place. */
export type ReadResult<T> = ({ok: true} & Located<T>) | ({ok: false} & Reject)

export function formatLocation(loc: SourceLocation): string {
  const parts = [loc.file]
  if (loc.line !== undefined) parts.push(`line ${loc.line}`)
  else if (loc.record !== undefined) parts.push(`record ${loc.record}`)
  let s = parts.join(':')
  if (loc.field) s += `, ${loc.field}`
  return s
}

/** `file:line N, FIELD: reason` without saying the field twice. */
export function formatReject(r: {loc: SourceLocation; reason: string}): string {
  const sayField = r.loc.field && !r.reason.startsWith(`column ${r.loc.field}`)
  return `${formatLocation(sayField ? r.loc : {...r.loc, field: undefined})}: ${r.reason}`
}

/** Counts that add up: in = out + rejected. */
export class Tally {
  in = 0
  out = 0
  rejected = 0
  readonly byCode = new Map<string, number>()

  reject(code: string): void {
    this.rejected++
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1)
  }

  balanced(): boolean {
    return this.in === this.out + this.rejected
  }

  toJSON() {
    return {in: this.in, out: this.out, rejected: this.rejected, rejectedByCode: Object.fromEntries(this.byCode)}
  }
}
