import {type Finding, type FindingCollector, type FindingCounts, type RecordScore, type RuleCount} from '../validate/findings.js'

/** The JSON schema id of a findings report; bumped only when a field changes meaning or goes away. */
export const FINDINGS_REPORT_SCHEMA = 'himkit.findings/v1'

export interface ReportInput {
  file: string
  format: string
  records: number
  /** CSV: the mapping the header was read with. */
  mapping?: string
  /** A file that could not be read at all (missing, unreadable): why. */
  error?: {code: string; message: string; exit?: number}
}

export interface FieldCompleteness {
  file: string
  field: string
  /** What the field holds (a mapping role, a FHIR element). */
  role?: string
  /** A field every record should have: the chart colours its gaps. */
  required?: boolean
  filled: number
  total: number
}

/**
 * One report model for every command that finds problems in records (validate first; deid verify, dedupe
 * review can reuse it): what was read, counts by severity and rule, the worst records, field completeness and
 * the findings themselves. Every renderer (text, JSON, CSV, HTML) takes this shape.
 */
export interface FindingsReport {
  schema: typeof FINDINGS_REPORT_SCHEMA
  title: string
  tool: string
  generatedAt: string
  options: Record<string, string | boolean | undefined>
  inputs: ReportInput[]
  records: number
  counts: FindingCounts
  recordsWithErrors: number
  recordsWithWarnings: number
  byRule: RuleCount[]
  worst: RecordScore[]
  completeness: FieldCompleteness[]
  findings: Finding[]
  /** Findings counted but not kept (past the report's limit). */
  findingsOmitted: number
  durationMs: number
}

export function buildFindingsReport(a: {
  title: string
  tool: string
  options: FindingsReport['options']
  inputs: ReportInput[]
  collector: FindingCollector
  describe: (rule: string) => string
  completeness: FieldCompleteness[]
  durationMs: number
  now?: Date
  worstCount?: number
}): FindingsReport {
  const c = a.collector
  const byRule = [...c.byRule.entries()]
    .map(([rule, v]) => ({rule, severity: v.severity, description: a.describe(rule), count: v.count}))
    .sort((x, y) => sevOrder(y.severity) - sevOrder(x.severity) || y.count - x.count || x.rule.localeCompare(y.rule))
  return {
    schema: FINDINGS_REPORT_SCHEMA,
    title: a.title,
    tool: a.tool,
    generatedAt: (a.now ?? new Date()).toISOString(),
    options: a.options,
    inputs: a.inputs,
    records: a.inputs.reduce((n, i) => n + i.records, 0),
    counts: {...c.counts},
    recordsWithErrors: c.recordsWith('error'),
    recordsWithWarnings: c.recordsWith('warning'),
    byRule,
    worst: c.worst(a.worstCount ?? 20).filter((w) => w.errors + w.warnings > 0),
    completeness: a.completeness,
    findings: c.findings,
    findingsOmitted: c.omitted,
    durationMs: a.durationMs,
  }
}

const sevOrder = (s: string) => (s === 'error' ? 3 : s === 'warning' ? 2 : 1)
