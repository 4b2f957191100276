/**
 * `him dedupe --endpoint NAME`: the Patients of a FHIR server (a paged search, streamed to a temporary NDJSON file)
 * through the same dedupe run as files, then a merge plan (merge-plan.ts) shown before anything is written, and
 * with --apply the plan written back (apply-merges.ts). Keys and locations are server ids (`Patient/123`), so the
 * pairs, clusters, review and decisions files name records a person can find on the server.
 */
import {rm} from 'node:fs/promises'
import {join} from 'node:path'

import {HimError, configError, worstExit} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type Endpoint} from '../config/schema.js'
import {EndpointClient} from '../endpoint/client.js'
import {privateTempDir} from '../io/private-temp.js'
import {type ApplyCounts, applyMerges, type ApplyOutcome} from './apply-merges.js'
import {type DedupeResult} from './engine.js'
import {fetchPatientsToFile} from './endpoint-patients.js'
import {type MergeGroup, type MergePlan, planMerges} from './merge-plan.js'
import {type InputRecord} from './read-input.js'
import {dedupeFiles, type DedupeFilesOptions, type DedupeSummary} from './run.js'

export interface DedupeEndpointOptions {
  endpoint: Endpoint
  /** Extra FHIR search parameters for Patient, e.g. `identifier=urn:x|` (endpoint-patients.ts). */
  query?: string
  /** Write the merges; otherwise plan only. */
  apply: boolean
  /** The dedupe run's own options (thresholds, review, decisions, pairs and clusters files). */
  dedupe: Pick<DedupeFilesOptions, 'mappingCtx' | 'pairs' | 'clusters' | 'decisions' | 'rejects' | 'review' | 'engine' | 'settings' | 'reviewer' | 'onStage' | 'model'>
  /** Shown the plan before anything is written; returns whether to write it (asked only with apply). */
  onPlan?: (review: PlanReview) => boolean | Promise<boolean>
  allowInsecure?: boolean
  debug?: (line: string) => void
  signal?: AbortSignal
}

export interface PlanReview {
  endpoint: string
  patients: {fetched: number; repeated: number}
  dedupe: DedupeSummary
  plan: MergePlan
}

export interface DedupeEndpointSummary {
  endpoint: string
  /** Patients read from the server; `repeated`: handed out again by the paging, read once. */
  patients: {fetched: number; repeated: number}
  dedupe: DedupeSummary
  plan: {merges: MergePlan['merges']; skipped: MergePlan['skipped']; updates: number}
  /** dry-run: nothing written; apply: the plan was written; declined: the person said no at the prompt. */
  mode: 'dry-run' | 'apply' | 'declined'
  /** planned = applied + unchanged + conflicts + failed (dry run: unchanged = already as planned, nothing applied). */
  counts: ApplyCounts
  /** Conflicts and failures, by record. */
  problems: ApplyOutcome[]
  exitCode: number
  durationMs: number
}

/** The groups to merge: clusters of more than one record (never oversized ones, never linkage groups). */
function mergeGroups(result: DedupeResult, records: InputRecord[]): MergeGroup[] {
  return result.clusters
    .filter((c) => c.members.length > 1 && !c.oversized)
    .map((c) => ({
      clusterId: c.id,
      members: c.members.map((m) => {
        const p = records[m].patient as {meta?: {versionId?: string}; active?: boolean; link?: MergeGroup['members'][number]['link']}
        return {ref: records[m].key, versionId: p.meta?.versionId, active: p.active, link: p.link}
      }),
    }))
}

export async function dedupeEndpoint(opts: DedupeEndpointOptions): Promise<DedupeEndpointSummary> {
  const started = Date.now()
  const ep = opts.endpoint
  if (ep.kind !== 'fhir')
    throw configError(`endpoint "${ep.name}" is an MLLP endpoint; dedupe --endpoint reads Patients from a FHIR server`)
  const stage = opts.dedupe.onStage
  const client = await EndpointClient.open(ep, {allowInsecure: opts.allowInsecure, debug: opts.debug})
  const dir = await privateTempDir('him-dedupe')
  try {
    stage?.('fetching Patients')
    const file = join(dir, 'patients.ndjson')
    const fetched = await fetchPatientsToFile(client, {
      query: opts.query,
      file,
      signal: opts.signal,
      onCount: (n) => n % 500 === 0 && stage?.(`fetching Patients: ${n.toLocaleString('en-US')}`),
    })
    if (fetched.count === 0)
      throw new HimError(`endpoint "${ep.name}": no Patients${opts.query ? ' match --query' : ''}: nothing to compare`, {
        code: 'NO_PATIENTS',
        exit: ExitCode.NO_INPUT,
        suggestion: opts.query ? 'check the --query search parameters (they are FHIR Patient search parameters)' : undefined,
      })
    let groups: MergeGroup[] = []
    const dedupe = await dedupeFiles({
      ...opts.dedupe,
      inputs: [file],
      from: 'fhir',
      serverBase: client.baseUrl,
      // The review queue, when no --decisions file is named, goes to the current folder, not the temporary one.
      decisions: opts.dedupe.decisions ?? (opts.dedupe.review ? `${ep.name}.review.csv` : undefined),
      onResult: (result, records) => (groups = mergeGroups(result, records)),
    })
    dedupe.files = dedupe.files.map((f) => ({...f, file: `endpoint "${ep.name}"`}))
    const plan = planMerges(groups)
    const patients = {fetched: fetched.count, repeated: fetched.repeated}
    const proceed = (await opts.onPlan?.({endpoint: ep.name, patients, dedupe, plan})) ?? true
    const mode = !opts.apply ? 'dry-run' : proceed ? 'apply' : 'declined'

    let counts: ApplyCounts = {planned: plan.updates.length, applied: 0, unchanged: plan.updates.filter((u) => u.inPlace).length, conflicts: 0, failed: 0}
    let problems: ApplyOutcome[] = []
    if (mode === 'apply') {
      stage?.('writing merges')
      ;({counts, problems} = await applyMerges(client, plan.updates, {
        signal: opts.signal,
        onDone: (_, done) => stage?.(`writing merges: ${done.toLocaleString('en-US')} of ${plan.updates.length.toLocaleString('en-US')}`),
      }))
    }
    return {
      endpoint: ep.name,
      patients,
      dedupe,
      plan: {merges: plan.merges, skipped: plan.skipped, updates: plan.updates.length},
      mode,
      counts,
      problems,
      exitCode: worstExit([dedupe.exitCode, counts.conflicts + counts.failed > 0 ? ExitCode.REJECTS : ExitCode.OK]),
      durationMs: Date.now() - started,
    }
  } finally {
    await rm(dir, {recursive: true, force: true})
    await client.close()
  }
}
