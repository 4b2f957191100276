import {cpus} from 'node:os'
import {type Readable} from 'node:stream'
import {MessageChannel, type MessagePort, receiveMessageOnPort} from 'node:worker_threads'

import {inFileOrder, parallelWorkers, PieceWorkers} from '../convert/parallel-csv.js'
import {type Sink} from '../io/sink.js'
import {type Reject, type Tally} from '../records/types.js'
import {type FhirControlMessage, type FhirDeidWorkerSetup, type FhirPatientsRelay, type FhirPieceRequest, type FhirPieceResult} from './fhir-deid-worker.js'
import {type FhirPatientIndex} from './fhir-patients.js'
import {type QuasiIdentifierClasses} from './k-anonymity.js'
import {type DeidAudit} from './audit.js'

/**
 * Worker threads for FHIR de-identification: HIMKIT_WORKERS when set; otherwise as many as there are idle cores (up
 * to 4), measured over a quarter of a second before starting, and none when fewer than two are idle. The workers
 * cost CPU of their own (start-up, moving pieces between threads, each its own JIT warm-up): on idle cores that buys
 * time, on a busy machine it only adds work (see docs/deid.md for the figures). The output is the same either way.
 */
export async function deidWorkers(): Promise<number> {
  if (process.env.HIMKIT_WORKERS !== undefined) return parallelWorkers()
  const n = Math.min(4, Math.round(await idleCores(250)))
  return n >= 2 ? n : 0
}

/** How many cores were idle, on average, over the next `ms` milliseconds. */
async function idleCores(ms: number): Promise<number> {
  const busyAndIdle = () => cpus().map((c) => ({idle: c.times.idle, all: c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq}))
  const before = busyAndIdle()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const after = busyAndIdle()
  let idle = 0
  let all = 0
  for (let i = 0; i < Math.min(before.length, after.length); i++) {
    idle += after[i].idle - before[i].idle
    all += after[i].all - before[i].all
  }
  return all > 0 ? (idle / all) * after.length : after.length
}

/**
 * A larger young generation than the CSV workers' (a piece's resources are bigger and live while they are
 * de-identified); no old-generation cap below Node's own, since each worker holds the run's patient index.
 */
const DEID_WORKER_LIMITS = {maxYoungGenerationSizeMb: 48}

export interface FhirParallelJob {
  /** The input's bytes (hashed for the audit manifest as they are read). */
  open: () => Readable
  sink: Sink
  /** The workers' setup, less the patients (taken from `patients` when they start). */
  setup: Omit<FhirDeidWorkerSetup, 'patients' | 'complete'>
  patients: FhirPatientIndex
  /** Whether the first pass over the inputs for their Patients has run. */
  indexed: () => boolean
  ensureIndexed: () => Promise<void>
  audit: DeidAudit
  tally: Tally
  file: {in: number; out: number}
  reject: (r: Reject) => Promise<void>
  classes?: QuasiIdentifierClasses
  onProgress?: () => void
}

/**
 * FHIR NDJSON de-identified on worker threads: the file is cut into pieces of whole lines, each de-identified by
 * the next worker, and the results written in the file's order, so the output, the rejects and the audit counts are
 * those of the one-thread path. The workers tell each other (through here) the Patients of the pieces they read;
 * a resource whose patient comes later in the inputs sends its piece back, the inputs are read once for all their
 * Patients, and the piece is sent again (see fhir-deid-worker.ts). Not for runs that renumber ids (the codes are
 * given in the order ids are met) or suppress by k-anonymity.
 */
export async function deidFhirNdjsonInParallel(j: FhirParallelJob, opts: {workers: number; pieceSize?: number}): Promise<void> {
  let complete = j.indexed()
  const setup: FhirDeidWorkerSetup = {...j.setup, patients: j.patients.entries(), complete}
  const workers = new PieceWorkers<FhirPieceResult, FhirPieceRequest>(new URL('./fhir-deid-worker.js', import.meta.url), setup, opts.workers, DEID_WORKER_LIMITS)
  // One port per worker: what a worker reads of its pieces' Patients goes to every other worker, and here.
  const ports: MessagePort[] = []
  const relay = (from: number, m: FhirPatientsRelay) => {
    j.patients.learn(m.patients.filter((p) => !j.patients.has(p.id)))
    ports.forEach((p, i) => i !== from && p.postMessage(m))
  }
  for (let i = 0; i < workers.size; i++) {
    const {port1, port2} = new MessageChannel()
    port1.on('message', (m: FhirPatientsRelay) => relay(i, m))
    ports.push(port1)
    workers.postTo(i, {kind: 'port', port: port2} satisfies FhirControlMessage, [port2])
  }
  let lineBase = 0
  let recordBase = 0

  const take = async (answer: FhirPieceResult, piece: FhirPieceRequest) => {
    let r = answer
    if (r.needsIndex) {
      if (!complete) {
        await j.ensureIndexed()
        complete = true
        workers.broadcast({kind: 'patients', patients: j.patients.entries(), complete: true} satisfies FhirControlMessage)
      }
      r = await workers.send(piece)
    }
    if (r.error) throw new Error(`FHIR de-identification worker failed: ${r.error}`)
    j.audit.addDelta(r.audit)
    await j.sink.writeBytes(r.ndjson)
    for (const rej of r.rejects) {
      rej.loc.line = (rej.loc.line ?? 0) + lineBase
      rej.loc.record = (rej.loc.record ?? 0) + recordBase
      await j.reject(rej)
    }
    for (const q of r.qi) j.classes?.add(q)
    lineBase += r.lines
    recordBase += r.records
    j.tally.in += r.records
    j.file.in += r.records
    j.tally.out += r.out
    j.file.out += r.out
    j.onProgress?.()
  }

  try {
    await inFileOrder(ndjsonPieces(j.open(), opts.pieceSize ?? 1 << 20), {send: (p) => workers.send(p), window: () => workers.size * 2, take})
    // Patients told but not yet taken in here (the next FHIR input's workers start from this index).
    ports.forEach((p, i) => {
      for (let m = receiveMessageOnPort(p); m; m = receiveMessageOnPort(p)) relay(i, m.message as FhirPatientsRelay)
    })
  } finally {
    for (const p of ports) p.close()
    await workers.terminate()
  }
}

/** Pieces of about `size` bytes, each ending at a line end (a longer line: the whole line), but the last. */
async function* ndjsonPieces(input: Readable, size: number): AsyncGenerator<FhirPieceRequest> {
  // Chunks are gathered until there is a piece's worth, then joined once (not re-copied with every chunk).
  let chunks: Buffer[] = []
  let length = 0
  let first = true
  const piece = (bytes: Buffer): FhirPieceRequest => {
    const p = {bytes, first}
    first = false
    return p
  }
  try {
    for await (const chunk of input) {
      chunks.push(chunk as Buffer)
      length += (chunk as Buffer).length
      if (length < size) continue
      const buf = Buffer.concat(chunks, length)
      let start = 0
      for (let nl = buf.indexOf(10, start + size - 1); nl !== -1 && buf.length - start >= size; nl = buf.indexOf(10, start + size - 1)) {
        yield piece(buf.subarray(start, nl + 1))
        start = nl + 1
      }
      const rest = buf.subarray(start)
      chunks = rest.length ? [rest] : []
      length = rest.length
    }
    if (length) yield piece(Buffer.concat(chunks, length))
  } finally {
    input.destroy()
  }
}
