/**
 * A worker of the parallel FHIR NDJSON de-identification: whole pieces of the file (cut at line ends by the main
 * thread) are parsed, de-identified with the run's rules and written back as NDJSON bytes, with the rejects, the
 * counts, the audit counts and (for the k-anonymity report) the Patients' quasi-identifiers. The same engines as
 * the one-thread path, so the output is byte-identical.
 *
 * Each resource needs its patient (date shift, names to sweep from text), and that Patient may be in a piece
 * another worker has. So a piece's Patients are read first and told to the other workers (through the main
 * thread, on this worker's port) before anything is de-identified; a resource whose patient is not known waits
 * until every earlier piece has been read for its Patients. A patient still unknown then comes later in the
 * inputs (or nowhere): the piece goes back untouched, to come again once the main thread has read the inputs for
 * all their Patients, as the one-thread path does.
 */
import {type MessagePort, parentPort, receiveMessageOnPort, workerData} from 'node:worker_threads'

import {NdjsonBytes} from '../convert/ndjson-bytes.js'
import {ndjsonRecord, type Resource} from '../formats/fhir/reader.js'
import {type Reject} from '../records/types.js'
import {type AuditDelta} from './audit.js'
import {type DeidConfigFile} from './config-file.js'
import {fhirDeidentifierFor} from './fhir-deid.js'
import {FhirPatientIndex, type PatientData} from './fhir-patients.js'
import {compileMsRules, presetFhirRules} from './fhir-rules.js'
import {fhirQuasiIdentifiers} from './k-anonymity.js'
import {type DeidKeys} from './keys.js'
import {makeSettings} from './methods.js'
import {type PresetName, PRESETS} from './presets.js'
import {type Zip3TableName} from './zip-tables.js'

export interface FhirDeidWorkerSetup {
  file: string
  preset: PresetName
  config?: DeidConfigFile
  keys: DeidKeys
  zipTable: Zip3TableName
  /** The run's reference date (ms since the epoch), so every thread judges ages alike. */
  asOf: number
  mrnSystem?: string
  /** The patients the main thread knows so far. */
  patients: PatientData[]
  /** Whether that is every patient of the inputs (the first pass has run): an unknown patient stays unknown. */
  complete: boolean
  quasiIdentifiers?: string[]
}

/** A piece: whole lines of UTF-8 NDJSON; `first` for the file's first piece (a BOM may open it). */
export interface FhirPieceRequest {
  bytes: Uint8Array
  first: boolean
}

/** On the worker's port: a piece's Patients, from the worker that read it (relayed by the main thread). */
export interface FhirPatientsRelay {
  seq: number
  patients: PatientData[]
}

/** From the main thread: the worker's port, or (complete) every patient of the inputs after a first pass. */
export type FhirControlMessage = {kind: 'port'; port: MessagePort} | {kind: 'patients'; patients: PatientData[]; complete: true}

export interface FhirPieceResult {
  seq: number
  /** A resource's patient is not known yet: nothing was done; send the piece again with the whole index. */
  needsIndex?: boolean
  ndjson: Uint8Array
  /** Physical lines in the piece (blank ones included). */
  lines: number
  /** Non-blank lines: the records, rejected ones included. */
  records: number
  out: number
  /** Rejects; loc.line and loc.record count from 1 within the piece. */
  rejects: Reject[]
  /** The quasi-identifiers of each de-identified Patient, in order. */
  qi: string[][]
  audit: AuditDelta
  error?: string
}

const setup = workerData as FhirDeidWorkerSetup
const preset = PRESETS[setup.preset]
const rules = setup.config ? compileMsRules(setup.config.ms, setup.config.path) : presetFhirRules(preset)
const settings = makeSettings(preset, setup.keys, {zipTable: setup.zipTable, asOf: new Date(setup.asOf)})
const patients = new FhirPatientIndex(setup.mrnSystem)
patients.learn(setup.patients)
let complete = setup.complete
const deidentifier = fhirDeidentifierFor(rules, settings, patients, setup.config)

let port: MessagePort | undefined
/** Pieces read for their Patients: every one below `scannedBelow`, and these above it. */
const scanned = new Set<number>()
let scannedBelow = 0
const nap = new Int32Array(new SharedArrayBuffer(4))

function learn(m: FhirPatientsRelay): void {
  // The first Patient met under an id stays (as in the one-thread path).
  patients.learn(m.patients.filter((p) => !patients.has(p.id)))
  scanned.add(m.seq)
  while (scanned.delete(scannedBelow)) scannedBelow++
}

/** Wait (this thread only) until every piece before `seq` has been read for its Patients. */
function waitForEarlierPieces(seq: number): void {
  while (scannedBelow < seq) {
    const m = port && receiveMessageOnPort(port)
    if (m) learn(m.message as FhirPatientsRelay)
    else Atomics.wait(nap, 0, 0, 2)
  }
}

const PATIENT = '"Patient"'

/** Output bytes per input byte, a little above pseudonymize's (hashes are longer than most ids): room without regrowing. */
const GROWTH = 2

function deidPiece(req: FhirPieceRequest & {seq: number}): FhirPieceResult {
  const text = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength).toString('utf8')
  const lines = splitLines(text)
  if (req.first && lines.length) lines[0] = lines[0].replace(/^\uFEFF/, '')
  // The piece's Patients first, for the other workers (parsed once: kept for the pass below).
  const parsed = new Map<number, ReturnType<typeof ndjsonRecord>>()
  const fresh: PatientData[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes(PATIENT) || lines[i].trim() === '') continue
    const r = ndjsonRecord(lines[i], {file: setup.file, line: i + 1})
    parsed.set(i, r)
    if (r.ok && r.value.resourceType === 'Patient' && typeof r.value.id === 'string' && !patients.has(r.value.id)) {
      const e = patients.add(r.value)
      fresh.push({id: r.value.id, key: e.key, names: e.names, values: e.values})
    }
  }
  const relay: FhirPatientsRelay = {seq: req.seq, patients: fresh}
  port?.postMessage(relay)
  learn({seq: req.seq, patients: []})

  const rejects: Reject[] = []
  const qi: string[][] = []
  const ndjson = new NdjsonBytes(req.bytes.byteLength * GROWTH)
  const qis = setup.quasiIdentifiers
  let records = 0
  let out = 0
  // Line by line, so each resource is garbage before the next young-generation collection.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.trim() === '') continue
    records++
    const item = parsed.get(i) ?? ndjsonRecord(line, {file: setup.file, line: i + 1})
    item.loc.record = records
    if (!item.ok) {
      rejects.push({loc: item.loc, code: item.code, reason: item.reason}) // never the line itself
      continue
    }
    if (!complete && !patients.knows(item.value)) {
      waitForEarlierPieces(req.seq)
      if (!patients.knows(item.value)) {
        // Later in the inputs, or nowhere: what was counted for this piece is taken back, to count again.
        settings.audit.discardDelta()
        return {seq: req.seq, needsIndex: true, ndjson: new Uint8Array(0), lines: 0, records: 0, out: 0, rejects: [], qi: [], audit: {counts: [], warnings: []}}
      }
    }
    let r: Resource
    try {
      r = deidentifier.deidentify(item.value)
    } catch {
      rejects.push({loc: item.loc, code: 'DEID_FAILED', reason: 'the resource could not be de-identified'})
      continue
    }
    if (qis && r.resourceType === 'Patient') qi.push(fhirQuasiIdentifiers(r, qis))
    ndjson.line(JSON.stringify(r))
    out++
  }
  return {seq: req.seq, ndjson: ndjson.bytes(), lines: lines.length, records, out, rejects, qi, audit: settings.audit.takeDelta()}
}

/** Lines as node:readline (the one-thread reader) takes them: ended by LF, CRLF or a lone CR; none after a final end. */
function splitLines(text: string): string[] {
  const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

parentPort!.on('message', (msg: (FhirPieceRequest & {seq: number}) | FhirControlMessage) => {
  if ('kind' in msg) {
    if (msg.kind === 'port') {
      port = msg.port
      port.on('message', (m: FhirPatientsRelay) => learn(m))
    } else {
      patients.learn(msg.patients)
      complete = true
    }
    return
  }
  try {
    const r = deidPiece(msg)
    parentPort!.postMessage(r, [r.ndjson.buffer as ArrayBuffer])
  } catch (error) {
    // The other workers must not wait for this piece's Patients (telling twice does no harm).
    port?.postMessage({seq: msg.seq, patients: []} satisfies FhirPatientsRelay)
    const r: FhirPieceResult = {seq: msg.seq, ndjson: new Uint8Array(0), lines: 0, records: 0, out: 0, rejects: [], qi: [], audit: {counts: [], warnings: []}, error: (error as Error).name}
    parentPort!.postMessage(r)
  }
})
