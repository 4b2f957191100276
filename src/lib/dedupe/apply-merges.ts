/**
 * Write a merge plan to the FHIR server: for each record, read it again, apply its update to that fresh copy
 * (merge-plan.ts `mergeChange`) and PUT it with `If-Match: W/"<versionId>"`. A record that already holds the merge is
 * unchanged (so a second run writes nothing); one changed on the server since it was matched, or changed between the
 * read and the write (HTTP 412/409), is a conflict: counted, left as it is, never overwritten. Other refusals are
 * failures, counted with the HTTP status. The run goes on either way; only a lost connection or refused
 * authentication ends it.
 */
import {ExitCode} from '../cli/exit-codes.js'
import {type EndpointClient, FhirRequestError} from '../endpoint/client.js'
import {mergeChange, type MergeUpdate, type PatientLink} from './merge-plan.js'

export type ApplyStatus = 'applied' | 'unchanged' | 'conflict' | 'failed'

export interface ApplyOutcome {
  ref: string
  status: ApplyStatus
  /** Why (conflicts and failures): ids and HTTP statuses only, never record values. */
  reason?: string
}

export interface ApplyCounts {
  planned: number
  applied: number
  unchanged: number
  conflicts: number
  failed: number
}

export interface ApplyMergesResult {
  counts: ApplyCounts
  /** Conflicts and failures, one per record. */
  problems: ApplyOutcome[]
}

export interface ApplyMergesOptions {
  /** Records updated at once (the client also limits requests in flight). */
  concurrency?: number
  signal?: AbortSignal
  onDone?: (outcome: ApplyOutcome, done: number) => void
}

interface PatientCopy {
  resourceType?: string
  id?: string
  meta?: {versionId?: string}
  active?: boolean
  link?: PatientLink[]
}

const isStatus = (e: unknown, ...statuses: number[]) => e instanceof FhirRequestError && e.status !== undefined && statuses.includes(e.status)
/** Errors that end the run: nothing more can be written (endpoint gone, authentication refused). */
const isFatal = (e: unknown) => !(e instanceof FhirRequestError) || e.status === undefined || e.exit === ExitCode.AUTH

async function applyOne(client: Pick<EndpointClient, 'request'>, u: MergeUpdate, signal?: AbortSignal): Promise<ApplyOutcome> {
  const read = async (): Promise<PatientCopy | undefined> => {
    try {
      return (await client.request<PatientCopy>({path: u.ref, signal})).body
    } catch (error) {
      if (isStatus(error, 404, 410)) return undefined
      throw error
    }
  }
  const current = await read()
  if (!current) return {ref: u.ref, status: 'conflict', reason: 'no longer on the server'}
  const change = mergeChange(current, u)
  if (change.kind === 'in-place') return {ref: u.ref, status: 'unchanged'}
  if (change.kind === 'conflict') return {ref: u.ref, status: 'conflict', reason: change.reason}
  const version = current.meta?.versionId
  if (u.versionId !== undefined && version !== u.versionId)
    return {ref: u.ref, status: 'conflict', reason: `changed on the server since it was matched (version ${u.versionId} -> ${version ?? 'none'})`}
  try {
    await client.request({method: 'PUT', path: u.ref, body: change.patient, headers: version === undefined ? {} : {'if-match': `W/"${version}"`}, signal})
    return {ref: u.ref, status: 'applied'}
  } catch (error) {
    if (isStatus(error, 412, 409)) {
      // Changed between our read and our write; or our own earlier attempt went through and its answer was lost.
      const again = await read()
      if (again && mergeChange(again, u).kind === 'in-place') return {ref: u.ref, status: 'unchanged'}
      return {ref: u.ref, status: 'conflict', reason: `changed on the server while being updated (HTTP ${(error as FhirRequestError).status})`}
    }
    if (isFatal(error)) throw error
    const e = error as FhirRequestError
    return {ref: u.ref, status: 'failed', reason: `HTTP ${e.status}${e.outcome?.codes.length ? ` (${e.outcome.codes[0]})` : ''}`}
  }
}

export async function applyMerges(client: Pick<EndpointClient, 'request'>, updates: MergeUpdate[], opts: ApplyMergesOptions = {}): Promise<ApplyMergesResult> {
  const counts: ApplyCounts = {planned: updates.length, applied: 0, unchanged: 0, conflicts: 0, failed: 0}
  const problems: ApplyOutcome[] = []
  let next = 0
  let done = 0
  let stopped = false
  const worker = async () => {
    while (next < updates.length && !stopped) {
      opts.signal?.throwIfAborted()
      const u = updates[next++]
      const outcome = await applyOne(client, u, opts.signal).catch((error) => {
        stopped = true // a fatal error: the other workers take no new record
        throw error
      })
      if (outcome.status === 'applied') counts.applied++
      else if (outcome.status === 'unchanged') counts.unchanged++
      else {
        if (outcome.status === 'conflict') counts.conflicts++
        else counts.failed++
        problems.push(outcome)
      }
      opts.onDone?.(outcome, ++done)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(opts.concurrency ?? 4, updates.length))}, worker))
  problems.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  return {counts, problems}
}
