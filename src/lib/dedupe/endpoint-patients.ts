/**
 * The Patients of a FHIR endpoint into an NDJSON file, for dedupe --endpoint: a paged search streamed page by page
 * to the file (the result is never held in memory), each Patient written once even when paging over live data
 * hands it out twice. The thin network-and-file adapter in front of the dedupe engine; the export engine may take
 * its place later (same signature).
 */
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'

import {usageError} from '../cli/errors.js'
import {type EndpointClient} from '../endpoint/client.js'

export const PATIENT_PAGE_SIZE = 500

/** Search parameters that would hand back partial Patients: matching needs whole ones. */
const SUBSETTING = ['_summary', '_elements', '_contained', '_containedType']

/**
 * `Patient?_count=500&...` from the extra search parameters a user gives (`identifier=urn:x|`,
 * `organization=Organization/1`, with or without a leading `?`). Values are encoded; `_count` may be overridden.
 */
export function patientSearchPath(query?: string): string {
  const given = new URLSearchParams((query ?? '').trim().replace(/^Patient\?/, '').replace(/^[?&]+/, ''))
  for (const name of SUBSETTING)
    if (given.has(name)) throw usageError(`--query ${name}: dedupe needs whole Patients; leave ${name} out`)
  const params = new URLSearchParams()
  if (!given.has('_count')) params.set('_count', String(PATIENT_PAGE_SIZE))
  for (const [k, v] of given) params.append(k, v)
  return `Patient?${params.toString()}`
}

export interface FetchPatientsOptions {
  /** Extra FHIR search parameters for Patient (see patientSearchPath). */
  query?: string
  /** The NDJSON file to write (created or replaced). */
  file: string
  signal?: AbortSignal
  /** Called after each Patient written, with the count so far. */
  onCount?: (count: number) => void
}

export interface FetchPatientsResult {
  /** Patients written (each id once). */
  count: number
  /** Patients handed out again by the paging (same id), not written twice. */
  repeated: number
  /** Search path used (query values included: for the caller, not for logs). */
  path: string
}

export async function fetchPatientsToFile(client: Pick<EndpointClient, 'resources'>, opts: FetchPatientsOptions): Promise<FetchPatientsResult> {
  const path = patientSearchPath(opts.query)
  const out = createWriteStream(opts.file, {mode: 0o600})
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => {}) // observed below; a write error must not go unhandled while the search is in flight
  const seen = new Set<string>()
  let count = 0
  let repeated = 0
  try {
    for await (const r of client.resources<{resourceType?: string; id?: string}>(path, opts.signal)) {
      if (r.resourceType !== 'Patient' || typeof r.id !== 'string') continue
      if (seen.has(r.id)) {
        repeated++
        continue
      }
      seen.add(r.id)
      if (!out.write(JSON.stringify(r) + '\n')) await Promise.race([once(out, 'drain'), failed])
      count++
      opts.onCount?.(count)
    }
    out.end()
    await Promise.race([once(out, 'finish'), failed])
  } catch (error) {
    out.destroy()
    throw error
  }
  return {count, repeated, path}
}
