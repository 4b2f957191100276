/**
 * The findings model: one shape for every format and every report. A finding says how bad (severity), which
 * rule, what is wrong (never the value) and where. The value itself rides along only when the user asked for
 * it (--show-values), because reports get shared.
 */
export const SEVERITIES = ['error', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const severityRank: Record<Severity, number> = {error: 3, warning: 2, info: 1}

export interface FindingLocation {
  file: string
  /** 1-based physical line where the record starts (CSV row, NDJSON line, HL7 segment). */
  line?: number
  /** 1-based record number in the file (CSV data row, NDJSON line, Bundle entry, HL7 message). */
  record?: number
  /** CSV: the column's header name. */
  column?: string
  /** FHIR: a FHIRPath expression for the element, e.g. Patient.name[0].given[1]. */
  expression?: string
  /** HL7 v2: the field path, e.g. PID-5.1. */
  path?: string
}

export interface Finding {
  severity: Severity
  rule: string
  message: string
  location: FindingLocation
  /** The offending value, only with --show-values. */
  value?: string
}

/** Where a finding points, as one line: `file:line 12 (row 11), column DOB`. */
export function formatFindingLocation(l: FindingLocation): string {
  let s = l.file
  if (l.line !== undefined) s += `:line ${l.line}`
  if (l.record !== undefined) s += l.line !== undefined ? ` (record ${l.record})` : `:record ${l.record}`
  const where = l.column !== undefined ? `column ${l.column}` : l.expression ?? l.path
  if (where) s += `, ${where}`
  return s
}

export interface RuleCount {
  rule: string
  severity: Severity
  description: string
  count: number
}

/** A record with the most findings, for "the worst rows". */
export interface RecordScore {
  file: string
  record?: number
  line?: number
  errors: number
  warnings: number
  infos: number
}

export interface FindingCounts {
  error: number
  warning: number
  info: number
}

/**
 * Keeps what a report needs: counts by severity and rule for every finding, per-record tallies, and the findings
 * themselves up to `limit` (so a million bad rows do not fill memory; the counts stay exact).
 */
export class FindingCollector {
  readonly counts: FindingCounts = {error: 0, warning: 0, info: 0}
  readonly byRule = new Map<string, {severity: Severity; count: number}>()
  readonly findings: Finding[] = []
  omitted = 0
  private readonly perRecord = new Map<string, RecordScore>()

  constructor(private readonly limit = 100_000, private readonly recordLimit = 200_000) {}

  add(f: Finding): void {
    this.counts[f.severity]++
    const r = this.byRule.get(f.rule)
    if (r) {
      r.count++
      if (severityRank[f.severity] > severityRank[r.severity]) r.severity = f.severity
    } else this.byRule.set(f.rule, {severity: f.severity, count: 1})
    if (this.findings.length < this.limit) this.findings.push(f)
    else this.omitted++
    // Findings about a file as a whole (its header, a Bundle's own fields) are not about a record.
    if (f.location.record === undefined) return
    const key = `${f.location.file}\u0000${f.location.record}`
    let s = this.perRecord.get(key)
    if (!s) {
      if (this.perRecord.size >= this.recordLimit) return
      s = {file: f.location.file, record: f.location.record, line: f.location.line, errors: 0, warnings: 0, infos: 0}
      this.perRecord.set(key, s)
    }
    if (f.severity === 'error') s.errors++
    else if (f.severity === 'warning') s.warnings++
    else s.infos++
  }

  addAll(fs: Iterable<Finding>): void {
    for (const f of fs) this.add(f)
  }

  get total(): number {
    return this.counts.error + this.counts.warning + this.counts.info
  }

  /** Records with findings (up to the record limit). */
  get recordsWithFindings(): number {
    return this.perRecord.size
  }

  recordsWith(severity: 'error' | 'warning'): number {
    let n = 0
    for (const s of this.perRecord.values()) if ((severity === 'error' ? s.errors : s.warnings) > 0) n++
    return n
  }

  /** The records with most errors, then most warnings. */
  worst(n: number): RecordScore[] {
    return [...this.perRecord.values()]
      .sort((a, b) => b.errors - a.errors || b.warnings - a.warnings || (a.record ?? 0) - (b.record ?? 0))
      .slice(0, n)
  }
}

/** Does a run with these counts reach --fail-on? */
export function reachesFailOn(counts: FindingCounts, failOn: 'error' | 'warning' | 'never'): boolean {
  if (failOn === 'never') return false
  if (failOn === 'warning') return counts.error + counts.warning > 0
  return counts.error > 0
}
