/**
 * Read dedupe inputs (CSV through a mapping, FHIR, or HL7 v2 through the FHIR hub) into Patients with their keys
 * and locations: the thin file adapter in front of the pure engine. A CSV birth date that is not a real date is read as missing (dedupe
 * standardizes invalid dates to missing) rather than rejecting the record; other bad rows are rejects.
 */
import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {mappingForHeader, normalizeHeader} from '../formats/csv/mapping/builtin.js'
import {compileToFhir, isProblem, type MappingContext, type Patient, type RowProblem} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type CsvEncoding, readCsv} from '../formats/csv/reader.js'
import {readFhir} from '../formats/fhir/reader.js'
import {readHl7AsFhir} from '../formats/hl7v2/fhir-reader.js'
import {detectFormat, openSource} from '../io/source.js'
import {type Reject, type SourceLocation} from '../records/types.js'
import {type DedupeRecord} from './engine.js'
import {type StdRecord, standardizePatient} from './standardize.js'

export interface InputRecord extends DedupeRecord {
  loc: SourceLocation
  /** CSV only: the row as read, to write back with the cluster id. */
  cells?: string[]
  fileIndex: number
}

/**
 * A CSV record keeps only its cells; its Patient is made again from them when asked (the mapping is
 * deterministic). At a million records this is the difference between fitting in memory or not.
 */
class CsvRecord implements InputRecord {
  constructor(
    public key: string,
    readonly side: number,
    readonly loc: SourceLocation,
    readonly cells: string[],
    /** The cells as matched, when an invalid date was blanked. */
    private readonly matchCells: string[] | undefined,
    private readonly toPatient: (cells: string[]) => Patient | RowProblem,
    readonly fileIndex: number,
    readonly std: StdRecord,
  ) {}

  get patient(): Patient {
    return this.toPatient(this.matchCells ?? this.cells) as Patient
  }
}

export interface InputFile {
  file: string
  format: 'csv' | 'fhir' | 'hl7'
  side: number
  /** CSV only. */
  header?: string[]
  mapping?: Mapping
  records: number
  rejected: number
  /**
   * Resources that are not Patients (FHIR and HL7 input), merged-away Patients of an HL7 merge (MRG), and HL7
   * Patients already read from an earlier message: not matched (counted, not rejected).
   */
  skipped: number
  /** HL7 only: of the skipped, Patients repeated by a later message (the later one replaces the earlier). */
  repeated?: number
  /** Birth dates that were not real dates, read as missing. */
  invalidDates: number
}

export interface ReadInputsResult {
  records: InputRecord[]
  rejects: Reject[]
  files: InputFile[]
}

export interface ReadInputsOptions {
  /**
   * `serverBase`: the file holds resources fetched from that FHIR server (dedupe --endpoint); each Patient's key is
   * then `Patient/<id>` and its location the resource's URL, so pairs, review files and decisions name server ids.
   */
  inputs: Array<{path: string; side: number; serverBase?: string}>
  from: 'auto' | 'csv' | 'fhir' | 'hl7'
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
}

export async function readInputs(opts: ReadInputsOptions): Promise<ReadInputsResult> {
  const records: InputRecord[] = []
  const rejects: Reject[] = []
  const files: InputFile[] = []
  const keys = new Set<string>()
  /** HL7 Patients by side and id: a later message about the same Patient replaces the earlier one. */
  const hl7Seen = new Map<string, number>()
  const addRecord = (r: InputRecord) => {
    // Two identical rows without an identifier get the same content id: keep both, apart.
    // One set operation for the usual new key (add, then see whether the set grew).
    const before = keys.size
    keys.add(r.key)
    if (keys.size === before) {
      let key = r.key
      for (let k = 2; keys.has(key); k++) key = `${r.key}~${k}`
      keys.add(key)
      r.key = key
    }
    records.push(r)
  }
  for (const [fileIndex, input] of opts.inputs.entries()) {
    const src = await openSource(input.path)
    const format = opts.from === 'auto' ? detectFormat(src) : opts.from
    if (format !== 'csv' && format !== 'fhir' && format !== 'hl7')
      throw new HimError(`${src.name}: dedupe reads CSV, FHIR and HL7 v2; this looks like ${String(format).toUpperCase()}`, {
        code: 'DEDUPE_FORMAT',
        exit: ExitCode.DATA,
        suggestion: `convert it first: him convert ${src.name} --to ndjson`,
      })
    const info: InputFile = {file: src.name, format, side: input.side, records: 0, rejected: 0, skipped: 0, invalidDates: 0}
    files.push(info)
    if (format === 'hl7') {
      await readHl7Patients(src, input.side, fileIndex, info, opts.mappingCtx, hl7Seen, records, rejects, addRecord)
      continue
    }
    if (format === 'fhir') {
      for await (const item of readFhir(src)) {
        if (!item.ok) {
          rejects.push(item)
          info.rejected++
          continue
        }
        if (item.value.resourceType !== 'Patient') {
          // Other resources (a Synthea Bundle's Encounters, Observations...) are not matched: counted, not rejected.
          info.skipped++
          continue
        }
        const p = item.value as Patient
        const onServer = input.serverBase !== undefined && p.id !== undefined
        const key = onServer ? `Patient/${p.id}` : p.id ?? `${src.name}#${item.loc.record ?? records.length + 1}`
        const loc = onServer ? {file: `${input.serverBase}/Patient/${p.id}`} : item.loc
        addRecord({key, patient: p, side: input.side, updated: p.meta?.lastUpdated, loc, fileIndex})
        info.records++
      }
      continue
    }
    let compiled: ReturnType<typeof compileToFhir> | undefined
    let header: string[] = []
    for await (const item of readCsv(src, {encoding: opts.encoding})) {
      if ('header' in item) {
        header = item.header
        const mapping = mappingForHeader(src.name, header, opts.mapping)
        compiled = compileToFhir(mapping, header, opts.mappingCtx)
        Object.assign(info, {header, mapping})
        continue
      }
      for (const row of item) {
        if (!row.ok) {
          rejects.push(row)
          info.rejected++
          continue
        }
        let cells = row.value
        let p = compiled!.toPatient(cells)
        // An invalid date is missing, not a reason to drop the record from matching.
        for (let tries = 0; isProblem(p) && p.code === 'BAD_DATE' && tries < 3; tries++) {
          const col = header.findIndex((h) => normalizeHeader(h) === normalizeHeader((p as {field: string}).field))
          if (col === -1) break
          info.invalidDates++
          cells = cells.map((c, i) => (i === col ? '' : c))
          p = compiled!.toPatient(cells)
        }
        if (isProblem(p)) {
          rejects.push({loc: {...row.loc, field: p.field || undefined}, code: p.code, reason: p.reason, raw: row.value})
          info.rejected++
          continue
        }
        addRecord(new CsvRecord(p.id!, input.side, row.loc, row.value, cells === row.value ? undefined : cells, compiled!.toPatient, fileIndex, standardizePatient(p)))
        info.records++
      }
    }
  }
  return {records, rejects, files}
}

/**
 * HL7 v2: each message through the FHIR hub (READERS.hl7 of convert); its Patient is the record, located at the
 * message (file, line of its MSH, message number). An ADT feed sends many messages about one patient (A01, A08,
 * A03...): they give the same Patient id (from the MRN), so the later message's Patient replaces the earlier one, as
 * an import by id would, instead of being matched against itself. The inactive Patient an A40 merge makes of the
 * merged-away MRN (MRG) is not matched. A message that cannot be read or converted is a reject.
 */
async function readHl7Patients(
  src: Awaited<ReturnType<typeof openSource>>,
  side: number,
  fileIndex: number,
  info: InputFile,
  ctx: MappingContext,
  seen: Map<string, number>,
  records: InputRecord[],
  rejects: Reject[],
  addRecord: (r: InputRecord) => void,
): Promise<void> {
  info.repeated = 0
  for await (const batch of readHl7AsFhir(src, {mrnSystem: ctx.mrnSystem})) {
    for (const item of batch) {
      if (!item.ok) {
        rejects.push(item)
        info.rejected++
        continue
      }
      for (const r of item.value) {
        const p = r as Patient
        const mergedAway = p.active === false && (p.link ?? []).some((l: {type?: string}) => l.type === 'replaced-by')
        if (r.resourceType !== 'Patient' || mergedAway) {
          info.skipped++
          continue
        }
        const key = p.id ?? `${src.name}#${item.loc.record ?? records.length + 1}`
        const earlier = seen.get(`${side} ${key}`)
        if (earlier !== undefined) {
          // The same Patient again: keep the newer message's view of it, where the earlier one stood.
          const old = records[earlier]
          records[earlier] = {...old, patient: p, std: undefined, loc: item.loc, fileIndex, updated: p.meta?.lastUpdated}
          info.skipped++
          info.repeated++
          continue
        }
        seen.set(`${side} ${key}`, records.length)
        addRecord({key, patient: p, side, updated: p.meta?.lastUpdated, loc: item.loc, fileIndex})
        info.records++
      }
    }
  }
}
