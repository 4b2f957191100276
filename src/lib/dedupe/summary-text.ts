/** The dedupe summary for a person: counts and file names only, never record values. */
import {type DedupeSummary} from './run.js'

export function renderDedupeSummary(s: DedupeSummary): string[] {
  const n = (x: number) => x.toLocaleString('en-US')
  const lines = [
    `Read ${n(s.counts.in)} records from ${s.files.length} file${s.files.length === 1 ? '' : 's'}: ${n(s.counts.used)} patients matched${s.counts.skipped ? `, ${n(s.counts.skipped)} other resources skipped` : ''}, ${n(s.counts.rejected)} rejected.`,
    `Compared ${n(s.blocking.candidatePairs)} candidate pairs${s.blocking.rules.some((r) => r.cappedBlocks) ? ` (${n(s.blocking.rules.reduce((t, r) => t + r.cappedBlocks, 0))} oversized blocks skipped)` : ''}; prior ${s.model.lambda.toExponential(2)} over all pairs.`,
    `Same person: ${n(s.pairs.matches)} pairs; to review: ${n(s.pairs.review)} pairs${s.pairs.decidedByReviewer ? `; decided by a reviewer: ${n(s.pairs.decidedByReviewer)}` : ''}.`,
    `${s.linkage ? 'Groups linked (not merged)' : 'Clusters merged'}: ${n(s.clusters.merged)} (${n(s.clusters.recordsInMerged)} records)${s.clusters.oversized ? `; ${n(s.clusters.oversized)} too large to merge, left for review` : ''}.`,
  ]
  if (s.model.source === 'file') lines.push(`Model: loaded from ${s.model.file} (m, u and prior not estimated; the prior carried over to this file's size).`)
  else if (s.model.file) {
    const d = s.model.reviewerDecisions
    lines.push(`Model: estimated${d && d.same + d.different ? ` with ${n(d.same + d.different)} reviewer decisions` : ''} and saved to ${s.model.file}.`)
  }
  const invalid = s.files.reduce((t, f) => t + f.invalidDates, 0)
  const repeated = s.files.reduce((t, f) => t + (f.repeated ?? 0), 0)
  if (repeated) lines.push(`${n(repeated)} HL7 messages were about a patient read before (same id): the later message's patient was matched.`)
  if (invalid) lines.push(`${n(invalid)} birth dates were not real dates and were treated as missing.`)
  if (s.reviewed !== undefined) lines.push(`You reviewed ${n(s.reviewed)} pairs.`)
  if (s.reviewQueue) lines.push(`Review file: ${s.reviewQueue.file} (${n(s.reviewQueue.pending)} pairs still to decide; fill in the decision column and run again with --decisions ${s.reviewQueue.file}).`)
  for (const [what, file] of Object.entries(s.outputs)) if (what !== 'decisions' && what !== 'model') lines.push(`Wrote ${what}: ${file}`)
  if (s.rejectsFile) lines.push(`Rejects: ${s.rejectsFile}`)
  return lines
}
