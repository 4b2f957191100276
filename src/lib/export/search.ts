/**
 * Export by paged FHIR search, for servers without Bulk Data: one search per resource type, page after page, each
 * page written to the staging folder as it arrives (never the whole result in memory). A server that stops giving
 * `next` links before its `total` is reached is asked to carry on with `_offset`; when that gives nothing new the
 * export fails (exit 69) rather than end short.
 */
import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type Bundle, type EndpointClient, type FhirResponse} from '../endpoint/client.js'
import {type Staging, type StagedWriter} from './staging.js'

type SearchPage = Bundle & {meta?: {lastUpdated?: string}}

export interface SearchRequest {
  types: string[]
  /** `_lastUpdated=ge` this instant. */
  since?: string
  patient?: string
  /** With Patient among the types: fetch the other types through `_revinclude` on the Patient search. */
  includeRelated?: boolean
  pageSize?: number
}

export interface SearchResult {
  /** The earliest time the server gave for its searches (Bundle.meta.lastUpdated), for the next incremental run. */
  searchTime?: string
  pages: number
  resources: number
  /** Continuations with `_offset` that found more after a page without a `next` link. */
  offsetContinuations: number
}

export interface SearchExportOptions {
  signal?: AbortSignal
  onResources?: (n: number) => void
}

/** The searches to run: a path per type, or one Patient search with `_revinclude`s. */
export function searchPaths(req: SearchRequest): string[] {
  const count = String(req.pageSize ?? 500)
  const params = (type: string) => {
    const q = new URLSearchParams({_count: count})
    if (req.since) q.set('_lastUpdated', `ge${req.since}`)
    if (req.patient) {
      if (type === 'Patient') q.set('_id', req.patient)
      else q.set('patient', `Patient/${req.patient}`)
    }
    return q
  }
  if (req.includeRelated && req.types.includes('Patient')) {
    const q = params('Patient')
    for (const t of req.types) if (t !== 'Patient') q.append('_revinclude', `${t}:patient`)
    // _lastUpdated applies to the Patients; their related resources come whatever their own date.
    return [`Patient?${q}`]
  }
  return req.types.map((t) => `${t}?${params(t)}`)
}

export async function searchToStaging(client: EndpointClient, req: SearchRequest, staging: Staging, opts: SearchExportOptions = {}): Promise<SearchResult> {
  const result: SearchResult = {pages: 0, resources: 0, offsetContinuations: 0}
  const pageSize = req.pageSize ?? 500
  const writers = new Map<string, StagedWriter>()
  const writer = (type: string) => {
    let w = writers.get(type)
    if (!w) writers.set(type, (w = staging.open(type)))
    return w
  }
  try {
    for (const first of searchPaths(req)) {
      const type = first.slice(0, first.indexOf('?'))
      let path: string | undefined = first
      let matched = 0
      let total: number | undefined
      let offsetTried = -1
      let continuing = false
      const seenLinks = new Set<string>()
      while (path !== undefined) {
        const res: FhirResponse<SearchPage> = await client.request<SearchPage>({path, signal: opts.signal})
        const page: SearchPage = res.body
        result.pages++
        if (page.resourceType !== 'Bundle')
          throw new HimError(`endpoint "${client.endpoint.name}": the ${type} search did not answer with a Bundle`, {code: 'NOT_FHIR', exit: ExitCode.UNAVAILABLE})
        if (path === first) {
          total = page.total
          const at = page.meta?.lastUpdated
          if (at && (!result.searchTime || Date.parse(at) < Date.parse(result.searchTime))) result.searchTime = at
        }
        let n = 0
        let pageMatched = 0
        for (const e of page.entry ?? []) {
          const r = e.resource as {resourceType?: string} | undefined
          if (!r?.resourceType || e.search?.mode === 'outcome' || r.resourceType === 'OperationOutcome') continue
          await writer(r.resourceType).line(JSON.stringify(r))
          n++
          if ((e.search?.mode ?? 'match') === 'match') pageMatched++
        }
        matched += pageMatched
        if (continuing && pageMatched > 0) result.offsetContinuations++
        continuing = false
        result.resources += n
        if (n) opts.onResources?.(n)
        const next: string | undefined = page.link?.find((l) => l.relation === 'next')?.url
        if (next) {
          if (seenLinks.has(next))
            throw new HimError(`endpoint "${client.endpoint.name}": the ${type} search sent the same next page link twice`, {code: 'PAGING_LOOP', exit: ExitCode.UNAVAILABLE})
          seenLinks.add(next)
          path = next
          continue
        }
        // No next link. A full page, or fewer records than the server's total, may mean the link went missing
        // (a proxy, a server bug): ask for the rest from where we are. An answer with nothing more ends it.
        const short = total !== undefined && matched < total
        if ((short || pageMatched >= pageSize) && offsetTried !== matched) {
          offsetTried = matched
          continuing = true
          path = `${first}&_offset=${matched}`
        } else if (short)
          throw new HimError(
            `endpoint "${client.endpoint.name}": the ${type} search ended after ${matched} of ${total} records (no next page link, and _offset gave nothing more)`,
            {code: 'SEARCH_INCOMPLETE', exit: ExitCode.UNAVAILABLE, suggestion: 'nothing was written; try again, or use --method bulk if the server offers it'},
          )
        else path = undefined
      }
    }
    for (const w of writers.values()) await w.close()
  } catch (error) {
    for (const w of writers.values()) await w.discard()
    throw error
  }
  return result
}
