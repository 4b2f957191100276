import {formatReject} from '../records/types.js'
import {type ExportResult} from './export.js'

const n = (x: number) => x.toLocaleString('en-US')

/** The closing summary of an export: the method and why, the counts that add up, what was written, the state. */
export function renderExportSummary(r: ExportResult): string[] {
  const c = r.counts
  const lines: string[] = [`method: ${r.method === 'bulk' ? 'bulk $export' : 'paged search'} (${r.methodReason})`]
  if (r.sinceSource === 'state') lines.push(`changes since ${r.since} (the last complete export of this scope)`)
  else if (r.sinceSource === 'none') lines.push('no earlier export of this scope on record: exported everything')
  else if (r.since) lines.push(`changes since ${r.since}`)
  const types = Object.entries(c.byType).map(([t, k]) => `${t} ${n(k)}`).join(', ')
  lines.push(
    `${n(c.in)} received = ${n(c.unique)} exported + ${n(c.duplicates)} duplicates (same Type/id twice; the latest kept) + ${n(c.in - c.unique - c.duplicates)} rejected` +
      ` from "${r.endpoint}" in ${(r.durationMs / 1000).toFixed(1)}s`,
  )
  if (types) lines.push(`  ${types}`)
  const where = r.output === '-' ? 'stdout' : r.outputs.length > 1 ? `${r.output} (${r.outputs.length} files, one per type)` : r.outputs[0] ?? r.output
  if (r.to === 'csv') lines.push(`  ${n(r.written.out)} patients written to ${where}${r.written.rejected ? `, ${n(r.written.rejected)} could not be written as CSV` : ''}`)
  else if (r.to === 'hl7') lines.push(`  ${n(r.written.out)} HL7 v2 messages (one per patient or record) written to ${where}${r.written.rejected ? `, ${n(r.written.rejected)} could not be written as HL7` : ''}`)
  else lines.push(`  written to ${where}`)
  if (r.bulk) {
    const extra = [r.bulk.retried ? `${n(r.bulk.retried)} downloaded again after a broken transfer` : '', r.bulk.serverErrors ? `${n(r.bulk.serverErrors)} errors reported by the server` : '']
    lines.push(`  ${n(r.bulk.files)} bulk file(s)${extra.filter(Boolean).map((x) => `, ${x}`).join('')}`)
  }
  if (r.search?.offsetContinuations) lines.push(`  the server left out ${n(r.search.offsetContinuations)} next page link(s): carried on with _offset`)
  if (r.rejectsFile) {
    lines.push(`  rejected records with their reasons: ${r.rejectsFile}`)
    for (const s of r.rejectSample.slice(0, 5)) lines.push(`  ${formatReject(s)}`)
  }
  if (r.stateSaved) lines.push(`next incremental run (--since last) starts at ${r.transactionTime}`)
  if (!r.balanced) lines.push('internal error: the counts do not add up; please report this')
  return lines
}
