/**
 * A worker of the parallel CSV validation: parses whole pieces of a CSV file (cut at row boundaries by the main
 * thread) with fast-csv's parser core and runs the per-row CSV rules on them. It returns the findings in the order
 * the rules made them, each tagged with its row in the piece and whether it came before or after the row's keys;
 * and each row's keys (MRN hash, row hash) for the main thread to check against the whole file, in file order.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {type PieceRequest} from '../../convert/csv-worker.js'
import {type MappingContext} from '../../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../../formats/csv/mapping/schema.js'
import {CsvRowTracker, csvParserCore, parseCsvText, type CsvBatch} from '../../formats/csv/reader.js'
import {type FindingLocation} from '../findings.js'
import {compileCsvValidator} from './csv-rules.js'

export interface ValidateWorkerSetup {
  file: string
  header: string[]
  delimiter: string
  mapping: Mapping
  mappingCtx: MappingContext
  today: string
  /** Keep the offending values (--show-values); else they are dropped here and never cross threads. */
  showValues: boolean
}

/** A piece of rows, as convert's workers get them (csvPieces, PieceWorkers). */
export type ValidatePieceRequest = PieceRequest

/** A finding as the rules emitted it; `at` = row index in the piece * 2 + (1 when after the row's keys). */
export interface PieceFinding {
  at: number
  rule: string
  message: string
  /** `record` counts from 1 within the piece. */
  location: FindingLocation
  value?: string
}

export interface ValidatePieceResult {
  seq: number
  /** Results in the piece (rows and unreadable rows); `records` of them are numbered (a final fatal one is not). */
  rows: number
  records: number
  /** Per result: its physical line, its MRN hash and row hash (-1: no key; an unreadable row has neither). */
  lines: Int32Array
  mrnHashes: Float64Array
  rowHashes: Float64Array
  /** Per result, the MRN (only with --show-values). */
  mrns?: string[]
  findings: PieceFinding[]
  /** Filled counts per header column and rows counted, for completeness. */
  filled: number[]
  total: number
  fatal?: boolean
  error?: string
}

const setup = workerData as ValidateWorkerSetup
const parser = csvParserCore(setup.delimiter)

let findings: PieceFinding[] = []
let at = 0
let current: {lines: Int32Array; mrnHashes: Float64Array; rowHashes: Float64Array; mrns?: string[]; i: number} | undefined

const validator = compileCsvValidator({
  file: setup.file,
  header: setup.header,
  mapping: setup.mapping,
  mappingCtx: setup.mappingCtx,
  today: setup.today,
  emit: (rule, message, location, value) => {
    findings.push(setup.showValues && value !== undefined ? {at, rule, message, location, value} : {at, rule, message, location})
  },
  keys: (mrnHash, rowHash, mrn) => {
    const c = current!
    c.mrnHashes[c.i] = mrnHash
    c.rowHashes[c.i] = rowHash
    if (c.mrns) c.mrns[c.i] = mrn
    at |= 1
  },
})
// The header's findings are the main thread's.
findings = []
let countsBefore = validator.counts()

function validatePiece(req: ValidatePieceRequest): ValidatePieceResult {
  const tracker = new CsvRowTracker(setup.file, setup.header, req.startLine, 0)
  const batch: CsvBatch = []
  const {fatal} = parseCsvText(parser, req.text, false, tracker, batch)
  const n = batch.length
  const c = {lines: new Int32Array(n), mrnHashes: new Float64Array(n).fill(-1), rowHashes: new Float64Array(n).fill(-1), mrns: setup.showValues ? new Array<string>(n).fill('') : undefined, i: 0}
  current = c
  findings = []
  for (let i = 0; i < n; i++) {
    const r = batch[i]
    c.i = i
    c.lines[i] = r.loc.line ?? 0
    at = i * 2
    if (r.ok) validator.row(r.value, r.loc)
    else {
      at |= 1
      validator.unreadable(r)
    }
  }
  const counts = validator.counts()
  const filled = counts.filled.map((f, k) => f - countsBefore.filled[k])
  const total = counts.total - countsBefore.total
  countsBefore = counts
  return {seq: req.seq, rows: n, records: tracker.record, lines: c.lines, mrnHashes: c.mrnHashes, rowHashes: c.rowHashes, mrns: c.mrns, findings, filled, total, fatal}
}

parentPort!.on('message', (req: ValidatePieceRequest) => {
  try {
    const r = validatePiece(req)
    parentPort!.postMessage(r, [r.lines.buffer as ArrayBuffer, r.mrnHashes.buffer as ArrayBuffer, r.rowHashes.buffer as ArrayBuffer])
  } catch (error) {
    const empty = {lines: new Int32Array(0), mrnHashes: new Float64Array(0), rowHashes: new Float64Array(0)}
    parentPort!.postMessage({seq: req.seq, rows: 0, records: 0, ...empty, findings: [], filled: [], total: 0, error: (error as Error).name} satisfies ValidatePieceResult)
  }
})
