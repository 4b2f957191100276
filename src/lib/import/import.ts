import {HimError, usageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type FhirEndpointConfig, type MllpEndpointConfig} from '../config/schema.js'
import {type FileInfo, READERS} from '../convert/formats.js'
import {EndpointClient, FhirRequestError} from '../endpoint/client.js'
import {sendMessages} from '../endpoint/mllp/send-messages.js'
import {analyzeCapabilities} from '../endpoint/probe.js'
import {type CsvEncoding} from '../formats/csv/reader.js'
import {type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {detectFormat, openSource, type Source} from '../io/source.js'
import {RejectSink} from '../records/reject-sink.js'
import {type Reject} from '../records/types.js'
import {entriesOf, makeBatch, type PlannedBatch, TransactionPlanner} from './planner.js'
import {chooseStrategy, type Strategy, type StrategyKind} from './strategy.js'
import {describeInputs, Journal, journalPathFor, readJournal, recordKey} from './journal.js'
import {buildTransaction, planEntry, type PlannedEntry, readTransactionResponse, type Unit} from './transaction.js'

export interface ImportOptions {
  inputs: string[]
  endpoint: FhirEndpointConfig | MllpEndpointConfig
  from: string
  batchSize: number
  concurrency: number
  dryRun: boolean
  rejects: string
  strategy: 'auto' | Exclude<StrategyKind, 'create-only'>
  /** upsert (default): create or update; create-only: conditional create, existing records left alone. */
  mode?: 'upsert' | 'create-only'
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
  allowInsecure?: boolean
  /** Carry on from the journal of an interrupted run. */
  resume?: boolean
  /** Aborted on Ctrl-C: no new transaction is sent, those in flight finish and are journaled. */
  signal?: AbortSignal
  debug?: (line: string) => void
  onProgress?: (c: ImportCounts) => void
}

export interface ImportCounts {
  /** Resources read, plus records that could not be read (MLLP: messages; `created` counts those acknowledged AA/CA). */
  in: number
  created: number
  updated: number
  unchanged: number
  /** Duplicates inside the input, merged into another occurrence of the same Type/id (not sent twice). */
  merged: number
  rejected: number
  /** Confirmed (or rejected) by an earlier, interrupted run: in its journal, not sent again. */
  skipped: number
  /** Extra attempts the endpoint client made (drops, 429, 503). */
  retried: number
}

export interface ImportResult {
  endpoint: string
  strategy?: Strategy
  dryRun: boolean
  counts: ImportCounts
  balanced: boolean
  /** Resources planned per type (dry run: what would be written). */
  byType: Record<string, number>
  transactions: number
  files: FileInfo[]
  /** Stopped by Ctrl-C: the journal says what was confirmed. */
  interrupted: boolean
  /** Kept when the run did not finish (for --resume). */
  journal?: string
  rejectsFile?: string
  rejectSample: Array<Omit<Reject, 'raw'>>
  exitCode: number
  durationMs: number
}

const newCounts = (): ImportCounts => ({in: 0, created: 0, updated: 0, unchanged: 0, merged: 0, rejected: 0, skipped: 0, retried: 0})
export const isBalanced = (c: ImportCounts) => c.in === c.created + c.updated + c.unchanged + c.merged + c.rejected + c.skipped

/**
 * `him import`: read the inputs through the convert readers (CSV mapping, FHIR, HL7 -> FHIR), merge duplicates,
 * and write them to a FHIR endpoint in transactions, idempotently (see strategy.ts); a transaction the server
 * rejects (4xx) is split until the bad records are isolated, only those go to the rejects file. HL7 to an MLLP
 * endpoint goes through sendMessages. Throws HimError: 69 unreachable, 77 authentication, 78 configuration.
 */
export async function importRecords(opts: ImportOptions): Promise<ImportResult> {
  const started = Date.now()
  if (opts.from !== 'auto' && !READERS[opts.from]) throw usageError(`--from ${opts.from}: not a format him reads (${Object.keys(READERS).join(', ')})`)
  const sources: Source[] = []
  for (const input of opts.inputs) sources.push(await openSource(input))
  const rejects = new RejectSink(opts.rejects, 10, opts.resume === true)
  try {
    if (opts.endpoint.kind === 'mllp') return await importOverMllp(sources, opts.endpoint, rejects, opts, started)
    return await importToFhir(sources, opts.endpoint, rejects, opts, started)
  } finally {
    await rejects.close()
  }
}

async function importOverMllp(sources: Source[], endpoint: MllpEndpointConfig, rejects: RejectSink, opts: ImportOptions, started: number): Promise<ImportResult> {
  const counts = newCounts()
  const files: FileInfo[] = []
  for (const src of sources) {
    const format = opts.from === 'auto' ? detectFormat(src) : opts.from
    if (format !== 'hl7') throw usageError(`${src.name}: an MLLP endpoint takes HL7 v2 messages, this is ${format}`, 'send it to a FHIR endpoint instead')
    files.push({file: src.name, format})
  }
  if (opts.dryRun) return finish(opts, endpoint.name, undefined, counts, {}, 0, files, rejects, started, false)
  // The same journal as for FHIR: one line per answered message, so --resume sends only what was not answered.
  const journalPath = journalPathFor(opts.rejects)
  const header = {v: 1 as const, endpoint: endpoint.name, inputs: await describeInputs(opts.inputs)}
  const done = opts.resume ? await readJournal(journalPath, header) : new Set<string>()
  const journal = await Journal.open(journalPath, {...header, strategy: 'mllp'}, opts.resume === true)
  let interrupted = false
  let finished = false
  try {
    for (const [i, src] of sources.entries()) {
      const r = await sendMessages(src, {
        endpoint,
        rejects,
        signal: opts.signal,
        skip: (loc) => done.has(recordKey(i, loc)),
        onAnswered: (loc, outcome) => journal.confirm([recordKey(i, loc)], outcome),
        onProgress: (t) => opts.onProgress?.({...counts, in: counts.in + t.in, created: counts.created + t.out, rejected: counts.rejected + t.rejected}),
      })
      counts.in += r.counts.in + r.skipped
      counts.created += r.counts.out
      counts.rejected += r.counts.rejected
      counts.skipped += r.skipped
      if (r.interrupted) {
        interrupted = true
        break
      }
    }
    finished = !interrupted
  } finally {
    // Kept when the run did not finish (receiver unreachable, Ctrl-C): --resume reads it.
    await journal.close(finished)
  }
  return finish(opts, endpoint.name, undefined, counts, {}, 0, files, rejects, started, interrupted, interrupted ? journalPath : undefined)
}

function finish(opts: ImportOptions, name: string, strategy: Strategy | undefined, counts: ImportCounts, byType: Record<string, number>, transactions: number, files: FileInfo[], rejects: RejectSink, started: number, interrupted: boolean, journal?: string): ImportResult {
  return {
    interrupted,
    journal,
    endpoint: name,
    strategy,
    dryRun: opts.dryRun,
    counts,
    balanced: interrupted
      ? counts.in >= counts.created + counts.updated + counts.unchanged + counts.merged + counts.rejected + counts.skipped
      : opts.dryRun
      ? counts.in === Object.values(byType).reduce((a, b) => a + b, 0) + counts.merged + counts.rejected
      : isBalanced(counts),
    byType,
    transactions,
    files,
    rejectsFile: rejects.written ? opts.rejects : undefined,
    rejectSample: rejects.sample,
    exitCode: interrupted ? ExitCode.CANCELLED : counts.rejected > 0 ? ExitCode.REJECTS : ExitCode.OK,
    durationMs: Date.now() - started,
  }
}

async function importToFhir(sources: Source[], endpoint: FhirEndpointConfig, rejects: RejectSink, opts: ImportOptions, started: number): Promise<ImportResult> {
  const client = await EndpointClient.open(endpoint, {concurrency: opts.concurrency, allowInsecure: opts.allowInsecure, debug: opts.debug})
  const counts = newCounts()
  const byType: Record<string, number> = {}
  const files: FileInfo[] = []
  let transactions = 0
  try {
    const meta = await client.capabilities()
    const cs = meta.body as {resourceType?: string; software?: {name?: string}}
    if (cs.resourceType !== 'CapabilityStatement')
      throw new HimError(`endpoint "${endpoint.name}": ${endpoint.url}/metadata is not a FHIR CapabilityStatement`, {code: 'NOT_FHIR', exit: ExitCode.UNAVAILABLE})
    const chosen = chooseStrategy(analyzeCapabilities(cs as never), cs.software, opts.strategy, opts.mode)
    if ('error' in chosen) throw new HimError(`endpoint "${endpoint.name}": ${chosen.error}`, {code: 'NO_IDEMPOTENT_WRITE', exit: ExitCode.UNAVAILABLE})
    const strategy = chosen

    const journalPath = journalPathFor(opts.rejects)
    const header = {v: 1 as const, endpoint: endpoint.name, inputs: await describeInputs(opts.inputs)}
    const done = opts.resume ? await readJournal(journalPath, header) : new Set<string>()
    const journal = opts.dryRun ? undefined : await Journal.open(journalPath, {...header, strategy: strategy.kind}, opts.resume === true)
    const recordsOf = (entries: PlannedEntry[]) => [...new Set(entries.map((e) => e.record!))]
    let interrupted = false

    const planner = new TransactionPlanner(opts.batchSize, strategy.kind !== 'put')
    const inFlight = new Set<{batch: PlannedBatch; done: Promise<void>}>()
    let failure: unknown

    const reject = async (r: Reject) => {
      counts.rejected++
      await rejects.write(r)
    }
    const rejectUnread = async (r: Reject, record: string) => {
      await reject(r)
      await journal?.confirm([record], 'rejected')
    }

    /** Send a batch; on a 4xx split it by records until the bad ones are alone, and reject only those. */
    const send = async (batch: PlannedBatch): Promise<void> => {
      const entries = entriesOf(batch)
      const bundle = buildTransaction(entries, strategy.kind, (k) => planner.identifiers.get(k))
      try {
        const res = await client.request({method: 'POST', path: '', body: bundle, idempotent: true, headers: {prefer: 'return=minimal'}})
        counts.retried += res.attempts - 1
        const outcomes = readTransactionResponse(res.body, entries.length, strategy.kind === 'create-only')
        await journal?.confirm(recordsOf(entries), 'confirmed')
        transactions++
        outcomes.forEach((o) => counts[o]++)
      } catch (error) {
        if (!(error instanceof FhirRequestError) || error.exit !== ExitCode.DATA) throw error
        counts.retried += error.attempts - 1
        if (batch.units.length === 1) {
          const reason = `the server refused it (HTTP ${error.status})${error.outcome ? `: ${error.outcome.text}` : ''}`
          for (const e of entries) await reject({loc: e.loc, code: `FHIR_HTTP_${error.status}`, reason: `${e.key.split('/')[0]}: ${reason}`, raw: e.resource})
          await journal?.confirm(recordsOf(entries), 'rejected')
          return
        }
        const half = Math.ceil(batch.units.length / 2)
        await send(makeBatch(batch.seq, batch.units.slice(0, half)))
        await send(makeBatch(batch.seq, batch.units.slice(half)))
      }
    }

    const dispatch = async (batch: PlannedBatch) => {
      for (const e of entriesOf(batch)) byType[e.key.split('/')[0]] = (byType[e.key.split('/')[0]] ?? 0) + 1
      if (opts.dryRun) {
        transactions++
        return
      }
      // Never two transactions in flight that write (or reference) the same Type/id; at most --concurrency.
      for (;;) {
        if (failure) throw failure
        const blocking = [...inFlight].filter((f) => inFlight.size >= opts.concurrency || [...batch.touches].some((k) => f.batch.touches.has(k)))
        if (blocking.length === 0) break
        await Promise.race(blocking.map((f) => f.done))
      }
      const flight = {
        batch,
        done: send(batch).then(
          () => {
            inFlight.delete(flight)
            opts.onProgress?.(counts)
          },
          (error) => {
            inFlight.delete(flight)
            failure ??= error
          },
        ),
      }
      inFlight.add(flight)
    }

    try {
      reading: for (const [index, src] of sources.entries()) {
        const format = opts.from === 'auto' ? detectFormat(src) : opts.from
        const info: FileInfo = {file: src.name, format}
        files.push(info)
        const reader = READERS[format]
        if (!reader) throw new HimError(`${src.name}: ${format} input cannot be imported`, {code: 'FORMAT_UNSUPPORTED', exit: ExitCode.DATA})
        const ctx = {mapping: format === 'csv' ? opts.mapping : undefined, mappingCtx: opts.mappingCtx, encoding: opts.encoding, info}
        for await (const records of reader(src, ctx)) {
          for (const item of records) {
            if (opts.signal?.aborted) {
              interrupted = true
              break reading
            }
            const record = recordKey(index, item.loc)
            if (done.has(record)) {
              const n = item.ok ? item.value.length : 1
              counts.in += n
              counts.skipped += n
              continue
            }
            if (!item.ok) {
              counts.in++
              await rejectUnread(item, record)
              continue
            }
            const unit: Unit = []
            const unplanned: Reject[] = []
            for (const resource of item.value) {
              counts.in++
              const e = planEntry(resource, item.loc)
              if ('key' in e) unit.push({...e, record})
              else unplanned.push({loc: item.loc, ...e, raw: resource})
            }
            for (const r of unplanned) await (unit.length ? reject(r) : rejectUnread(r, record))
            const full = planner.add(unit)
            if (full) await dispatch(full)
          }
        }
      }
      const last = interrupted ? undefined : planner.flush()
      if (last) await dispatch(last)
    } catch (error) {
      failure ??= error
    } finally {
      await Promise.all([...inFlight].map((f) => f.done))
    }
    counts.merged = planner.merged
    const finished = !failure && !interrupted
    await journal?.close(finished)
    if (failure) {
      if (failure instanceof HimError && journal && failure.exit !== ExitCode.CONFIG)
        throw new HimError(failure.message, {
          code: failure.code,
          exit: failure.exit,
          suggestion: `${counts.created + counts.updated + counts.unchanged} resource(s) confirmed before; once fixed, carry on with the same command and --resume (journal ${journalPath})`,
        })
      throw failure
    }
    return finish(opts, endpoint.name, strategy, counts, byType, transactions, files, rejects, started, interrupted, finished ? undefined : journalPath)
  } finally {
    await client.close()
  }
}
