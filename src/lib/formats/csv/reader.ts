import {createRequire} from 'node:module'
import {StringDecoder} from 'node:string_decoder'
import iconv from 'iconv-lite'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {type Source} from '../../io/source.js'
import {type ReadResult} from '../../records/types.js'
import {quoteFreeRows} from './quote-free-rows.js'

const require = createRequire(import.meta.url)
// fast-csv's parser core (the package's own CsvParserStream drives it the same way, one chunk at a time).
const {Parser} = require('@fast-csv/parse/build/src/parser/Parser.js') as {Parser: new (o: unknown) => {parse(text: string, hasMore: boolean): {line: string; rows: string[][]}}}
const {ParserOptions} = require('@fast-csv/parse/build/src/ParserOptions.js') as {ParserOptions: new (o: object) => unknown}

export type CsvEncoding = 'utf8' | 'windows-1252' | 'latin1'
export const CSV_ENCODINGS: CsvEncoding[] = ['utf8', 'windows-1252', 'latin1']
export const DELIMITERS = [',', ';', '\t', '|'] as const
export type Delimiter = (typeof DELIMITERS)[number]

/** Split the first lines of a text at newlines outside quotes. */
function firstLines(text: string, n: number): string[] {
  const lines: string[] = []
  let cur = ''
  let inQ = false
  for (let i = 0; i < text.length && lines.length < n; i++) {
    const ch = text[i]
    if (ch === '"') inQ = !inQ
    if (!inQ && (ch === '\n' || ch === '\r')) {
      if (ch === '\r' && text[i + 1] === '\n') i++
      if (cur !== '') lines.push(cur)
      cur = ''
      continue
    }
    cur += ch
  }
  if (cur !== '' && lines.length < n) lines.push(cur)
  return lines
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0
  let inQ = false
  for (const ch of line) {
    if (ch === '"') inQ = !inQ
    else if (!inQ && ch === d) n++
  }
  return n
}

/** Pick the delimiter that splits the header and the next lines into the same, largest number of fields. */
export function sniffDelimiter(text: string): Delimiter {
  const lines = firstLines(text.replace(/^\uFEFF/, ''), 6)
  let best: Delimiter = ','
  let bestScore = 0
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d))
    if (counts[0] === 0) continue
    const consistent = counts.filter((c) => c === counts[0]).length
    const score = consistent * 1000 + counts[0]
    if (score > bestScore) {
      bestScore = score
      best = d
    }
  }
  return best
}

/** Offset of the first byte that breaks UTF-8, or -1. A sequence cut off at the end of `buf` is not an error. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0
  while (i < buf.length) {
    const b = buf[i]
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (n === -1) return i
    for (let k = 1; k <= n; k++) {
      if (i + k >= buf.length) return -1
      if ((buf[i + k] & 0xc0) !== 0x80) return i
    }
    i += n + 1
  }
  return -1
}

/** The head of a UTF-8 file that is not valid UTF-8 was most likely saved by Excel on Windows. */
function checkUtf8(src: Source): void {
  const bad = firstInvalidUtf8(src.head)
  if (bad === -1) return
  const line = src.head.subarray(0, bad).toString('latin1').split('\n').length
  throw new HimError(`${src.name}:line ${line}: not valid UTF-8 (byte ${bad})`, {
    code: 'CSV_ENCODING',
    exit: ExitCode.DATA,
    suggestion: 'files saved by Excel on Windows are usually windows-1252: add --encoding windows-1252',
  })
}

export interface CsvHeader {
  header: string[]
  delimiter: Delimiter
}

export interface CsvReadOptions {
  encoding?: CsvEncoding
  delimiter?: Delimiter
}

function lineBreaks(cell: string): number {
  let n = 0
  for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) n++
  if (n === 0 && cell.includes('\r')) for (let i = cell.indexOf('\r'); i !== -1; i = cell.indexOf('\r', i + 1)) n++
  return n
}

/**
 * Turns parsed rows into results with their line and row numbers: the first non-blank row is the header (unless
 * given), blank lines are skipped, rows with a field count other than the header's are rejects.
 */
export class CsvRowTracker {
  constructor(
    readonly file: string,
    public header?: string[],
    /** The physical line the next row starts on. */
    public line = 1,
    /** Data rows seen so far. */
    public record = 0,
  ) {}

  take(rows: string[][], batch: CsvBatch): void {
    for (const row of rows) {
      const start = this.line
      let breaks = 0
      for (let i = 0; i < row.length; i++) breaks += lineBreaks(row[i])
      this.line += 1 + breaks
      if (row.length === 0 || (row.length === 1 && row[0] === '')) continue
      if (!this.header) {
        this.header = row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim())
        continue
      }
      this.record++
      if (row.length !== this.header.length) {
        batch.push({
          ok: false,
          loc: {file: this.file, line: start, record: this.record},
          code: 'CSV_RAGGED_ROW',
          reason: `row has ${row.length} fields, the header has ${this.header.length}`,
          raw: row,
        })
        continue
      }
      batch.push({ok: true, value: row, loc: {file: this.file, line: start, record: this.record}})
    }
  }
}

type ParserCore = ReturnType<typeof csvParserCore>

/** Offset just after the first row end (a newline with an even number of quotes since `from`), or -1. */
export function nextRowEnd(text: string, from: number): number {
  let inQ = false
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) inQ = !inQ
    else if (c === 0x0a && !inQ) return i + 1
  }
  return -1
}

/**
 * Parse a chunk of CSV text into results. When fast-csv gives up on the chunk (a stray quote), the chunk is parsed
 * again row by row, so only the bad row is rejected and every good row around it still comes out. An
 * unterminated quote at the end of the input is fatal: the rest of the file is one reject.
 * Returns the text of an incomplete last row (to prepend to the next chunk) and whether reading must stop.
 */
export function parseCsvText(parser: ParserCore, text: string, more: boolean, rows: CsvRowTracker, batch: CsvBatch): {rest: string; fatal: boolean} {
  // Rows without quotes split at the delimiter, the same rows fast-csv gives, ten times faster (quote-free-rows.ts).
  const fast = quoteFreeRows(parser, parser.delimiter, text, more)
  if (fast) {
    rows.take(fast.rows, batch)
    return {rest: fast.rest, fatal: false}
  }
  return parseCsvTextWithFastCsv(parser, text, more, rows, batch)
}

/** parseCsvText with fast-csv alone (the reference the fast path is tested against). */
export function parseCsvTextWithFastCsv(parser: ParserCore, text: string, more: boolean, rows: CsvRowTracker, batch: CsvBatch): {rest: string; fatal: boolean} {
  try {
    const parsed = parser.parse(text, more)
    rows.take(parsed.rows, batch)
    if (!more && parsed.line.trim() !== '') {
      batch.push({ok: false, loc: {file: rows.file, line: rows.line, record: rows.record + 1}, ...describeParseError('missing closing')})
      return {rest: '', fatal: true}
    }
    return {rest: parsed.line, fatal: false}
  } catch {
    // row by row
  }
  let pos = 0
  while (pos < text.length) {
    const end = nextRowEnd(text, pos)
    if (end === -1 && more) return {rest: text.slice(pos), fatal: false}
    const rowText = end === -1 ? text.slice(pos) : text.slice(pos, end)
    pos = end === -1 ? text.length : end
    try {
      const parsed = parser.parse(rowText, false)
      rows.take(parsed.rows, batch)
    } catch (error) {
      const problem = describeParseError(String((error as Error).message))
      const fatal = problem.code === 'CSV_UNTERMINATED_QUOTE'
      if (!rows.header) {
        batch.push({ok: false, loc: {file: rows.file, line: rows.line}, ...problem})
        return {rest: '', fatal: true}
      }
      rows.record++
      batch.push({
        ok: false,
        loc: {file: rows.file, line: rows.line, record: rows.record},
        code: problem.code,
        reason: fatal ? problem.reason : 'a quote inside an unquoted field, or text after a closing quote',
        raw: fatal ? undefined : rowText,
      })
      if (fatal) return {rest: '', fatal: true}
      let n = 0
      for (let i = rowText.indexOf('\n'); i !== -1; i = rowText.indexOf('\n', i + 1)) n++
      rows.line += Math.max(1, n)
    }
  }
  return {rest: '', fatal: false}
}

/** fast-csv's parser core for one delimiter. */
export const csvParserCore = (delimiter: string) => Object.assign(new Parser(new ParserOptions({headers: false, delimiter, ignoreEmpty: false, trim: false})), {delimiter})

export function describeParseError(message: string): {code: string; reason: string} {
  if (/missing closing/i.test(message))
    return {code: 'CSV_UNTERMINATED_QUOTE', reason: 'a quoted field is never closed; the rest of the file cannot be read'}
  if (/expected/i.test(message))
    return {code: 'CSV_BAD_QUOTE', reason: 'text follows a closing quote; the rest of the file cannot be read'}
  return {code: 'CSV_PARSE_ERROR', reason: 'the CSV cannot be parsed from here on'}
}

/** Check the encoding of a source's head and settle its delimiter (given, else sniffed). */
export function csvDelimiterOf(src: Source, opts: CsvReadOptions): Delimiter {
  const encoding = opts.encoding ?? 'utf8'
  let headText: string
  if (encoding === 'utf8') {
    checkUtf8(src)
    headText = src.head.toString('utf8')
  } else headText = iconv.decode(src.head, encoding)
  return opts.delimiter ?? sniffDelimiter(headText)
}

/** A batch of rows: everything fast-csv's parser found in one chunk of the file. */
export type CsvBatch = Array<ReadResult<string[]>>

/**
 * Read a CSV source: first its header, then batches of rows, each row with its line and row number.
 * fast-csv's parser core is driven directly, a chunk at a time (its stream wrapper costs an event per row).
 * Ragged rows are rejects; blank lines are skipped; a fatal parse error (an unterminated quote) ends the file
 * with one reject that says where.
 */
export async function* readCsv(src: Source, opts: CsvReadOptions = {}): AsyncGenerator<CsvHeader | CsvBatch> {
  const encoding = opts.encoding ?? 'utf8'
  const delimiter = csvDelimiterOf(src, opts)

  const decoder = encoding === 'utf8' ? new StringDecoder('utf8') : iconv.getDecoder(encoding)
  const parser = csvParserCore(delimiter)
  const input = src.open()

  const rows = new CsvRowTracker(src.name)
  let rest = ''
  let first = true

  try {
    const chunks = (async function* () {
      for await (const buf of input) yield decoder.write(buf as Buffer)
      const end = decoder.end()
      if (end) yield end
    })()
    let more = true
    while (more) {
      const n = await chunks.next()
      more = !n.done
      let text = rest + (n.done ? '' : (n.value as string))
      if (first && text) {
        text = text.replace(/^\uFEFF/, '')
        first = false
      }
      const hadHeader = rows.header !== undefined
      const batch: CsvBatch = []
      const r = parseCsvText(parser, text, more, rows, batch)
      rest = r.rest
      if (!rows.header && r.fatal) throw new HimError(`${src.name}:line ${batch[0]?.loc.line ?? 1}: ${!batch[0]?.ok && batch[0]?.reason}`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
      if (!hadHeader && rows.header) yield {header: rows.header, delimiter}
      if (batch.length) yield batch
      if (r.fatal) return
    }
  } catch (error) {
    if (error instanceof HimError) throw error
    const e = error as NodeJS.ErrnoException
    throw new HimError(`${src.name}: read failed (${e.code ?? 'error'})`, {code: 'INPUT_UNREADABLE', exit: ExitCode.NO_INPUT})
  } finally {
    input.destroy()
  }
  if (!rows.header) throw new HimError(`${src.name}: no header row`, {code: 'CSV_NO_HEADER', exit: ExitCode.DATA})
}
