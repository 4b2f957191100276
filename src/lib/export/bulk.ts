/**
 * FHIR Bulk Data Access ($export, https://hl7.org/fhir/uv/bulkdata/export.html): kick-off with
 * `Prefer: respond-async`, status polling that honours Retry-After and reports X-Progress, parallel streamed
 * downloads of the manifest's NDJSON files (each checked line by line, started again on a broken transfer), a
 * token only where the manifest says `requiresAccessToken`, and the status URL deleted at the end.
 */
import {z} from 'zod'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {abortableSleep, type EndpointClient} from '../endpoint/client.js'
import {parseRetryAfter} from '../endpoint/retry-policy.js'
import {type Reject} from '../records/types.js'
import {type Staging, streamLines} from './staging.js'

export interface BulkRequest {
  /** Resource types (`_type`); undefined for everything the server exports. */
  types?: string[]
  /** `_since`: an instant. */
  since?: string
  /** Patient-level export for one patient (`patient` parameter, sent by POST). */
  patient?: string
  /** Group-level export. */
  group?: string
}

const manifestSchema = z.object({
  transactionTime: z.string(),
  request: z.string().optional(),
  requiresAccessToken: z.boolean().optional(),
  output: z.array(z.object({type: z.string(), url: z.string(), count: z.number().int().nonnegative().optional()})),
  error: z.array(z.object({type: z.string(), url: z.string()})).optional(),
})
export type BulkManifest = z.infer<typeof manifestSchema>

const notRunning = (endpoint: string, what: string, suggestion?: string) =>
  new HimError(`endpoint "${endpoint}": bulk $export ${what}`, {code: 'BULK_EXPORT', exit: ExitCode.UNAVAILABLE, suggestion})

/** Start an export; returns the status URL (Content-Location). */
export async function kickOffBulkExport(client: EndpointClient, req: BulkRequest, signal?: AbortSignal): Promise<string> {
  const name = client.endpoint.name
  const headers = {prefer: 'respond-async', accept: 'application/fhir+json'}
  let res
  if (req.patient) {
    // The `patient` parameter is only defined for POST, as Parameters.
    const parameter: Array<Record<string, unknown>> = [{name: '_outputFormat', valueString: 'application/fhir+ndjson'}]
    if (req.types) parameter.push({name: '_type', valueString: req.types.join(',')})
    if (req.since) parameter.push({name: '_since', valueInstant: req.since})
    parameter.push({name: 'patient', valueReference: {reference: `Patient/${req.patient}`}})
    res = await client.request({method: 'POST', path: 'Patient/$export', headers, body: {resourceType: 'Parameters', parameter}, signal})
  } else {
    const q = new URLSearchParams({_outputFormat: 'application/fhir+ndjson'})
    if (req.types) q.set('_type', req.types.join(','))
    if (req.since) q.set('_since', req.since)
    const base = req.group ? `Group/${encodeURIComponent(req.group)}/$export` : '$export'
    res = await client.request({path: `${base}?${q}`, headers, signal})
  }
  const location = res.headers.get('content-location')
  if (res.status !== 202 || !location)
    throw notRunning(name, `kick-off answered HTTP ${res.status}${location ? '' : ' without a Content-Location'} (expected 202 Accepted)`, 'try --method search')
  return location
}

export interface PollOptions {
  signal?: AbortSignal
  /** X-Progress text from the server, when it sends one; also called with undefined while waiting. */
  onProgress?: (progress: string | undefined, waitedMs: number) => void
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
  /** First wait without Retry-After, growing by half up to maxWaitMs. */
  minWaitMs?: number
  maxWaitMs?: number
}

/** Poll the status URL until the manifest is ready. Retry-After is honoured (never polled sooner, capped at 5 min). */
export async function waitForBulkManifest(client: EndpointClient, statusUrl: string, opts: PollOptions = {}): Promise<BulkManifest> {
  const sleep = opts.sleep ?? abortableSleep
  const now = opts.now ?? Date.now
  const started = now()
  let wait = opts.minWaitMs ?? 1000
  const maxWait = opts.maxWaitMs ?? 10_000
  for (;;) {
    const res = await client.request({path: statusUrl, headers: {accept: 'application/json'}, signal: opts.signal})
    if (res.status === 200) {
      const parsed = manifestSchema.safeParse(res.body)
      if (!parsed.success)
        throw notRunning(client.endpoint.name, `finished, but its manifest is not a Bulk Data manifest (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message})`)
      return parsed.data
    }
    if (res.status !== 202) throw notRunning(client.endpoint.name, `status answered HTTP ${res.status} (expected 202 or 200)`)
    opts.onProgress?.(res.headers.get('x-progress') ?? undefined, now() - started)
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now())
    const ms = retryAfter === undefined ? wait : Math.min(Math.max(retryAfter, 100), 300_000)
    wait = Math.min(Math.round(wait * 1.5), maxWait)
    await sleep(ms, opts.signal)
  }
}

/** Tell the server the files have been fetched (DELETE status URL). Best effort: false when the server refused. */
export async function deleteBulkStatus(client: EndpointClient, statusUrl: string): Promise<boolean> {
  try {
    const res = await client.request({method: 'DELETE', path: statusUrl, headers: {accept: 'application/json'}})
    return res.status < 300
  } catch {
    return false // HAPI answers 404 for a finished job; the files expire on the server
  }
}

export interface DownloadOptions {
  concurrency?: number
  signal?: AbortSignal
  /** Attempts per file (a broken transfer starts the file again). */
  maxAttempts?: number
  onResources?: (n: number) => void
  onReject?: (r: Reject) => Promise<void>
  onRetry?: (file: string, attempt: number) => void
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface DownloadResult {
  files: number
  resources: number
  /** Lines that are not a resource of the file's type (to the rejects file). */
  rejected: number
  /** Files downloaded again after a broken transfer. */
  retried: number
  /** OperationOutcome issues in the manifest's error files. */
  serverErrors: number
}

/** Download every output (and error) file of the manifest into the staging folder, a few at a time. */
export async function downloadBulkOutputs(client: EndpointClient, manifest: BulkManifest, staging: Staging, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const result: DownloadResult = {files: 0, resources: 0, rejected: 0, retried: 0, serverErrors: 0}
  const token = manifest.requiresAccessToken !== false
  const jobs = [...manifest.output.map((o, i) => ({...o, label: `${o.type} file ${i + 1}`, error: false})), ...(manifest.error ?? []).map((o, i) => ({...o, count: undefined, label: `error file ${i + 1}`, error: true}))]
  const maxAttempts = opts.maxAttempts ?? 4
  const sleep = opts.sleep ?? abortableSleep

  const one = async (job: (typeof jobs)[number]) => {
    for (let attempt = 1; ; attempt++) {
      const w = staging.open(job.error ? 'OperationOutcome' : job.type)
      let resources = 0
      const rejects: Reject[] = []
      try {
        const res = await client.download(job.url, {token, signal: opts.signal})
        for await (const {text, line} of streamLines(res.body as unknown as AsyncIterable<Uint8Array>)) {
          if (!text.trim()) continue
          const problem = checkLine(text, job.error ? 'OperationOutcome' : job.type)
          if (problem) {
            rejects.push({loc: {file: job.label, line, record: line}, code: 'BULK_LINE', reason: problem, raw: text})
            continue
          }
          await w.line(text)
          resources++
        }
        if (job.count !== undefined && job.count !== resources + rejects.length)
          throw Object.assign(new Error(`the manifest counts ${job.count} resources, the file had ${resources + rejects.length}`), {retryable: true})
        await w.close()
      } catch (error) {
        await w.discard()
        if (opts.signal?.aborted) throw opts.signal.reason ?? error
        if (error instanceof HimError && !(error as {retryable?: boolean}).retryable) throw error
        if (attempt >= maxAttempts)
          throw new HimError(`endpoint "${client.endpoint.name}": bulk $export ${job.label} could not be downloaded whole after ${attempt} attempts (${describeError(error)})`, {
            code: 'BULK_DOWNLOAD',
            exit: ExitCode.UNAVAILABLE,
            suggestion: 'the export is still on the server: run again with --status-url to fetch it without exporting again',
          })
        result.retried++
        opts.onRetry?.(job.label, attempt + 1)
        await sleep(Math.min(500 * 2 ** (attempt - 1), 8000), opts.signal)
        continue
      }
      result.files++
      if (job.error) result.serverErrors += resources
      else {
        result.resources += resources
        opts.onResources?.(resources)
      }
      result.rejected += rejects.length
      for (const r of rejects) await opts.onReject?.(r)
      return
    }
  }

  const queue = [...jobs]
  const workers = Array.from({length: Math.max(1, Math.min(opts.concurrency ?? 4, queue.length))}, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await one(job)
  })
  await Promise.all(workers)
  return result
}

/** Why an NDJSON line is not a resource of `type`, or undefined. Never quotes the line (it is patient data). */
export function checkLine(text: string, type: string): string | undefined {
  let r: unknown
  try {
    r = JSON.parse(text)
  } catch {
    return 'not valid JSON'
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a JSON object'
  const rt = (r as {resourceType?: unknown}).resourceType
  if (typeof rt !== 'string') return 'no resourceType'
  if (rt !== type) return `a ${rt} in the ${type} file`
  if (type !== 'OperationOutcome' && typeof (r as {id?: unknown}).id !== 'string') return 'a resource without an id'
  return undefined
}

function describeError(error: unknown): string {
  if (error instanceof HimError) return error.message.replace(/^endpoint "[^"]*": /, '')
  const e = error as {message?: string; cause?: {code?: string}; code?: string}
  return e.cause?.code ?? e.code ?? e.message ?? 'error'
}
