/**
 * `him export`: records out of a FHIR endpoint. Bulk Data $export when the server offers it (or --method bulk),
 * paged search otherwise; everything lands in a private staging folder first, is checked and deduplicated by
 * Type/id (the latest version kept), then written in the asked format through the writers; the incremental state
 * (`--since last`) is recorded only once the whole export is written.
 */
import {createReadStream} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {HimError, usageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type FhirEndpointConfig} from '../config/schema.js'
import {convert, type ConvertResult} from '../convert/convert.js'
import {type WriterContext} from '../convert/formats.js'
import {EndpointClient} from '../endpoint/client.js'
import {analyzeCapabilities} from '../endpoint/probe.js'
import {type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {Sink} from '../io/sink.js'
import {RejectSink} from '../records/reject-sink.js'
import {type Reject} from '../records/types.js'
import {deleteBulkStatus, downloadBulkOutputs, kickOffBulkExport, waitForBulkManifest} from './bulk.js'
import {searchToStaging} from './search.js'
import {type Staging as StagingFolder, Staging, streamLines} from './staging.js'
import {lastExport, recordExport, scopeKey} from './state.js'

/** What `--type` means when it is not given: the patient data himkit works with. `--type all`: everything. */
export const DEFAULT_TYPES = ['Patient', 'Encounter', 'Observation', 'Condition', 'AllergyIntolerance', 'Procedure', 'MedicationRequest', 'Immunization', 'DiagnosticReport']
export const EXPORT_FORMATS = ['ndjson', 'fhir', 'csv', 'hl7'] as const

export interface ExportOptions {
  endpoint: FhirEndpointConfig
  /** Resource types; 'all' for everything; undefined for DEFAULT_TYPES (CSV: Patient). */
  types?: string[] | 'all'
  /** An instant or date, or 'last' (the previous complete export of the same scope). */
  since?: string
  patient?: string
  group?: string
  method: 'auto' | 'bulk' | 'search'
  to: (typeof EXPORT_FORMATS)[number]
  /** ndjson: a folder (one file per type) or `-`; others: a file or `-`. */
  output: string
  rejects?: string
  /** Pick up a bulk export already running (its status URL). */
  statusUrl?: string
  stateFile: string
  includeRelated?: boolean
  pageSize?: number
  concurrency?: number
  mapping: Mapping
  mappingCtx: MappingContext
  hl7?: WriterContext['hl7']
  allowInsecure?: boolean
  signal?: AbortSignal
  debug?: (line: string) => void
  onProgress?: (text: string) => void
  /** Called once the server has accepted a bulk export: where to pick it up with --status-url. */
  onStatusUrl?: (url: string) => void
  /** Tests: how long to wait between status polls without Retry-After. */
  pollMinMs?: number
}

export interface ExportResult {
  endpoint: string
  method: 'bulk' | 'search'
  /** Why that method (auto): what the CapabilityStatement said. */
  methodReason: string
  since?: string
  sinceSource?: 'flag' | 'state' | 'none'
  transactionTime: string
  counts: {in: number; unique: number; duplicates: number; rejected: number; byType: Record<string, number>}
  balanced: boolean
  to: string
  output: string
  outputs: string[]
  /** The writer's own counts (CSV: Patients; HL7: one record per patient). */
  written: {in: number; out: number; rejected: number}
  rejectsFile?: string
  rejectSample: Array<Omit<Reject, 'raw'>>
  bulk?: {statusUrl: string; files: number; retried: number; serverErrors: number; statusDeleted: boolean}
  search?: {pages: number; offsetContinuations: number}
  stateFile?: string
  stateSaved: boolean
  exitCode: number
  durationMs: number
}

const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/

/** `--since`: an ISO instant as is; a date alone (YYYY-MM-DD) as local midnight. */
export function parseSince(v: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00`)
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) <= v) return d.toISOString()
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) return v
  throw usageError(`--since ${v}: give a date (2026-11-01), an instant with its time zone (2026-11-01T06:00:00Z), or "last"`)
}

export async function exportRecords(opts: ExportOptions): Promise<ExportResult> {
  const started = Date.now()
  const name = opts.endpoint.name
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.to)) throw usageError(`--to ${opts.to}: one of ${EXPORT_FORMATS.join(', ')}`)
  if (opts.patient && opts.group) throw usageError('--patient and --group: give one')
  let types: string[] | undefined =
    opts.types === 'all' ? undefined : (opts.types ?? (opts.to === 'csv' ? ['Patient'] : DEFAULT_TYPES))
  for (const t of types ?? []) if (!TYPE_NAME.test(t)) throw usageError(`--type ${t}: not a FHIR resource type name`)
  if (opts.to === 'csv' && (types === undefined || types.some((t) => t !== 'Patient')))
    throw usageError('CSV output holds Patients: export --type Patient, or another format (--to ndjson) for other resources')
  if (opts.statusUrl && opts.method === 'search') throw usageError('--status-url picks up a bulk export: leave out --method search')
  if (opts.output !== '-' && opts.to !== 'ndjson' && /[\\/]$/.test(opts.output)) throw usageError(`-o ${opts.output}: --to ${opts.to} writes one file; name it`)

  const client = await EndpointClient.open(opts.endpoint, {allowInsecure: opts.allowInsecure, debug: opts.debug, concurrency: opts.concurrency})
  const staging = await Staging.create()
  const rejectsPath = opts.rejects ?? (opts.output === '-' ? 'him-export.rejects.ndjson' : `${opts.output.replace(/[\\/]+$/, '')}.rejects.ndjson`)
  const rejects = new RejectSink(rejectsPath)
  try {
    opts.onProgress?.(`Reading the CapabilityStatement of "${name}"…`)
    const meta = await client.capabilities(opts.signal)
    const serverDate = meta.headers.get('date')
    const caps = analyzeCapabilities(meta.body as never)

    let method: 'bulk' | 'search'
    let methodReason: string
    if (opts.statusUrl) [method, methodReason] = ['bulk', 'picking up the bulk export at --status-url']
    else if (opts.method === 'auto') [method, methodReason] = caps.bulkExport ? ['bulk', 'the server offers bulk $export'] : ['search', 'the server does not offer bulk $export']
    else [method, methodReason] = [opts.method, `--method ${opts.method}`]
    if (method === 'search' && opts.group) throw usageError('--group needs bulk $export, which this server does not offer', 'export the Patients by --patient, or all of them')
    if (method === 'search' && !types) {
      // "all" by search: every type the server can search.
      types = listSearchableTypes(meta.body as never)
    }

    const key = scopeKey(name, {types, patient: opts.patient, group: opts.group})
    let since: string | undefined
    let sinceSource: ExportResult['sinceSource']
    if (opts.since === 'last') {
      const last = await lastExport(opts.stateFile, key)
      since = last?.transactionTime
      sinceSource = last ? 'state' : 'none'
    } else if (opts.since) [since, sinceSource] = [parseSince(opts.since), 'flag']

    let transactionTime: string
    let bulk: ExportResult['bulk']
    let search: ExportResult['search']
    let fetched = 0
    const onResources = (n: number) => {
      fetched += n
      opts.onProgress?.(`Exporting from "${name}" (${method}): ${fetched.toLocaleString('en-US')} resources`)
    }
    const onReject = (r: Reject) => rejects.write(r)

    if (method === 'bulk') {
      const statusUrl = opts.statusUrl ?? (await kickOffBulkExport(client, {types, since, patient: opts.patient, group: opts.group}, opts.signal))
      if (!opts.statusUrl) opts.onStatusUrl?.(statusUrl)
      let manifest
      try {
        manifest = await waitForBulkManifest(client, statusUrl, {
          signal: opts.signal,
          minWaitMs: opts.pollMinMs,
          onProgress: (p, ms) => opts.onProgress?.(`Bulk export running on "${name}"${p ? `: ${p}` : ''} (${Math.round(ms / 1000)} s)`),
        })
      } catch (error) {
        if (opts.signal?.aborted) throw interrupted(`the export keeps running on the server`, statusUrl)
        throw error
      }
      opts.onProgress?.(`Downloading ${manifest.output.length} files from "${name}"…`)
      const d = await downloadBulkOutputs(client, manifest, staging, {concurrency: opts.concurrency, signal: opts.signal, onResources, onReject}).catch((error) => {
        if (opts.signal?.aborted) throw interrupted('the export files are still on the server', statusUrl)
        throw error
      })
      transactionTime = manifest.transactionTime
      bulk = {statusUrl, files: d.files, retried: d.retried, serverErrors: d.serverErrors, statusDeleted: false}
    } else {
      const s = await searchToStaging(client, {types: types!, since, patient: opts.patient, includeRelated: opts.includeRelated, pageSize: opts.pageSize}, staging, {
        signal: opts.signal,
        onResources,
      }).catch((error) => {
        if (opts.signal?.aborted) throw interrupted('nothing was written')
        throw error
      })
      // The time of the searches, else of the request just before them: changes after it come next time.
      transactionTime = s.searchTime ?? (serverDate ? new Date(serverDate).toISOString() : new Date(started).toISOString())
      search = {pages: s.pages, offsetContinuations: s.offsetContinuations}
    }

    opts.onProgress?.('Writing the export…')
    const fin = await writeOutput(staging, opts, opts.types === 'all' ? undefined : types, rejects)
    if (bulk) {
      // Files fetched: the server may let them go. Error files count as server errors, not resources.
      bulk.statusDeleted = await deleteBulkStatus(client, bulk.statusUrl)
    }
    const rejected = fin.resourceRejects + fin.written.rejected
    const balanced = fin.in === fin.unique + fin.duplicates + fin.resourceRejects && fin.written.in === fin.written.out + fin.written.rejected
    const exitCode = rejected > 0 || (bulk?.serverErrors ?? 0) > 0 ? ExitCode.REJECTS : ExitCode.OK
    await recordExport(opts.stateFile, key, {transactionTime, method, finishedAt: new Date().toISOString(), resources: fin.unique})
    return {
      endpoint: name,
      method,
      methodReason,
      since,
      sinceSource,
      transactionTime,
      counts: {in: fin.in, unique: fin.unique, duplicates: fin.duplicates, rejected, byType: fin.byType},
      balanced,
      to: opts.to,
      output: opts.output,
      outputs: fin.outputs,
      written: fin.written,
      rejectsFile: rejected > 0 && opts.rejects !== '' ? rejectsPath : undefined,
      rejectSample: rejects.sample.map(({loc, code, reason}) => ({loc, code, reason})),
      bulk,
      search,
      stateFile: opts.stateFile,
      stateSaved: true,
      exitCode,
      durationMs: Date.now() - started,
    }
  } finally {
    await rejects.close()
    await staging.remove()
    await client.close()
  }
}

function interrupted(what: string, statusUrl?: string): HimError {
  return new HimError(`export stopped (Ctrl-C): ${what}`, {
    code: 'INTERRUPTED',
    exit: ExitCode.CANCELLED,
    suggestion: statusUrl ? `pick it up with --status-url '${statusUrl}'` : undefined,
  })
}

function listSearchableTypes(cs: {rest?: Array<{resource?: Array<{type?: string; interaction?: Array<{code?: string}>}>}>}): string[] {
  const out: string[] = []
  for (const r of cs.rest?.[0]?.resource ?? [])
    if (r.type && TYPE_NAME.test(r.type) && (r.interaction ?? []).some((i) => i.code === 'search-type')) out.push(r.type)
  return out
}

interface Finished {
  in: number
  unique: number
  duplicates: number
  byType: Record<string, number>
  outputs: string[]
  /** Resources rejected before writing (download check, no id). */
  resourceRejects: number
  written: {in: number; out: number; rejected: number}
}

/**
 * Two passes over the staged files: the first finds, for each Type/id, its latest version (meta.lastUpdated; the
 * last seen on a tie), the second writes only those. Memory: one map entry per resource id, never a resource.
 */
async function writeOutput(staging: StagingFolder, opts: ExportOptions, requestedTypes: string[] | undefined, rejects: RejectSink): Promise<Finished> {
  const files = staging.files.filter((f) => f.type !== 'OperationOutcome')
  const best = new Map<string, number>()
  let times = new Float64Array(1024)
  let ordinal = 0
  let duplicates = 0
  const downloadRejected = rejects.count
  for (const f of files)
    for await (const {text} of streamLines(createReadStream(f.path))) {
      const r = JSON.parse(text) as {id?: string; meta?: {lastUpdated?: string}}
      const o = ordinal++
      if (o >= times.length) {
        const grown = new Float64Array(times.length * 2)
        grown.set(times)
        times = grown
      }
      times[o] = Date.parse(r.meta?.lastUpdated ?? '') || 0
      if (typeof r.id !== 'string') {
        await rejects.write({loc: {file: `${f.type} search`}, code: 'NO_ID', reason: 'a resource without an id', raw: text})
        continue
      }
      const key = `${f.type}/${r.id}`
      const prev = best.get(key)
      if (prev === undefined) best.set(key, o)
      else {
        duplicates++
        if (times[o] >= times[prev]) best.set(key, o)
      }
    }
  const resourceRejects = rejects.count
  const keep = new Uint8Array(ordinal)
  for (const o of best.values()) keep[o] = 1
  const byType: Record<string, number> = {}
  for (const k of best.keys()) {
    const t = k.slice(0, k.indexOf('/'))
    byType[t] = (byType[t] ?? 0) + 1
  }
  const unique = best.size
  best.clear()
  // Every line received: staged ones (kept, duplicates, without id) and those the download check rejected.
  const inCount = ordinal + downloadRejected

  // The kept lines, type by type, to `line(type, text)`.
  const replay = async (line: (type: string, text: string) => Promise<void> | void) => {
    let o = 0
    for (const f of files)
      for await (const {text} of streamLines(createReadStream(f.path))) {
        if (keep[o++]) await line(f.type, text)
      }
  }

  const outputs: string[] = []
  if (opts.to === 'ndjson') {
    if (opts.output === '-') {
      const sink = await Sink.open('-')
      await replay((_t, text) => sink.write(text + '\n'))
      await sink.commit()
      outputs.push('-')
    } else {
      await ensureFolder(opts.output)
      const sinks = new Map<string, Sink>()
      try {
        // A file for every type asked for, empty when nothing came: a folder reused by a nightly run never keeps
        // yesterday's file of a type that had no changes today.
        for (const t of new Set([...(requestedTypes ?? []), ...staging.types()]))
          if (t !== 'OperationOutcome') sinks.set(t, await Sink.open(join(opts.output, `${t}.ndjson`)))
        await replay((t, text) => sinks.get(t)!.write(text + '\n'))
        for (const [t, s] of sinks) {
          await s.commit()
          outputs.push(join(opts.output, `${t}.ndjson`))
        }
      } catch (error) {
        for (const s of sinks.values()) await s.abort()
        throw error
      }
    }
    return {in: inCount, unique, duplicates, resourceRejects, byType, outputs, written: {in: unique, out: unique, rejected: 0}}
  }

  // Other formats: the deduplicated resources as one staged file, then the convert engine's writers. HL7 v2 reads a
  // Bundle a patient at a time (a message carries the patient with its visit, allergies and diagnoses).
  // An empty export goes the Bundle way too (an empty NDJSON file is not an input).
  const asBundle = opts.to === 'hl7' || unique === 0
  const combined = join(staging.dir, asBundle ? 'export.json' : 'export.ndjson')
  const sink = await Sink.open(combined)
  let first = true
  if (asBundle) sink.push('{"resourceType":"Bundle","type":"collection","entry":[\n')
  await replay((_t, text) => {
    sink.push(asBundle ? `${first ? '' : ',\n'}{"resource":${text}}` : text + '\n')
    first = false
    return sink.flushIfFull()
  })
  if (asBundle) sink.push('\n]}\n')
  await sink.commit()
  const converted: ConvertResult = await convert({
    inputs: [combined],
    from: 'fhir',
    to: opts.to,
    output: opts.output,
    rejects: join(staging.dir, 'convert.rejects.ndjson'),
    defaultMapping: opts.mapping,
    mapping: opts.mapping,
    outMapping: opts.mapping,
    mappingCtx: opts.mappingCtx,
    hl7: opts.hl7,
    bundleType: 'collection',
  })
  // The writer's rejects join the export's rejects file.
  if (converted.rejectsFile) {
    for await (const {text} of streamLines(createReadStream(converted.rejectsFile))) {
      if (!text) continue
      const {code, reason, raw, ...loc} = JSON.parse(text) as {code: string; reason: string; raw?: unknown; file: string}
      await rejects.write({loc: {...loc, file: `export (${opts.to})`}, code, reason, raw})
    }
    await rm(converted.rejectsFile, {force: true})
  }
  outputs.push(opts.output)
  return {
    in: inCount,
    unique,
    duplicates,
    resourceRejects,
    byType,
    outputs,
    written: {in: converted.counts.in, out: converted.counts.out, rejected: converted.counts.rejected},
  }
}

async function ensureFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, {recursive: true})
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder')
  } catch (error) {
    throw new HimError(`${dir}: cannot make the output folder (${(error as NodeJS.ErrnoException).code ?? 'not a folder'})`, {code: 'OUTPUT_UNWRITABLE', exit: ExitCode.CANT_CREATE})
  }
}
