import chalk from 'chalk'

import {type ConvertResult} from '../convert/convert.js'
import {formatReject} from '../records/types.js'

const n = (x: number) => x.toLocaleString('en-US')

/** The closing summary of a conversion: counts that add up, where the output and rejects went, first rejects. */
export function renderConvertSummary(r: ConvertResult): string[] {
  const lines: string[] = []
  for (const f of r.files) {
    if (f.error) lines.push(chalk.red(`✗ ${f.error.message}`))
    else {
      const how = f.mapping ? ` (${f.format}, mapping ${f.mapping})` : ` (${f.format})`
      lines.push(`${f.file}${how}: ${n(f.in)} in, ${n(f.out)} out, ${n(f.rejected)} rejected`)
    }
  }
  const c = r.counts
  const sum = `${n(c.in)} in = ${n(c.out)} out + ${n(c.rejected)} rejected`
  const dest = r.output === '-' ? 'stdout' : r.output
  const ok = c.rejected === 0 && r.exitCode === 0
  lines.push((ok ? chalk.green('✓ ') : chalk.yellow('! ')) + `${sum} → ${dest} (${r.to}) in ${(r.durationMs / 1000).toFixed(1)}s`)
  if (r.rejectsFile) {
    lines.push(`  rejected records with their reasons: ${r.rejectsFile}`)
    const byCode = Object.entries(c.rejectedByCode).map(([k, v]) => `${k} ${n(v)}`).join(', ')
    lines.push(`  by reason: ${byCode}`)
    for (const s of r.rejectSample.slice(0, 5)) lines.push(`  ${formatReject(s)}`)
    if (c.rejected > 5) lines.push(`  … and ${n(c.rejected - 5)} more in the rejects file`)
  }
  if (!r.balanced) lines.push(chalk.red('internal error: the counts do not add up; please report this'))
  return lines
}
