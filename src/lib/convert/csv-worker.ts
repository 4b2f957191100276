/**
 * A worker of the parallel CSV -> NDJSON path: parses whole pieces of a CSV file (cut at row boundaries by the
 * main thread) with fast-csv's parser core, maps each row to a Patient and returns the NDJSON text, the rejects
 * with their locations, and the counts. Same engines as the one-thread path, so the output is byte-identical.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {CsvRowTracker, csvParserCore, parseCsvText, type CsvBatch} from '../formats/csv/reader.js'
import {compileToFhir, isProblem, type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {compilePatientJson} from '../formats/csv/mapping/patient-json.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type Reject} from '../records/types.js'
import {NdjsonBytes} from './ndjson-bytes.js'

export interface WorkerSetup {
  file: string
  header: string[]
  delimiter: string
  mapping: Mapping
  mappingCtx: MappingContext
}

export interface PieceRequest {
  seq: number
  text: string
  /** Physical line the piece starts on. */
  startLine: number
}

export interface PieceResult {
  seq: number
  /** The piece's NDJSON as UTF-8 bytes, transferred (not copied) to the main thread. */
  ndjson: Uint8Array
  /** Data records in the piece, rejected ones included. */
  records: number
  out: number
  /** Rejects; loc.record counts from 1 within the piece. */
  rejects: Reject[]
  /** A parse error that ends the file: the rest cannot be read. */
  fatal?: boolean
  error?: string
}

const setup = workerData as WorkerSetup
const {toPatient} = compileToFhir(setup.mapping, setup.header, setup.mappingCtx)
/** The Patient's JSON straight from the cells (same bytes); rows it does not cover take the object path. */
const toJson = compilePatientJson(setup.mapping, setup.header, setup.mappingCtx)?.toJson
const parser = csvParserCore(setup.delimiter)

/** NDJSON bytes per CSV character, a little above the built-in layouts' (about 5.8): room without regrowing. */
const BYTES_PER_CHAR = 7

/**
 * The piece is parsed a slice at a time, carrying the incomplete last row over, as the one-thread reader does with
 * the file's chunks: each slice's rows are written and dropped before the next slice is parsed, so they die young
 * instead of a whole piece of rows outliving young-generation collections.
 */
const SLICE = 16 * 1024
/** A row still open after this many characters (an unterminated quote): the rest of the piece is parsed at once. */
const LONG_ROW = 4 * SLICE

function convertPiece(req: PieceRequest): PieceResult {
  const {text} = req
  const tracker = new CsvRowTracker(setup.file, setup.header, req.startLine, 0)
  const rejects: Reject[] = []
  const ndjson = new NdjsonBytes(text.length * BYTES_PER_CHAR)
  let out = 0
  let fatal = false
  let rest = ''
  for (let pos = 0; pos < text.length && !fatal; ) {
    const end = rest.length > LONG_ROW ? text.length : Math.min(text.length, pos + SLICE)
    const batch: CsvBatch = []
    const r = parseCsvText(parser, rest + text.slice(pos, end), end < text.length, tracker, batch)
    rest = r.rest
    fatal = r.fatal
    pos = end
    for (const row of batch) {
      if (!row.ok) {
        rejects.push(row)
        continue
      }
      const line = toJson?.(row.value)
      if (line !== undefined) {
        ndjson.line(line)
        out++
        continue
      }
      const p = toPatient(row.value)
      if (isProblem(p)) rejects.push({loc: {...row.loc, field: p.field || undefined}, code: p.code, reason: p.reason, raw: row.value})
      else {
        ndjson.line(JSON.stringify(p))
        out++
      }
    }
  }
  return {seq: req.seq, ndjson: ndjson.bytes(), records: tracker.record, out, rejects, fatal}
}

parentPort!.on('message', (req: PieceRequest) => {
  try {
    const r = convertPiece(req)
    parentPort!.postMessage(r, [r.ndjson.buffer as ArrayBuffer])
  } catch (error) {
    parentPort!.postMessage({seq: req.seq, ndjson: new Uint8Array(0), records: 0, out: 0, rejects: [], error: (error as Error).name} satisfies PieceResult)
  }
})
