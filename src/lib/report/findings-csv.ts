import {type FindingsReport} from './findings-report.js'

export const FINDINGS_CSV_HEADER = ['severity', 'rule', 'message', 'file', 'line', 'record', 'column', 'expression', 'path', 'value']

/** A cell for a spreadsheet: quoted when needed, and text that Excel would run as a formula made inert. */
export function csvCell(v: string | number | undefined): string {
  if (v === undefined) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One finding per line, in the order found. The value column is empty unless the report holds values. */
export function* renderFindingsCsv(r: FindingsReport): Generator<string> {
  yield FINDINGS_CSV_HEADER.join(',') + '\r\n'
  for (const f of r.findings) {
    const l = f.location
    yield [f.severity, f.rule, f.message, l.file, l.line, l.record, l.column, l.expression, l.path, f.value].map(csvCell).join(',') + '\r\n'
  }
}
