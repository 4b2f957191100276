/**
 * The formats `him convert` reads and writes. FHIR R4 is the hub: every reader yields FHIR resources (one
 * record may carry several, e.g. an HL7 message), every writer takes them. Add a format here.
 */
import {type Source} from '../io/source.js'
import {type Sink} from '../io/sink.js'
import {type Reject, type ReadResult, type SourceLocation} from '../records/types.js'
import {readCsv, type CsvEncoding, type Delimiter} from '../formats/csv/reader.js'
import {csvWriter} from '../formats/csv/writer.js'
import {compileFromFhir, compileToFhir, isProblem, type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {mappingForHeader} from '../formats/csv/mapping/builtin.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {detectLayout, readFhir, WHOLE_JSON_LIMIT, type Resource} from '../formats/fhir/reader.js'
import {bundleWriter, ndjsonWriter, type BundleType} from '../formats/fhir/writer.js'
import {readHl7AsFhir} from '../formats/hl7v2/fhir-reader.js'
import {hl7BatchWriter, hl7SplitWriter, type Hl7WriterSettings} from '../formats/hl7v2/batch-writer.js'
import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

export const INPUT_FORMATS = ['csv', 'fhir', 'hl7'] as const
export const OUTPUT_FORMATS = ['fhir', 'ndjson', 'csv', 'hl7'] as const
export type InputFormatName = (typeof INPUT_FORMATS)[number]
export type OutputFormatName = (typeof OUTPUT_FORMATS)[number]

/** What a reader found out about its file, for the summary. */
export interface FileInfo {
  file: string
  format: string
  mapping?: string
  unmappedColumns?: string[]
  absentColumns?: string[]
  delimiter?: string
}

export interface ReaderContext {
  /** CSV mapping given by the user; else the header is recognised. */
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
  delimiter?: Delimiter
  info: FileInfo
  /** Told the mapping a CSV reader settled on (CSV -> CSV writes back in the same layout by default). */
  onMapping?: (m: Mapping) => void
}

/** A reader yields batches of records (a batch per chunk of input keeps the per-record cost low). */
export type InputReader = (src: Source, ctx: ReaderContext) => AsyncGenerator<Array<ReadResult<Resource[]>>>

export interface WriterContext {
  /** CSV mapping for CSV output. */
  mapping: Mapping
  mappingCtx: MappingContext
  bundleType: BundleType
  delimiter?: Delimiter
  /** HL7 v2 output: ADT event and MSH-3..6 (config `hl7`); default A28 from HIMKIT. */
  hl7?: Omit<Hl7WriterSettings, 'mrnSystem'>
}

export interface OutputWriter {
  /**
   * Write one record's resources into the sink's buffer (synchronously: the caller flushes once per batch);
   * a Reject when the record cannot be written in this format.
   */
  write(resources: Resource[], loc: SourceLocation): Omit<Reject, 'loc'> | undefined
  close(): Promise<void>
}

export type WriterFactory = (sink: Sink, ctx: WriterContext) => OutputWriter

/** The mapping for a CSV header (given, else recognised), compiled; the file's summary learns which. */
export function resolveCsvMapping(src: Source, header: string[], delimiter: string, ctx: ReaderContext) {
  const mapping = mappingForHeader(src.name, header, ctx.mapping)
  const compiled = compileToFhir(mapping, header, ctx.mappingCtx)
  if (compiled.absent.length === mapping.columns.length)
    throw new HimError(`${src.name}:line 1: none of the columns of mapping "${mapping.name}" is in the header`, {
      code: 'CSV_MAPPING_MISMATCH',
      exit: ExitCode.DATA,
    })
  Object.assign(ctx.info, {mapping: mapping.name, unmappedColumns: compiled.unmapped, absentColumns: compiled.absent, delimiter})
  ctx.onMapping?.(mapping)
  return compiled
}

async function* csvInput(src: Source, ctx: ReaderContext): AsyncGenerator<Array<ReadResult<Resource[]>>> {
  let toPatient: ReturnType<typeof compileToFhir>['toPatient'] | undefined
  for await (const item of readCsv(src, {encoding: ctx.encoding, delimiter: ctx.delimiter})) {
    if (!Array.isArray(item)) {
      toPatient = resolveCsvMapping(src, item.header, item.delimiter, ctx).toPatient
      continue
    }
    const out: Array<ReadResult<Resource[]>> = new Array(item.length)
    for (let i = 0; i < item.length; i++) {
      const r = item[i]
      if (!r.ok) {
        out[i] = r
        continue
      }
      const p = toPatient!(r.value)
      out[i] = isProblem(p)
        ? {ok: false, loc: {...r.loc, field: p.field || undefined}, code: p.code, reason: p.reason, raw: r.value}
        : {ok: true, value: [p], loc: r.loc}
    }
    yield out
  }
}

/** The patient a resource belongs to, as `Patient/id`: itself, or its subject / patient reference. */
function patientKey(r: Resource): string | undefined {
  if (r.resourceType === 'Patient') return r.id ? `Patient/${r.id}` : undefined
  const ref: unknown = r.subject?.reference ?? r.patient?.reference
  return typeof ref === 'string' && ref.startsWith('Patient/') ? ref : undefined
}

/**
 * A Bundle's entries grouped by patient, one record per patient (in the order the patients first appear); entries
 * of no patient stay records of their own. For formats whose unit is the patient (an HL7 v2 ADT carries the
 * patient with its visit, allergies and diagnoses), not the resource. The Bundle is already in memory: only JSON
 * documents are grouped, never NDJSON.
 */
export async function* fhirInputByPatient(src: Source): AsyncGenerator<Array<ReadResult<Resource[]>>> {
  if (detectLayout(src) === 'ndjson' || (src.size ?? 0) > WHOLE_JSON_LIMIT) {
    yield* fhirInput(src)
    return
  }
  const groups = new Map<string, {value: Resource[]; loc: ReadResult<Resource[]>['loc']}>()
  const out: Array<ReadResult<Resource[]> | {key: string}> = []
  for await (const item of readFhir(src)) {
    if (!item.ok) {
      out.push(item)
      continue
    }
    const key = patientKey(item.value)
    if (key === undefined) out.push({ok: true, value: [item.value], loc: item.loc})
    else if (groups.has(key)) groups.get(key)!.value.push(item.value)
    else {
      groups.set(key, {value: [item.value], loc: item.loc})
      out.push({key})
    }
  }
  yield out.map((x) => ('key' in x ? {ok: true as const, ...groups.get(x.key)!} : x))
}

async function* fhirInput(src: Source): AsyncGenerator<Array<ReadResult<Resource[]>>> {
  let batch: Array<ReadResult<Resource[]>> = []
  for await (const item of readFhir(src)) {
    batch.push(item.ok ? {ok: true, value: [item.value], loc: item.loc} : item)
    if (batch.length >= 512) {
      yield batch
      batch = []
    }
  }
  if (batch.length) yield batch
}

export const READERS: Record<string, InputReader> = {
  csv: csvInput,
  fhir: fhirInput,
  hl7: (src, ctx) => readHl7AsFhir(src, {mrnSystem: ctx.mappingCtx.mrnSystem}),
}

function resourceWriter(kind: 'ndjson' | 'fhir'): WriterFactory {
  return (sink, ctx) => {
    const w = kind === 'ndjson' ? ndjsonWriter(sink) : bundleWriter(sink, ctx.bundleType)
    return {
      write(resources) {
        for (const r of resources) w.write(r)
        return undefined
      },
      close: () => w.close(),
    }
  }
}

const csvOutput: WriterFactory = (sink, ctx) => {
  const rev = compileFromFhir(ctx.mapping, ctx.mappingCtx)
  const w = csvWriter(sink, rev.header, ctx.delimiter ?? ctx.mapping.delimiter ?? ',')
  return {
    write(resources) {
      const p = resources.find((r) => r.resourceType === 'Patient')
      if (!p)
        return {
          code: 'NOT_PATIENT',
          reason: `CSV output holds Patients; this record is ${resources.map((r) => r.resourceType).join(', ') || 'empty'}`,
        }
      w.write(rev.fromPatient(p as never))
      return undefined
    },
    close: () => w.close(),
  }
}

export const WRITERS: Record<string, WriterFactory> = {
  ndjson: resourceWriter('ndjson'),
  fhir: resourceWriter('fhir'),
  csv: csvOutput,
  hl7: (sink, ctx) => {
    const msh = {sendingApplication: 'HIMKIT', sendingFacility: 'HIMKIT', receivingApplication: '', receivingFacility: ''}
    const settings = {event: 'A28' as const, msh, ...ctx.hl7, mrnSystem: ctx.mappingCtx.mrnSystem}
    const w = settings.split ? hl7SplitWriter(sink, settings) : hl7BatchWriter(sink, settings)
    return {write: (resources, loc) => w.write(resources, loc), close: async () => w.close()}
  },
}

/** The file name ending for each output format. */
export const OUTPUT_EXTENSION: Record<string, string> = {ndjson: '.ndjson', fhir: '.json', csv: '.csv', hl7: '.hl7'}
