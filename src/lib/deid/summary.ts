import chalk from 'chalk'

import {formatReject} from '../records/types.js'
import {type DeidResult} from './deidentify-files.js'

const n = (x: number) => x.toLocaleString('en-US')
const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** The closing summary of `him deid`: what the output is, counts that add up, column decisions, notices. */
export function renderDeidSummary(r: DeidResult): string[] {
  const lines: string[] = [chalk.bold(r.label)]
  for (const f of r.files) {
    if (f.error) {
      lines.push(chalk.red(`✗ ${f.error.message}`))
      continue
    }
    const sup = f.suppressed ? `, ${n(f.suppressed)} suppressed (k-anonymity)` : ''
    const how = `${f.format}${f.mapping ? `, mapping ${f.mapping}` : ''}${f.workers ? `, ${f.workers} worker threads` : ''}`
    lines.push(`${f.input} (${how}) → ${f.output === '-' ? 'stdout' : f.output}: ${n(f.in)} in, ${n(f.out)} out, ${n(f.rejected - f.suppressed)} rejected${sup}`)
    const cols = f.columns ?? []
    if (cols.length) {
      const by = (pred: (c: (typeof cols)[number]) => boolean) => cols.filter(pred).map((c) => c.column)
      const kept = by((c) => c.method === 'keep')
      const unknown = by((c) => c.category === 'unknown')
      lines.push(`  columns: ${cols.length - kept.length} changed, ${kept.length} kept${kept.length ? ` (${kept.join(', ')})` : ''}`)
      if (unknown.length) lines.push(chalk.yellow(`  not recognised, so emptied: ${unknown.join(', ')} (keep with --keep-column NAME, scrub with --scrub-column NAME)`))
    }
  }
  const c = r.counts
  const ok = r.exitCode === 0
  lines.push(
    (ok ? chalk.green('✓ ') : chalk.yellow('! ')) +
      `${n(c.in)} in = ${n(c.out)} out + ${n(c.rejected - c.suppressed)} rejected${c.suppressed ? ` + ${n(c.suppressed)} suppressed` : ''} in ${(r.durationMs / 1000).toFixed(1)}s`,
  )
  const methods = Object.entries(r.byMethod).map(([m, k]) => `${m} ${n(k)}`).join(', ')
  if (methods) lines.push(`  values changed by method: ${methods}`)
  for (const w of r.warnings) lines.push(chalk.yellow(`  warning: ${w.message}${w.count > 1 ? ` (${n(w.count)} times)` : ''}`))
  if (r.rejectsFile) {
    lines.push(`  rejected records (locations and reasons, no values): ${r.rejectsFile}`)
    for (const s of r.rejectSample.slice(0, 5)) lines.push(`  ${formatReject(s)}`)
  }
  if (r.kAnonymity) {
    const k = r.kAnonymity
    lines.push(`k-anonymity on ${k.quasiIdentifiers.join(', ')}: smallest class ${n(k.smallestClass)} (k=${k.k} ${k.smallestClass >= k.k ? chalk.green('met') : chalk.red('not met')}), ${n(k.classes)} classes over ${n(k.records)} records`)
    lines.push(`  records in classes below k: ${n(k.recordsBelowK)} (${pct(k.shareBelowK)}); highest risk ${pct(k.highestRisk)}, average risk ${pct(k.averageRisk)}`)
    const hist = Object.entries(k.histogram).sort((a, b) => Number(a[0]) - Number(b[0])).slice(0, 10).map(([size, count]) => `${size}:${n(count)}`).join(' ')
    lines.push(`  class sizes (size:classes): ${hist}${Object.keys(k.histogram).length > 10 ? ' …' : ''}`)
  }
  if (r.auditFile) lines.push(`  audit manifest: ${r.auditFile}`)
  for (const notice of r.notices) lines.push(chalk.yellow(`Note: ${notice}`))
  return lines
}
