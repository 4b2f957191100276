import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import {rm, writeFile} from 'node:fs/promises'
import {basename, dirname, extname, join, resolve} from 'node:path'
import {createRequire} from 'node:module'
import {StringDecoder} from 'node:string_decoder'

import {HimError, usageError, worstExit} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {readCsv, type CsvEncoding, type CsvHeader} from '../formats/csv/reader.js'
import {csvWriter} from '../formats/csv/writer.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {normalizeHeader} from '../formats/csv/mapping/builtin.js'
import {detectLayout, readFhir, type Resource} from '../formats/fhir/reader.js'
import {bundleWriter, type BundleType} from '../formats/fhir/writer.js'
import {type Hl7FileItem, MessageAssembler, messageFromLines, SegmentLineSplitter} from '../formats/hl7v2/batch.js'
import {delimitersOf} from '../formats/hl7v2/delimiters.js'
import {type Hl7Message, Hl7ParseError, Hl7Segment} from '../formats/hl7v2/message.js'
import {NdjsonBytes} from '../convert/ndjson-bytes.js'
import {PARALLEL_MIN_BYTES, type ParallelOptions} from '../convert/parallel-csv.js'
import {Sink} from '../io/sink.js'
import {detectFormat, type InputFormat, openSource, type Source} from '../io/source.js'
import {RejectSink} from '../records/reject-sink.js'
import {type Reject, Tally} from '../records/types.js'
import {type ColumnPlan, planCsvColumns} from './csv-columns.js'
import {deidentifyCsvRow} from './csv-deid.js'
import {type DeidConfigFile} from './config-file.js'
import {type FhirDeidentifier, fhirDeidentifierFor} from './fhir-deid.js'
import {deidFhirNdjsonInParallel, deidWorkers} from './fhir-deid-parallel.js'
import {FhirPatientIndex, patientLines} from './fhir-patients.js'
import {compileMsRules, type FhirRule, msKeyRef, presetFhirRules} from './fhir-rules.js'
import {deidentifyHl7Message} from './hl7-deid.js'
import {type DeidKeys, fingerprints, type KeyRefs, missingKeyError, resolveDeidKeys} from './keys.js'
import {fhirQuasiIdentifiers, type KAnonymityReport, kAnonymityReport, QuasiIdentifierClasses} from './k-anonymity.js'
import {applyMethod, checkKeys, type DeidSettings, makeSettings} from './methods.js'
import {type Method, type PresetName, PRESETS} from './presets.js'
import {type Zip3TableName, restrictedZip3, ZIP3_TABLES} from './zip-tables.js'

const require = createRequire(import.meta.url)
const VERSION: string = require('../../../package.json').version

export interface DeidOptions {
  inputs: string[]
  preset?: PresetName
  /** A Microsoft FHIR anonymizer configuration (FHIR inputs). */
  config?: DeidConfigFile
  keyRefs: KeyRefs
  /** One input: the output file (- for stdout). Several: an existing folder. Default: `<name>.deid<ext>` next to each input. */
  output?: string
  rejects?: string
  audit?: string
  kAnonymity?: {quasiIdentifiers: string[]; k: number; suppress?: boolean}
  keepColumns?: string[]
  scrubColumns?: string[]
  mapping?: Mapping
  mrnSystem?: string
  zipTable?: Zip3TableName
  encoding?: CsvEncoding
  asOf?: Date
  env?: NodeJS.ProcessEnv
  onProgress?: (t: Tally, file: string) => void
  warn?: (msg: string) => void
  /** FHIR NDJSON of at least `minBytes` (default 8 MB) on worker threads (default: deidWorkers(); 0: none). */
  parallel?: ParallelOptions & {minBytes?: number}
}

export interface DeidFileSummary {
  input: string
  output: string
  format: InputFormat
  in: number
  out: number
  rejected: number
  suppressed: number
  /** FHIR NDJSON de-identified on worker threads: how many. */
  workers?: number
  /** CSV: what each column became, and why. */
  columns?: Array<Pick<ColumnPlan, 'column' | 'category' | 'method' | 'decidedBy'>>
  mapping?: string
  error?: {code: string; message: string; exit: number}
}

export interface DeidResult {
  preset?: PresetName
  label: string
  notices: string[]
  config?: string
  files: DeidFileSummary[]
  counts: ReturnType<Tally['toJSON']> & {suppressed: number}
  balanced: boolean
  rejectsFile?: string
  auditFile?: string
  rejectSample: Array<Omit<Reject, 'raw'>>
  byMethod: Record<string, number>
  warnings: Array<{message: string; count: number}>
  kAnonymity?: KAnonymityReport
  exitCode: number
  durationMs: number
}

const EXT: Record<InputFormat, string> = {csv: '.csv', fhir: '.ndjson', hl7: '.hl7'}

export function defaultDeidOutput(input: string, format: InputFormat): string {
  const ext = extname(input) || EXT[format]
  return join(dirname(input), `${basename(input, extname(input))}.deid${ext}`)
}

/** The sink's writing side (what the writers call), hashing what goes through. */
function hashingSink(sink: Sink, h: ReturnType<typeof createHash>): Sink {
  const w = {
    push(t: string) {
      h.update(t)
      sink.push(t)
    },
    async write(t: string) {
      w.push(t)
      await sink.flushIfFull()
    },
    async writeBytes(b: Uint8Array) {
      h.update(b)
      await sink.writeBytes(b)
    },
    flushIfFull: () => sink.flushIfFull(),
    flush: () => sink.flush(),
  }
  return w as unknown as Sink
}

async function* hashed(stream: Readable, h: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  for await (const c of stream) {
    h.update(c as Buffer)
    yield c as Buffer
  }
}

/** Resolve keys from flags and the configuration's references; fail (exit 78) before any output when one is missing. */
async function keysFor(o: DeidOptions, fhirRules: FhirRule[] | undefined, formats: Set<InputFormat>) {
  const refs: KeyRefs = {...o.keyRefs}
  if (o.config) {
    refs.key ??= msKeyRef(o.config.ms, 'cryptoHashKey', o.config.path)
    refs.dateKey ??= msKeyRef(o.config.ms, 'dateShiftKey', o.config.path)
    refs.encryptKey ??= msKeyRef(o.config.ms, 'encryptKey', o.config.path)
  }
  const keys = await resolveDeidKeys(refs, o.env)
  if (o.preset && (formats.has('csv') || formats.has('hl7') || (formats.has('fhir') && !o.config)))
    checkKeys(Object.values(PRESETS[o.preset].methods) as Method[], keys, `preset ${o.preset}`)
  if (fhirRules && formats.has('fhir')) {
    for (const r of fhirRules) {
      if (r.method === 'cryptoHash' && !keys.key) throw missingKeyError(`rule "${r.path}" (cryptoHash)`, '--key')
      if (r.method === 'dateShift' && !keys.dateKey) throw missingKeyError(`rule "${r.path}" (dateShift)`, '--date-key')
      if (r.method === 'encrypt' && !keys.encryptKey)
        throw new HimError(`rule "${r.path}" (encrypt) needs an encryption key, and none was given`, {code: 'DEID_KEY_MISSING', exit: ExitCode.CONFIG, suggestion: 'pass --encrypt-key env:NAME'})
    }
  }
  return keys
}

/**
 * De-identify files, each natively in its own format and shape: CSV by column, FHIR by FHIRPath rules, HL7 v2 by
 * field. Streaming: every record read is written or rejected (the rejects file never holds a record's values in
 * a de-identification run). Writes the audit manifest when asked.
 */
export async function deidentifyFiles(o: DeidOptions): Promise<DeidResult> {
  const started = Date.now()
  if (!o.preset && !o.config) throw usageError('choose what to do: --preset safe-harbor|limited-data-set|pseudonymize, or --config with a FHIR anonymizer configuration')
  if (o.inputs.filter((i) => i === '-').length > 1) throw usageError('stdin (-) can be read only once')
  if (o.kAnonymity && (o.kAnonymity.k < 1 || !Number.isInteger(o.kAnonymity.k))) throw usageError('--k must be a whole number of 1 or more')

  const sources: Source[] = []
  for (const input of o.inputs) sources.push(await openSource(input))
  const formats = sources.map(detectFormat)
  const formatSet = new Set(formats)
  if (!o.preset && (formatSet.has('csv') || formatSet.has('hl7')))
    throw usageError('a FHIR anonymizer configuration covers FHIR only: add --preset for the CSV and HL7 inputs')

  const preset = PRESETS[o.preset ?? 'safe-harbor']
  const fhirRules = o.config ? compileMsRules(o.config.ms, o.config.path) : presetFhirRules(preset)
  const keys = await keysFor(o, fhirRules, formatSet)
  const settings = makeSettings(preset, keys, {zipTable: o.zipTable, asOf: o.asOf})

  // Outputs: decided and checked before anything is written.
  const outputs = sources.map((src, i) => {
    if (o.output && (sources.length === 1 || o.output === '-')) return o.output
    if (o.output) return join(o.output, basename(src.path ?? `stdin${EXT[formats[i]]}`))
    return defaultDeidOutput(src.path ?? `stdin${EXT[formats[i]]}`, formats[i])
  })
  if (sources.length > 1 && o.output === '-') throw usageError('several inputs cannot all go to stdout: give -o a folder')
  for (const [i, src] of sources.entries())
    if (src.path && outputs[i] !== '-' && resolve(src.path) === resolve(outputs[i]))
      throw usageError(`${outputs[i]}: the output would overwrite an input`, 'name another output with -o')
  const rejectsPath = o.rejects ?? (outputs[0] === '-' ? 'him-deid-rejects.ndjson' : `${outputs[0]}.rejects.ndjson`)

  // FHIR: every resource gets its patient's shift whatever the order. Patients met before their resources are
  // known as they come; the first resource whose patient is not known yet starts a first pass over the FHIR inputs
  // for their Patient resources (done up front for --suppress, which needs every patient's class first).
  const patients = new FhirPatientIndex(o.mrnSystem)
  const patientResources: Resource[] | undefined = o.kAnonymity?.suppress ? [] : undefined
  let indexed = false
  const isIndexed = () => indexed
  const ensureIndexed = async () => {
    if (indexed) return
    indexed = true
    for (const [i, src] of sources.entries()) if (formats[i] === 'fhir' && src.path) await indexPatients(src, patients, patientResources)
  }
  if (patientResources) await ensureIndexed()

  const fhir = fhirDeidentifierFor(fhirRules, settings, patients, o.config)

  // FHIR with --suppress: the Patients' classes are counted first (on de-identified copies), then a suppressed
  // patient's resources are all left out.
  const suppressedPatients = patientResources && o.kAnonymity ? suppressedFhirPatients(patientResources, fhirRules, o, keys, patients) : undefined

  // FHIR NDJSON on worker threads, unless ids are renumbered (codes given in the order ids are met) or --suppress
  // needs every patient's class first.
  const fhirParallel = !patientResources && !fhirRules.some((r) => r.method === 'renumber')

  const rejects = new RejectSink(rejectsPath)
  const tally = new Tally()
  let suppressed = 0
  const files: DeidFileSummary[] = []
  const exits: number[] = []
  const classes = o.kAnonymity ? new QuasiIdentifierClasses() : undefined
  const hashes: Array<{input?: string; output?: string}> = []

  for (const [i, src] of sources.entries()) {
    const format = formats[i]
    const file: DeidFileSummary = {input: src.name, output: outputs[i], format, in: 0, out: 0, rejected: 0, suppressed: 0}
    files.push(file)
    const sink = await Sink.open(outputs[i])
    const reject = async (r: Reject) => {
      tally.reject(r.code)
      file.rejected++
      await rejects.write({loc: r.loc, code: r.code, reason: r.reason}) // never the record's values
    }
    // For the audit manifest, input and output are hashed as they stream by (no second read).
    const inHash = createHash('sha256')
    const outHash = createHash('sha256')
    const hashedSrc: Source = o.audit ? {...src, open: () => Readable.from(hashed(src.open(), inHash))} : src
    const out = o.audit ? hashingSink(sink, outHash) : sink
    try {
      const job = {src: hashedSrc, sink: out, settings, file, tally, reject, classes, o, fhir, patients, suppressedPatients, ensureIndexed, isIndexed, fhirParallel}
      if (format === 'csv') await deidCsv(job)
      else if (format === 'fhir') await deidFhir(job)
      else await deidHl7(job)
      await sink.commit()
      suppressed += file.suppressed
      hashes.push({input: inHash.digest('hex'), output: outHash.digest('hex')})
    } catch (error) {
      await sink.abort()
      if (!(error instanceof HimError) || sources.length === 1) {
        await rejects.close()
        throw error
      }
      file.error = {code: error.code, message: error.message, exit: error.exit}
      exits.push(error.exit)
      hashes.push({})
      o.warn?.(error.message)
    }
  }
  await rejects.close()
  if (!rejects.written) await rm(rejectsPath, {force: true})
  if (tally.rejected - suppressed > 0) exits.push(ExitCode.REJECTS)

  const kReport = classes && o.kAnonymity ? {...kAnonymityReport(classes, o.kAnonymity.quasiIdentifiers, o.kAnonymity.k), ...(o.kAnonymity.suppress ? {suppressed} : {})} : undefined
  const notices = [preset.notice].filter((x): x is string => Boolean(x) && Boolean(o.preset))
  const label = o.config && !o.preset ? `FHIR anonymizer configuration ${basename(o.config.path)}: not assessed against Safe Harbor` : preset.label
  const result: DeidResult = {
    preset: o.preset,
    label,
    notices,
    config: o.config?.path,
    files,
    counts: {...tally.toJSON(), suppressed},
    balanced: tally.balanced(),
    rejectsFile: rejects.written ? rejectsPath : undefined,
    auditFile: o.audit,
    rejectSample: rejects.sample,
    byMethod: settings.audit.byMethod(),
    warnings: settings.audit.warningList(),
    kAnonymity: kReport,
    exitCode: worstExit(exits),
    durationMs: Date.now() - started,
  }
  if (o.audit) await writeAudit(o.audit, result, settings, o, hashes)
  return result
}

interface Job {
  src: Source
  sink: Sink
  settings: DeidSettings
  file: DeidFileSummary
  tally: Tally
  reject: (r: Reject) => Promise<void>
  classes?: QuasiIdentifierClasses
  o: DeidOptions
  fhir: FhirDeidentifier
  patients: FhirPatientIndex
  /** Patient keys whose resources --suppress leaves out. */
  suppressedPatients?: Set<string>
  /** Run the first pass for Patient resources (once). */
  ensureIndexed: () => Promise<void>
  isIndexed: () => boolean
  /** Whether FHIR NDJSON may go to worker threads. */
  fhirParallel: boolean
}

async function deidCsv(j: Job): Promise<void> {
  let plan: ColumnPlan[] = []
  let writer: ReturnType<typeof csvWriter> | undefined
  let qiIdx: number[] = []
  const rows: string[][] | undefined = j.o.kAnonymity?.suppress ? [] : undefined
  for await (const item of readCsv(j.src, {encoding: j.o.encoding})) {
    if ('header' in item) {
      const h = item as CsvHeader
      const p = planCsvColumns(h.header, j.settings.preset, {mapping: j.o.mapping, keepColumns: j.o.keepColumns, scrubColumns: j.o.scrubColumns})
      plan = p.plan
      j.file.mapping = p.mapping
      j.file.columns = plan.map(({column, category, method, decidedBy}) => ({column, category, method, decidedBy}))
      const unknown = plan.filter((c) => c.category === 'unknown').map((c) => c.column)
      if (unknown.length)
        j.o.warn?.(`${j.src.name}: ${unknown.length} column(s) not recognised were emptied (${j.settings.preset.name} cannot keep what it does not understand): ${unknown.join(', ')}; keep one with --keep-column NAME if it identifies no one`)
      if (j.o.kAnonymity) {
        const norm = h.header.map(normalizeHeader)
        qiIdx = j.o.kAnonymity.quasiIdentifiers.map((q) => {
          const at = norm.indexOf(normalizeHeader(q))
          if (at === -1) throw usageError(`${j.src.name}: --k-anonymity column "${q}" is not in the header`)
          return at
        })
      }
      writer = csvWriter(j.sink, h.header, h.delimiter)
      continue
    }
    for (const row of item) {
      j.tally.in++
      j.file.in++
      if (!row.ok) {
        await j.reject(row)
        continue
      }
      let out: string[]
      try {
        out = deidentifyCsvRow(row.value, plan, j.settings)
      } catch {
        await j.reject({loc: row.loc, code: 'DEID_FAILED', reason: 'the row could not be de-identified'})
        continue
      }
      if (rows) rows.push(out)
      else {
        if (j.classes) j.classes.add(qiIdx.map((x) => out[x]))
        writer!.write(out)
        j.tally.out++
        j.file.out++
      }
    }
    await j.sink.flushIfFull()
    if (j.o.onProgress) j.o.onProgress(j.tally, j.src.name)
  }
  if (rows)
    await writeUnlessSuppressed(j, rows.map((r) => ({row: r, qi: qiIdx.map((x) => r[x])})), async (h) => {
      writer!.write(h.row)
      await j.sink.flushIfFull()
    })
  await writer?.close()
}

async function deidFhir(j: Job): Promise<void> {
  const layout = detectLayout(j.src)
  const head = j.src.head.toString('utf8')
  const isBundle = layout === 'json' && /"resourceType"\s*:\s*"Bundle"/.test(head)
  const bundleType = (/"type"\s*:\s*"(transaction|batch)"/.exec(head)?.[1] ?? 'collection') as BundleType
  const big = layout === 'ndjson' && j.fhirParallel && j.src.path && (j.src.size ?? 0) >= (j.o.parallel?.minBytes ?? PARALLEL_MIN_BYTES)
  const workers = big ? (j.o.parallel?.workers ?? (await deidWorkers())) : 0
  if (workers > 0) {
    const s = j.settings
    j.file.workers = workers
    return deidFhirNdjsonInParallel(
      {
        open: () => j.src.open(),
        sink: j.sink,
        setup: {file: j.src.name, preset: s.preset.name, config: j.o.config, keys: s.keys, zipTable: s.zipTable, asOf: s.asOf.getTime(), mrnSystem: j.o.mrnSystem, quasiIdentifiers: j.o.kAnonymity?.quasiIdentifiers},
        patients: j.patients,
        indexed: j.isIndexed,
        ensureIndexed: j.ensureIndexed,
        audit: s.audit,
        tally: j.tally,
        file: j.file,
        reject: j.reject,
        classes: j.classes,
        onProgress: j.o.onProgress && (() => j.o.onProgress!(j.tally, j.src.name)),
      },
      {workers, pieceSize: j.o.parallel?.pieceSize},
    )
  }
  // NDJSON lines are encoded as they are made and written a megabyte at a time (measured 5-10% faster than
  // buffering strings and joining them); a Bundle goes through its writer.
  let lines = layout === 'ndjson' ? new NdjsonBytes(2 * NDJSON_WRITE) : undefined
  const writer = isBundle ? bundleWriter(j.sink, bundleType) : undefined
  const qis = j.o.kAnonymity?.quasiIdentifiers
  for await (const item of readFhir(j.src)) {
    j.tally.in++
    j.file.in++
    if (!item.ok) {
      await j.reject(item)
      continue
    }
    if (!j.patients.knows(item.value)) await j.ensureIndexed()
    if (j.suppressedPatients?.size) {
      const p = j.patients.patientOf(item.value)
      if (p && j.suppressedPatients.has(p.key)) {
        j.file.suppressed++
        j.tally.reject('K_ANONYMITY_SUPPRESSED')
        j.file.rejected++
        continue
      }
    }
    let r: Resource
    try {
      r = j.fhir.deidentify(item.value)
    } catch {
      await j.reject({loc: item.loc, code: 'DEID_FAILED', reason: 'the resource could not be de-identified'})
      continue
    }
    if (j.classes && qis && r.resourceType === 'Patient')
      j.classes.add(fhirQuasiIdentifiers(r, qis))
    if (lines) {
      lines.line(JSON.stringify(r))
      if (lines.length >= NDJSON_WRITE) {
        await j.sink.writeBytes(lines.bytes())
        lines = new NdjsonBytes(2 * NDJSON_WRITE)
      }
    } else if (writer) {
      writer.write(r)
      // The sink lets its buffer out when full; asking every 64 resources, not after each, saves an await apiece.
      if ((j.file.in & 63) === 0) await j.sink.flushIfFull()
    } else await j.sink.write(JSON.stringify(r, null, 2) + '\n')
    j.tally.out++
    j.file.out++
    if (j.o.onProgress && (j.tally.in & 4095) === 0) j.o.onProgress(j.tally, j.src.name)
  }
  if (lines?.length) await j.sink.writeBytes(lines.bytes())
  await writer?.close()
}

/** Bytes of NDJSON written at a time. */
const NDJSON_WRITE = 1 << 20

/**
 * HL7 v2: messages one by one, and batch envelope segments (FHS/BHS/BTS/FTS) written back in their place, their
 * creation time (FHS-7/BHS-7) treated as a date, so a batch file stays a batch file.
 */
async function deidHl7(j: Job): Promise<void> {
  const qis = j.o.kAnonymity?.quasiIdentifiers
  const splitter = new SegmentLineSplitter()
  const asm = new MessageAssembler()
  const decoder = new StringDecoder('utf8')
  const handle = async (item: Hl7FileItem) => {
    if (item.kind === 'envelope') {
      const d = delimitersOf(item.segment.text)
      const seg = new Hl7Segment(item.segment.text, d ?? undefined)
      if ((seg.name === 'FHS' || seg.name === 'BHS') && seg.raw(7)) {
        const v = applyMethod(seg.raw(7), j.settings.preset.methods.date, 'date', j.settings, {})
        seg.set(7, v ?? '', 'raw')
      }
      await j.sink.write(seg.toString() + '\r')
      return
    }
    j.tally.in++
    j.file.in++
    if (item.kind === 'stray') {
      await j.reject({loc: {file: j.src.name, line: item.segment.line}, code: 'HL7_SEGMENT_OUTSIDE_MESSAGE', reason: 'a segment outside any message (no MSH before it)'})
      return
    }
    const loc = {file: j.src.name, line: item.line, record: item.number}
    let msg: Hl7Message
    try {
      msg = messageFromLines(item.lines)
      deidentifyHl7Message(msg, j.settings)
    } catch (error) {
      const e = error as {code?: string; field?: string}
      await j.reject({loc: {...loc, field: e.field}, code: error instanceof Hl7ParseError ? e.code! : 'DEID_FAILED', reason: error instanceof Hl7ParseError ? (error as Error).message : 'the message could not be de-identified'})
      return
    }
    if (held) {
      held.push({text: msg.toString(), qi: qis!.map((q) => safeGet(msg, q))})
      return
    }
    if (j.classes && qis) j.classes.add(qis.map((q) => safeGet(msg, q)))
    await j.sink.write(msg.toString())
    j.tally.out++
    j.file.out++
  }
  // With --suppress, messages are held until their classes are counted (envelope segments go out as they come).
  const held: Array<{text: string; qi: string[]}> | undefined = j.o.kAnonymity?.suppress ? [] : undefined
  for await (const chunk of j.src.open()) {
    for (const item of asm.push(splitter.push(decoder.write(chunk as Buffer)))) await handle(item)
    if (j.o.onProgress) j.o.onProgress(j.tally, j.src.name)
  }
  for (const item of [...asm.push(splitter.push(decoder.end())), ...asm.push(splitter.end()), ...asm.end()]) await handle(item)
  if (held) await writeUnlessSuppressed(j, held, (h) => j.sink.write(h.text))
}

/**
 * Suppression needs the class sizes first: the records of a file are held, their classes counted, then each is
 * written, or suppressed when its class is smaller than k (counted, never silently dropped).
 */
async function writeUnlessSuppressed<T extends {qi: string[]}>(j: Job, held: T[], write: (h: T) => Promise<void>): Promise<void> {
  const local = new QuasiIdentifierClasses()
  const keys = held.map((h) => local.add(h.qi))
  for (const [n, h] of held.entries()) {
    if ((local.sizes.get(keys[n]) ?? 0) < j.o.kAnonymity!.k) {
      j.file.suppressed++
      j.tally.reject('K_ANONYMITY_SUPPRESSED')
      j.file.rejected++
      continue
    }
    j.classes?.add(h.qi)
    await write(h)
    j.tally.out++
    j.file.out++
  }
}

/** The patients in classes smaller than k, judged on de-identified copies (a throwaway run: its counts are not kept). */
function suppressedFhirPatients(all: Resource[], rules: FhirRule[], o: DeidOptions, keys: DeidKeys, patients: FhirPatientIndex): Set<string> {
  const settings = makeSettings(PRESETS[o.preset ?? 'safe-harbor'], keys, {zipTable: o.zipTable, asOf: o.asOf})
  const e = fhirDeidentifierFor(rules, settings, patients, o.config)
  const classes = new QuasiIdentifierClasses()
  const keyed = all.map((p) => ({key: patients.patientOf(p)!.key, cls: classes.add(fhirQuasiIdentifiers(e.deidentify(structuredClone(p)), o.kAnonymity!.quasiIdentifiers))}))
  const out = new Set<string>()
  for (const p of keyed) if ((classes.sizes.get(p.cls) ?? 0) < o.kAnonymity!.k) out.add(p.key)
  return out
}

function safeGet(msg: {get(p: string): string}, path: string): string {
  try {
    return msg.get(path)
  } catch {
    throw usageError(`--k-anonymity "${path}" is not an HL7 path (e.g. PID-8, PID-11.5)`)
  }
}

/** First pass over FHIR input: the Patient resources only (NDJSON lines that are not Patients are not parsed). */
export async function indexPatients(src: Source, patients: FhirPatientIndex, keep?: Resource[]): Promise<void> {
  if (detectLayout(src) === 'ndjson') {
    const each = (v: Resource) => {
      patients.add(v)
      keep?.push(v)
    }
    let carry: Buffer = Buffer.alloc(0)
    for await (const chunk of src.open()) carry = patientLines(carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer), false, each)
    patientLines(carry, true, each)
    return
  }
  try {
    for await (const item of readFhir(src))
      if (item.ok && item.value.resourceType === 'Patient') {
        patients.add(structuredClone(item.value))
        keep?.push(item.value)
      }
  } catch {
    /* the main pass reports it */
  }
}

async function writeAudit(path: string, r: DeidResult, s: DeidSettings, o: DeidOptions, hashes: Array<{input?: string; output?: string}>): Promise<void> {
  const lines: unknown[] = []
  lines.push({
    type: 'run', tool: 'himkit', version: VERSION, command: 'deid', preset: r.preset ?? null, label: r.label,
    config: o.config ? {file: o.config.path, sha256: o.config.sha256} : null,
    keys: fingerprints(s.keys),
    tables: {zip3: s.zipTable, zip3Restricted: [...restrictedZip3(s.zipTable)].sort(), zip3Versions: Object.keys(ZIP3_TABLES)},
    agesJudgedAt: s.asOf.toISOString().slice(0, 10), maxShiftDays: s.maxShiftDays,
    finishedAt: new Date().toISOString(), durationMs: r.durationMs,
    counts: r.counts, byMethod: r.byMethod,
  })
  for (const [i, f] of r.files.entries()) {
    lines.push({type: 'file', input: f.input, inputSha256: hashes[i]?.input ?? null, output: f.output, outputSha256: hashes[i]?.output ?? null,
      format: f.format, in: f.in, out: f.out, rejected: f.rejected, suppressed: f.suppressed, mapping: f.mapping, error: f.error?.code})
    for (const c of f.columns ?? []) lines.push({type: 'column', file: f.input, ...c})
  }
  for (const rule of s.audit.rules()) lines.push({type: 'rule', ...rule})
  for (const w of r.warnings) lines.push({type: 'warning', ...w})
  if (r.kAnonymity) lines.push({type: 'kAnonymity', ...r.kAnonymity})
  try {
    await writeFile(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'utf8')
  } catch (error) {
    throw new HimError(`${path}: cannot write the audit manifest (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {code: 'AUDIT_UNWRITABLE', exit: ExitCode.CANT_CREATE})
  }
}
