import chalk from 'chalk'

import {formatFindingLocation, type Severity} from '../validate/findings.js'
import {type FindingsReport} from './findings-report.js'

const n = (x: number) => x.toLocaleString('en-US')
const plural = (x: number, word: string) => `${n(x)} ${word}${x === 1 ? '' : 's'}`
const paint: Record<Severity, (s: string) => string> = {error: chalk.red, warning: chalk.yellow, info: chalk.cyan}

/**
 * The terminal summary of a findings report: per file, counts by severity, counts by rule, the worst records
 * and the first findings. Values are shown only when the report holds them (--show-values).
 */
export function renderFindingsText(r: FindingsReport, opts: {maxFindings?: number; maxWorst?: number} = {}): string[] {
  const lines: string[] = []
  for (const i of r.inputs) {
    if (i.error) lines.push(chalk.red(`✗ ${i.error.message}`))
    else lines.push(`${i.file} (${i.format}${i.mapping ? `, mapping ${i.mapping}` : ''}): ${plural(i.records, 'record')}`)
  }
  const c = r.counts
  const head = `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${n(c.info)} info`
  const where = `${n(r.recordsWithErrors)} of ${n(r.records)} records with errors, ${n(r.recordsWithWarnings)} with warnings`
  const mark = c.error || r.inputs.some((i) => i.error) ? chalk.red('✗ ') : c.warning ? chalk.yellow('! ') : chalk.green('✓ ')
  lines.push(`${mark}${head} (${where}) in ${(r.durationMs / 1000).toFixed(1)}s`)
  if (r.byRule.length) {
    lines.push('', 'By rule:')
    const w = Math.max(...r.byRule.map((b) => b.rule.length))
    const cw = Math.max(...r.byRule.map((b) => n(b.count).length))
    for (const b of r.byRule) lines.push(`  ${paint[b.severity](b.severity.padEnd(7))} ${b.rule.padEnd(w)}  ${n(b.count).padStart(cw)}  ${b.description}`)
  }
  const worst = r.worst.slice(0, opts.maxWorst ?? 5)
  if (worst.length) {
    lines.push('', 'Worst records:')
    for (const s of worst) lines.push(`  ${formatFindingLocation({file: s.file, line: s.line, record: s.record})}: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`)
  }
  const max = opts.maxFindings ?? 10
  // Errors first, then warnings; info only when there is nothing worse.
  const shown = [...r.findings.filter((f) => f.severity === 'error'), ...r.findings.filter((f) => f.severity === 'warning'), ...(r.counts.error + r.counts.warning === 0 ? r.findings : [])].slice(0, max)
  if (shown.length) {
    lines.push('', shown.length < r.findings.length ? 'First findings, errors first:' : 'Findings:')
    for (const f of shown) {
      const value = f.value === undefined ? '' : ` (value: ${JSON.stringify(f.value)})`
      lines.push(`  ${paint[f.severity](f.severity.padEnd(7))} ${formatFindingLocation(f.location)}: ${f.message}${value} [${f.rule}]`)
    }
    const more = r.counts.error + r.counts.warning + r.counts.info - shown.length
    if (more > 0) lines.push(`  … and ${n(more)} more (write them all with --report FILE.html, .json or .csv)`)
  }
  return lines
}
