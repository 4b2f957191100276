/**
 * CSV -> NDJSON on several cores. The main thread decodes the file and cuts it into pieces at row ends outside
 * quoted fields (csvPieces: a quoted field that holds a line break is never cut); workers parse and map the pieces; the main thread writes the results in file order. Output, rejects and
 * counts are the same as the one-thread path's, byte for byte.
 */
import {availableParallelism} from 'node:os'
import {StringDecoder} from 'node:string_decoder'
import {type ResourceLimits, Worker} from 'node:worker_threads'
import iconv from 'iconv-lite'

import {csvDelimiterOf, csvParserCore, describeParseError, type CsvReadOptions} from '../formats/csv/reader.js'
import {type Sink} from '../io/sink.js'
import {type Source} from '../io/source.js'
import {type RejectSink} from '../records/reject-sink.js'
import {type Tally} from '../records/types.js'
import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {resolveCsvMapping, type ReaderContext} from './formats.js'
import {type PieceResult, type WorkerSetup} from './csv-worker.js'

export interface ParallelOptions {
  workers?: number
  /** Target piece size in characters. */
  pieceSize?: number
  /** No safe cut within this many characters: an unterminated quote; the rest is one piece. */
  maxPiece?: number
}

/** Files at least this large go the parallel way (smaller ones finish before workers start). */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024

export function parallelWorkers(): number {
  const env = process.env.HIMKIT_WORKERS
  if (env !== undefined) return Math.max(0, Number(env) || 0)
  const cores = availableParallelism()
  return cores >= 2 ? Math.min(cores, 4) : 0
}

/**
 * The quoted fields of `text` (which starts at a row start) as fast-csv reads them: a quote opens a quoted field
 * only at the start of a field (after the delimiter, a line end or the start, spaces allowed before it); inside,
 * `""` is a quote and any other quote closes the field. A quote inside an unquoted field (`Bo"b`) is a plain
 * character: counting every quote would take it for an opening one and cut the file inside the next quoted field.
 * Returns [open, close] offsets; close is text.length for a field still open at the end.
 */
function quotedSpans(text: string, delimiter: number): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  let open = -1
  for (let q = text.indexOf('"'); q !== -1; q = text.indexOf('"', q + 1)) {
    if (open === -1) {
      let p = q - 1
      while (p >= 0 && (text.charCodeAt(p) === 0x20 || (text.charCodeAt(p) === 0x09 && delimiter !== 0x09))) p--
      const before = p < 0 ? 0x0a : text.charCodeAt(p)
      if (before === delimiter || before === 0x0a || before === 0x0d) open = q
    } else if (text.charCodeAt(q + 1) === 0x22) q++
    else {
      spans.push([open, q])
      open = -1
    }
  }
  if (open !== -1) spans.push([open, text.length])
  return spans
}

/** The offset just after the last newline that ends a row (outside quoted fields), or -1. */
export function lastRowEnd(text: string, delimiter = ','): number {
  const spans = quotedSpans(text, delimiter.charCodeAt(0))
  let k = spans.length - 1
  for (let i = text.lastIndexOf('\n'); i !== -1; i = i > 0 ? text.lastIndexOf('\n', i - 1) : -1) {
    while (k >= 0 && spans[k][0] > i) k--
    if (k < 0 || spans[k][1] < i) return i + 1
    i = spans[k][0] // inside a quoted field: look before it
  }
  return -1
}

export function countNewlines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** Keeps each worker's heap small: a piece's rows are garbage as soon as its NDJSON is sent. */
export const WORKER_LIMITS = {maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256}

/**
 * The worker threads of a parallel CSV path: `count` workers of one module (the built .js; its .ts under tsx, where
 * a small bootstrap registers tsx in the worker first), each given `setup`; `send` hands a piece to the next worker
 * in turn and resolves with the answer that carries its sequence number. A worker that fails rejects every piece
 * waiting for an answer.
 */
export class PieceWorkers<Res extends {seq: number}, Req extends object = {text: string; startLine: number}> {
  private readonly workers: Worker[]
  private readonly waiting = new Map<number, {resolve: (r: Res) => void; reject: (e: Error) => void}>()
  private seq = 0

  constructor(module: URL, setup: unknown, count: number, resourceLimits: ResourceLimits) {
    this.workers = Array.from({length: count}, () => {
      const w = spawnWorker(module, setup, resourceLimits)
      w.on('message', (r: Res) => {
        const p = this.waiting.get(r.seq)
        this.waiting.delete(r.seq)
        p?.resolve(r)
      })
      w.on('error', (e) => {
        for (const p of this.waiting.values()) p.reject(e)
        this.waiting.clear()
      })
      return w
    })
  }

  get size(): number {
    return this.workers.length
  }

  send(piece: Req): Promise<Res> {
    const seq = this.seq++
    return new Promise<Res>((resolve, reject) => {
      this.waiting.set(seq, {resolve, reject})
      this.workers[seq % this.workers.length].postMessage({seq, ...piece})
    })
  }

  /** A message for every worker (no answer), before any piece sent after it. */
  broadcast(message: object): void {
    for (const w of this.workers) w.postMessage(message)
  }

  /** A message for worker `i` alone (no answer), with what it hands over (a MessagePort, buffers). */
  postTo(i: number, message: object, transfer: Transferable[] = []): void {
    this.workers[i].postMessage(message, transfer as never)
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/**
 * Each piece to `send` (the work it starts), at most `window()` in flight, and the answers to `take` in the pieces'
 * order, so the output is written as the one-thread path writes it. Once `take` returns false no more pieces are
 * sent, and the answers still in flight are not taken.
 */
export async function inFileOrder<P, R>(
  pieces: AsyncIterable<P>,
  o: {send: (piece: P) => Promise<R>; window: () => number; take: (answer: R, piece: P) => Promise<boolean | void>},
): Promise<void> {
  const pending: Array<{piece: P; answer: Promise<R>}> = []
  let going = true
  const next = async () => {
    const {piece, answer} = pending.shift()!
    const r = await answer
    if (going && (await o.take(r, piece)) === false) going = false
  }
  for await (const piece of pieces) {
    pending.push({piece, answer: o.send(piece)})
    while (pending.length >= o.window()) await next()
    if (!going) break
  }
  while (pending.length) await next()
}

function spawnWorker(module: URL, setup: unknown, resourceLimits: ResourceLimits): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(module, {workerData: setup, resourceLimits})
  const url = module.href.replace(/\.js$/, '.ts')
  const boot = `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(url)}) })`
  return new Worker(boot, {eval: true, workerData: setup, resourceLimits})
}

/** What csvPieces yields: pieces of whole rows with the line each starts on. */
export type CsvPiece = {text: string; startLine: number}

/**
 * A CSV source cut for worker threads: its header (the first non-blank row) goes to `onHeader` before any piece,
 * then come pieces of about pieceSize characters, each ending at a row end. With no row end in maxPiece characters
 * (an unterminated quote) the rest is one last piece and reading stops, as the one-thread reader makes it one
 * unreadable record. Convert and validate both read their files this way. Throws CSV_NO_HEADER when there is no header row.
 */
export async function* csvPieces(
  src: Source,
  o: {encoding: string; delimiter: string; pieceSize?: number; maxPiece?: number},
  onHeader: (header: string[]) => void,
): AsyncGenerator<CsvPiece> {
  const decoder = o.encoding === 'utf8' ? new StringDecoder('utf8') : iconv.getDecoder(o.encoding)
  const pieceSize = o.pieceSize ?? (1 << 18)
  const maxPiece = o.maxPiece ?? 64 << 20
  const input = src.open()
  let buf = ''
  let first = true
  let line = 1
  let header: string[] | undefined

  const takeHeader = (final: boolean): string[] | undefined => {
    for (;;) {
      const end = firstRowEnd(buf, o.delimiter)
      if (end === -1 && (!final || buf.trim() === '')) return undefined
      const rowText = end === -1 ? buf : buf.slice(0, end)
      buf = end === -1 ? '' : buf.slice(end)
      let rows: string[][]
      try {
        rows = csvParserCore(o.delimiter).parse(rowText, false).rows
      } catch (error) {
        throw new HimError(`${src.name}:line ${line}: ${describeParseError(String((error as Error).message)).reason}`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
      }
      line += countNewlines(rowText) || 1
      const row = rows[0]
      if (!row || row.length === 0 || (row.length === 1 && row[0] === '')) continue
      return row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim())
    }
  }
  const piece = (text: string): CsvPiece => {
    const p = {text, startLine: line}
    line += countNewlines(text)
    return p
  }

  try {
    for await (const chunk of input) {
      let text = decoder.write(chunk as Buffer) ?? ''
      if (first) {
        text = text.replace(/^\uFEFF/, '')
        first = false
      }
      buf += text
      if (!header) {
        header = takeHeader(false)
        if (!header) continue
        onHeader(header)
      }
      while (buf.length >= pieceSize) {
        const cut = lastRowEnd(buf, o.delimiter)
        if (cut === -1) {
          if (buf.length < maxPiece) break
          yield piece(buf)
          return
        }
        const text = buf.slice(0, cut)
        buf = buf.slice(cut)
        yield piece(text)
      }
    }
    buf += decoder.end() ?? ''
    if (!header) {
      header = takeHeader(true)
      if (!header) throw new HimError(`${src.name}: no header row`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
      onHeader(header)
    }
    if (buf !== '') yield piece(buf)
  } finally {
    input.destroy()
  }
}

export async function convertCsvToNdjsonInParallel(
  src: Source,
  ctx: ReaderContext & CsvReadOptions,
  sink: Sink,
  rejects: RejectSink,
  tally: Tally,
  file: {in: number; out: number; rejected: number},
  onProgress?: () => void,
  opts: ParallelOptions = {},
): Promise<void> {
  const delimiter = csvDelimiterOf(src, ctx)
  const nWorkers = Math.max(1, opts.workers ?? parallelWorkers())
  let workers: PieceWorkers<PieceResult> | undefined
  let recordBase = 0

  const startWorkers = (h: string[]) => {
    const mapping = resolveCsvMapping(src, h, delimiter, ctx).mapping
    const setup: WorkerSetup = {file: src.name, header: h, delimiter, mapping, mappingCtx: ctx.mappingCtx}
    workers = new PieceWorkers<PieceResult>(new URL('./csv-worker.js', import.meta.url), setup, nWorkers, WORKER_LIMITS)
  }

  const take = async (r: PieceResult) => {
    if (r.error) throw new Error(`csv worker failed: ${r.error}`)
    await sink.writeBytes(r.ndjson)
    for (const rej of r.rejects) {
      rej.loc.record = (rej.loc.record ?? 0) + recordBase
      tally.reject(rej.code)
      await rejects.write(rej)
    }
    recordBase += r.records
    tally.in += r.records
    tally.out += r.out
    file.in += r.records
    file.out += r.out
    file.rejected += r.rejects.length
    await sink.flushIfFull()
    onProgress?.()
    return !r.fatal
  }

  try {
    const pieces = csvPieces(src, {encoding: ctx.encoding ?? 'utf8', delimiter, pieceSize: opts.pieceSize, maxPiece: opts.maxPiece}, startWorkers)
    await inFileOrder(pieces, {send: (p) => workers!.send(p), window: () => workers!.size * 2, take})
  } finally {
    await workers?.terminate()
  }
}

/** Offset just after the first row's newline (outside quoted fields), or -1. */
export function firstRowEnd(text: string, delimiter = ','): number {
  const spans = quotedSpans(text, delimiter.charCodeAt(0))
  let k = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    while (k < spans.length && spans[k][1] < i) k++
    if (k >= spans.length || spans[k][0] > i) return i + 1
    i = spans[k][1] // inside a quoted field: look after it
  }
  return -1
}
