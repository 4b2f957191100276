/**
 * CSV validation on several cores, as `him convert` does it (src/lib/convert/parallel-csv.ts, whose piece cutting
 * this reuses): the main thread decodes the file and cuts it into pieces at row boundaries (a newline with an even
 * number of quotes before it); workers parse the pieces and run the per-row rules; the main thread takes the
 * results in file order, renumbers their records, and checks each row's keys (MRN unique within the file, exact
 * duplicate rows) against the whole file between the row's required-field findings and its other findings —
 * where the one-thread path checks them. Findings, their order, the counts and the report are the same.
 */
import {StringDecoder} from 'node:string_decoder'
import {Worker} from 'node:worker_threads'
import iconv from 'iconv-lite'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {countNewlines, firstRowEnd, lastRowEnd, parallelWorkers, WORKER_LIMITS, type ParallelOptions} from '../../convert/parallel-csv.js'
import {mappingForHeader} from '../../formats/csv/mapping/builtin.js'
import {csvDelimiterOf, csvParserCore, describeParseError} from '../../formats/csv/reader.js'
import {type Source} from '../../io/source.js'
import {type SourceLocation} from '../../records/types.js'
import {type FormatValidatorContext} from '../validate.js'
import {compileCsvValidator, type CsvValidator} from './csv-rules.js'
import {type ValidatePieceRequest, type ValidatePieceResult, type ValidateWorkerSetup} from './validate-csv-worker.js'

/**
 * A worker holds a piece's rows (about 2,000) while it checks them; with convert's 8 MB young generation a third of
 * a worker's time went to the garbage collector copying them. 64 MB: about 25% less CPU for the whole run
 * (1,000,000 rows: 5.1-5.4 s of CPU against 6.7-7.1 s), at about 100 MB more RSS with two workers.
 */
const LIMITS = {...WORKER_LIMITS, maxYoungGenerationSizeMb: 64}

/** The built worker; from source (tests under tsx) a small bootstrap registers tsx in the worker first. */
function newWorker(setup: ValidateWorkerSetup): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./validate-csv-worker.js', import.meta.url), {workerData: setup, resourceLimits: LIMITS})
  const url = new URL('./validate-csv-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(url)}) })`
  return new Worker(boot, {eval: true, workerData: setup, resourceLimits: LIMITS})
}

export async function validateCsvInParallel(src: Source, ctx: FormatValidatorContext, popts: ParallelOptions = {}): Promise<void> {
  const {opts, input} = ctx
  const encoding = opts.encoding ?? 'utf8'
  const delimiter = csvDelimiterOf(src, {encoding, delimiter: opts.delimiter})
  const decoder = encoding === 'utf8' ? new StringDecoder('utf8') : iconv.getDecoder(encoding)
  const pieceSize = popts.pieceSize ?? (1 << 18)
  const maxPiece = popts.maxPiece ?? 64 << 20
  const nWorkers = Math.max(1, popts.workers ?? parallelWorkers())
  const stream = src.open()

  let buf = ''
  let first = true
  let line = 1
  let v: CsvValidator | undefined
  let workers: Worker[] = []
  const pending: Array<Promise<ValidatePieceResult>> = []
  const waiting = new Map<number, {resolve: (r: ValidatePieceResult) => void; reject: (e: Error) => void}>()
  let seq = 0
  let recordBase = 0
  let stopped = false
  let fatalSeen = false

  const start = (header: string[]) => {
    const mapping = mappingForHeader(src.name, header, opts.mapping)
    input.mapping = mapping.name
    // The header's findings come from here, before any row's, as in the one-thread path.
    v = compileCsvValidator({file: src.name, mapping, header, mappingCtx: opts.mappingCtx, emit: ctx.emit, today: ctx.today})
    const setup: ValidateWorkerSetup = {file: src.name, header, delimiter, mapping, mappingCtx: opts.mappingCtx, today: ctx.today, showValues: opts.showValues}
    workers = Array.from({length: nWorkers}, () => {
      const w = newWorker(setup)
      w.on('message', (r: ValidatePieceResult) => {
        const p = waiting.get(r.seq)
        waiting.delete(r.seq)
        p?.resolve(r)
      })
      w.on('error', (e) => {
        for (const p of waiting.values()) p.reject(e)
        waiting.clear()
      })
      return w
    })
  }

  /** The header is the first non-blank row. */
  const takeHeader = (final: boolean): boolean => {
    for (;;) {
      const end = firstRowEnd(buf, delimiter)
      if (end === -1 && (!final || buf.trim() === '')) return false
      const rowText = end === -1 ? buf : buf.slice(0, end)
      buf = end === -1 ? '' : buf.slice(end)
      let rows: string[][]
      try {
        rows = csvParserCore(delimiter).parse(rowText, false).rows
      } catch (error) {
        throw new HimError(`${src.name}:line ${line}: ${describeParseError(String((error as Error).message)).reason}`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
      }
      line += countNewlines(rowText) || 1
      const row = rows[0]
      if (!row || row.length === 0 || (row.length === 1 && row[0] === '')) continue
      start(row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim()))
      return true
    }
  }

  const dispatch = (text: string) => {
    const req: ValidatePieceRequest = {seq: seq++, text, startLine: line}
    line += countNewlines(text)
    pending.push(
      new Promise<ValidatePieceResult>((resolve, reject) => {
        waiting.set(req.seq, {resolve, reject})
        workers[req.seq % workers.length].postMessage(req)
      }),
    )
  }

  const loc: SourceLocation = {file: src.name}
  const drainOne = async () => {
    const r = await pending.shift()!
    if (fatalSeen) return
    if (r.error) throw new Error(`csv validation worker failed: ${r.error}`)
    const {findings} = r
    let f = 0
    for (let i = 0; i < r.rows; i++) {
      // The row's findings made before its keys (required fields), its keys, then the rest.
      for (let k = 0; k < 2; k++) {
        const at = i * 2 + k
        for (; f < findings.length && findings[f].at === at; f++) {
          const pf = findings[f]
          if (pf.location.record !== undefined) pf.location.record += recordBase
          ctx.emit(pf.rule, pf.message, pf.location, pf.value)
        }
        if (k === 0 && r.rowHashes[i] !== -1) {
          loc.line = r.lines[i]
          loc.record = recordBase + i + 1
          v!.checkKeys(r.mrnHashes[i], r.rowHashes[i], r.mrns?.[i] ?? '', loc)
        }
      }
    }
    recordBase += r.records
    input.records += r.rows
    v!.addCounts(r)
    if (r.fatal) fatalSeen = true
    ctx.progress(input.records)
  }

  try {
    for await (const chunk of stream) {
      let text = decoder.write(chunk as Buffer)
      if (first) {
        text = text.replace(/^\uFEFF/, '')
        first = false
      }
      buf += text
      if (!v && !takeHeader(false)) continue
      while (buf.length >= pieceSize) {
        let cut = lastRowEnd(buf, delimiter)
        if (cut === -1) {
          if (buf.length < maxPiece) break
          // No row ends in maxPiece characters: an unterminated quote; as in the one-thread path the rest of the
          // file is one unreadable record. Stop reading here.
          cut = buf.length
          stopped = true
        }
        dispatch(buf.slice(0, cut))
        buf = buf.slice(cut)
        while (pending.length >= workers.length * 2) await drainOne()
        if (stopped || fatalSeen) break
      }
      if (stopped || fatalSeen) break
    }
    if (!stopped && !fatalSeen) {
      buf += decoder.end() ?? ''
      if (!v) takeHeader(true)
      if (!v) throw new HimError(`${src.name}: no header row`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
      if (buf !== '') dispatch(buf)
    }
    while (pending.length) await drainOne()
  } finally {
    stream.destroy()
    await Promise.all(workers.map((w) => w.terminate()))
  }
  for (const c of v!.completeness()) ctx.completeness.push({file: src.name, ...c})
}
