import {formatReject} from '../records/types.js'
import {type ImportResult} from './import.js'

const n = (x: number) => x.toLocaleString('en-US')

/** The closing summary of an import: counts that add up to the input, the strategy, where the rejects went. */
export function renderImportSummary(r: ImportResult): string[] {
  const c = r.counts
  const lines: string[] = []
  if (r.strategy) lines.push(`strategy: ${r.strategy.reason}`)
  const types = Object.entries(r.byType).map(([t, k]) => `${t} ${n(k)}`).join(', ')
  if (r.dryRun) {
    lines.push(`dry run, nothing written to "${r.endpoint}": ${n(c.in)} in = ${n(c.in - c.merged - c.rejected)} to write + ${n(c.merged)} merged duplicates + ${n(c.rejected)} rejected`)
    if (types) lines.push(`  would write ${types} in ${n(r.transactions)} transaction(s)`)
  } else if (!r.strategy) {
    lines.push(
      `${n(c.in)} in = ${n(c.created)} acknowledged + ${n(c.rejected)} rejected` +
        (c.skipped ? ` + ${n(c.skipped)} answered in the interrupted run` : '') +
        ` → MLLP "${r.endpoint}" in ${(r.durationMs / 1000).toFixed(1)}s`,
    )
  } else {
    lines.push(
      `${n(c.in)} in = ${n(c.created)} created + ${n(c.updated)} updated + ${n(c.unchanged)} unchanged + ${n(c.merged)} merged duplicates + ${n(c.rejected)} rejected` +
        (c.skipped ? ` + ${n(c.skipped)} confirmed by the interrupted run` : '') +
        ` → "${r.endpoint}" in ${(r.durationMs / 1000).toFixed(1)}s (${n(r.transactions)} transaction(s), ${n(c.retried)} retried request(s))`,
    )
  }
  if (r.rejectsFile) {
    lines.push(`  rejected records with their reasons: ${r.rejectsFile}`)
    // The server's diagnostics may quote the submitted values: on the console they are elided (the file keeps them).
    for (const s of r.rejectSample.slice(0, 5)) lines.push(`  ${formatReject(s).replace(/element="[^"]*"|"[^"]*"|'[^']*'/g, (q) => (q.startsWith('element=') ? q : '"…"'))}`)
    if (c.rejected > 5) lines.push(`  … and ${n(c.rejected - 5)} more in the rejects file`)
  }
  if (r.interrupted)
    lines.push(`interrupted: the ${r.strategy ? 'transactions' : 'message'} in flight ${r.strategy ? 'were' : 'was'} finished and recorded in ${r.journal}; nothing after ${r.strategy ? 'them' : 'it'} was sent`)
  if (!r.balanced && !r.interrupted) lines.push('internal error: the counts do not add up; please report this')
  return lines
}
