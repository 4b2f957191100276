/**
 * What dedupe --endpoint says to a person: the matching summary, the merge plan (server ids and counts only, never
 * names or values), then what was written.
 */
import {type DedupeEndpointSummary, type PlanReview} from './dedupe-endpoint.js'
import {renderDedupeSummary} from './summary-text.js'

const n = (x: number) => x.toLocaleString('en-US')
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`

/** Groups listed one per line at most; --json lists them all. */
export const PLAN_LINES = 20

export function renderMergePlan(r: PlanReview): string[] {
  const {plan, dedupe, patients} = r
  const rejected = dedupe.counts.rejected ? `, ${plural(dedupe.counts.rejected, 'record')} unreadable` : ''
  const lines = [
    `Read ${plural(patients.fetched, 'Patient')} from endpoint "${r.endpoint}"${patients.repeated ? ` (${plural(patients.repeated, 'more', 'more')} handed out twice by the paging, read once)` : ''}${rejected}.`,
    // The file summary's first line counts files; the rest (pairs, clusters, files written) holds as it is.
    ...renderDedupeSummary(dedupe).slice(1),
  ]
  const merged = plan.merges.reduce((t, m) => t + m.merged.length, 0)
  const inPlace = plan.updates.filter((u) => u.inPlace).length
  lines.push(
    plan.merges.length
      ? `Merge plan: ${plural(plan.merges.length, 'group')}, ${plural(merged, 'record')} merged away into ${plural(plan.merges.length, 'survivor')}; ${plural(plan.updates.length, 'Patient')} to update${inPlace ? ` (${n(inPlace)} already as planned)` : ''}.`
      : 'Merge plan: nothing to merge.',
  )
  for (const m of plan.merges.slice(0, PLAN_LINES)) lines.push(`  keep ${m.survivor}  <- ${m.merged.join(', ')}`)
  if (plan.merges.length > PLAN_LINES) lines.push(`  … and ${plural(plan.merges.length - PLAN_LINES, 'more group')} (--json lists them all)`)
  for (const s of plan.skipped) lines.push(`Not merged: ${s.members.join(', ')}: ${s.reason}.`)
  return lines
}

export function renderMergeOutcome(s: DedupeEndpointSummary): string[] {
  const c = s.counts
  if (s.mode === 'dry-run')
    return [c.planned - c.unchanged ? `Dry run: nothing was written; run again with --apply to write the ${plural(c.planned - c.unchanged, 'update')}.` : 'Dry run: nothing was written.']
  if (s.mode === 'declined') return ['Not applied: nothing was written.']
  return [
    `Merges written to "${s.endpoint}": ${n(c.planned)} planned = ${n(c.applied)} applied + ${n(c.unchanged)} unchanged + ${plural(c.conflicts, 'conflict')} + ${n(c.failed)} failed.`,
    ...s.problems.map((p) => `  ${p.status} ${p.ref}: ${p.reason ?? ''}`),
    ...(c.conflicts ? ['Conflicting records were left as they are: run the dedupe again to match them as they are now.'] : []),
  ]
}
