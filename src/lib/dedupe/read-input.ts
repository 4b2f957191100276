/**
 * Read dedupe inputs (CSV through a mapping, or FHIR) into Patients with their keys and locations: the thin
 * file adapter in front of the pure engine. A CSV birth date that is not a real date is read as missing (dedupe
 * standardizes invalid dates to missing) rather than rejecting the record; other bad rows are rejects.
 */
import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {mappingForHeader, normalizeHeader} from '../formats/csv/mapping/builtin.js'
import {compileToFhir, isProblem, type MappingContext, type Patient, type RowProblem} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type CsvEncoding, readCsv} from '../formats/csv/reader.js'
import {readFhir} from '../formats/fhir/reader.js'
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
  format: 'csv' | 'fhir'
  side: number
  /** CSV only. */
  header?: string[]
  mapping?: Mapping
  records: number
  rejected: number
  /** Resources that are not Patients (FHIR input): not matched. */
  skipped: number
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
  from: 'auto' | 'csv' | 'fhir'
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
}

export async function readInputs(opts: ReadInputsOptions): Promise<ReadInputsResult> {
  const records: InputRecord[] = []
  const rejects: Reject[] = []
  const files: InputFile[] = []
  const keys = new Set<string>()
  const addRecord = (r: InputRecord) => {
    // Two identical rows without an identifier get the same content id: keep both, apart.
    let key = r.key
    for (let k = 2; keys.has(key); k++) key = `${r.key}~${k}`
    keys.add(key)
    r.key = key
    records.push(r)
  }
  for (const [fileIndex, input] of opts.inputs.entries()) {
    const src = await openSource(input.path)
    const format = opts.from === 'auto' ? detectFormat(src) : opts.from
    if (format !== 'csv' && format !== 'fhir')
      throw new HimError(`${src.name}: dedupe reads CSV and FHIR; this looks like ${format.toUpperCase()}`, {
        code: 'DEDUPE_FORMAT',
        exit: ExitCode.DATA,
        suggestion: `convert it first: him convert ${src.name} --to ndjson`,
      })
    const info: InputFile = {file: src.name, format, side: input.side, records: 0, rejected: 0, skipped: 0, invalidDates: 0}
    files.push(info)
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
