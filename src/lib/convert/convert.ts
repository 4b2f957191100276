import {mkdir, rm} from 'node:fs/promises'
import {basename, dirname, extname, join, resolve} from 'node:path'

import {HimError, usageError, worstExit} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type CsvEncoding, type Delimiter} from '../formats/csv/reader.js'
import {type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type BundleType} from '../formats/fhir/writer.js'
import {Sink} from '../io/sink.js'
import {detectFormat, openSource, type Source} from '../io/source.js'
import {RejectSink} from '../records/reject-sink.js'
import {type Reject, Tally} from '../records/types.js'
import {convertCsvToNdjsonInParallel, PARALLEL_MIN_BYTES, parallelWorkers, type ParallelOptions} from './parallel-csv.js'
import {fhirInputByPatient, type FileInfo, OUTPUT_EXTENSION, type OutputWriter, READERS, WRITERS, type WriterContext} from './formats.js'

export interface ConvertOptions {
  inputs: string[]
  from: string
  to: string
  /** Output path, `-` for stdout, undefined for a name next to the first input. */
  output?: string
  /** Rejects file; undefined for `<output>.rejects.ndjson` (`him-rejects.ndjson` when writing to stdout). */
  rejects?: string
  /** Mapping of the CSV side: the input's when reading CSV, else the output's. */
  mapping?: Mapping
  /** Mapping of CSV output (default: --mapping when the input is not CSV, else the input's own layout). */
  outMapping?: Mapping
  /** Mapping for CSV output when none is given (the configured default). */
  defaultMapping: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
  delimiter?: Delimiter
  bundleType?: BundleType
  /** HL7 v2 output: ADT event, MSH-3..6 (config `hl7`), and `split` (one file per message in the folder named by output). */
  hl7?: WriterContext['hl7']
  onProgress?: (tally: Tally, file: string) => void
  /** CSV -> NDJSON inputs at least this large use worker threads (default 8 MB; HIMKIT_WORKERS=0 turns it off). */
  parallelMinBytes?: number
  parallel?: ParallelOptions
  warn?: (msg: string) => void
}

export interface FileSummary extends FileInfo {
  in: number
  out: number
  rejected: number
  error?: {code: string; message: string; exit: number}
}

export interface ConvertResult {
  output: string
  to: string
  rejectsFile?: string
  counts: ReturnType<Tally['toJSON']>
  balanced: boolean
  files: FileSummary[]
  /** First rejects: location, code and reason only. */
  rejectSample: Array<Omit<Reject, 'raw'>>
  exitCode: number
  durationMs: number
}

export function defaultOutputPath(input: string, to: string): string {
  const ext = OUTPUT_EXTENSION[to] ?? `.${to}`
  const base = basename(input, extname(input))
  let out = join(dirname(input), base + ext)
  if (resolve(out) === resolve(input)) out = join(dirname(input), `${base}.converted${ext}`)
  return out
}

/**
 * Convert records between formats through the FHIR hub, streaming: source -> reader -> records -> writer -> sink.
 * Every record read is either written or rejected (with reason and location); the counts add up.
 */
export async function convert(opts: ConvertOptions): Promise<ConvertResult> {
  const started = Date.now()
  if (!WRITERS[opts.to]) throw usageError(`--to ${opts.to}: not a format him writes (${Object.keys(WRITERS).join(', ')})`)
  if (opts.from !== 'auto' && !READERS[opts.from])
    throw usageError(`--from ${opts.from}: not a format him reads (${Object.keys(READERS).join(', ')})`)
  if (opts.inputs.filter((i) => i === '-').length > 1) throw usageError('stdin (-) can be read only once')

  // Open every input before writing anything: a missing file fails the run before output exists.
  const sources: Source[] = []
  for (const input of opts.inputs) sources.push(await openSource(input))

  const output = opts.output ?? defaultOutputPath(opts.inputs[0] === '-' ? 'stdin' : opts.inputs[0], opts.to)
  for (const s of sources)
    if (s.path && output !== '-' && resolve(s.path) === resolve(output))
      throw usageError(`${output}: the output would overwrite an input`, 'name another output with -o')
  const rejectsPath = opts.rejects ?? (output === '-' ? 'him-rejects.ndjson' : `${output}.rejects.ndjson`)

  const split = opts.to === 'hl7' && opts.hl7?.split === true
  if (split && output === '-') throw usageError('--split writes one file per message into a folder: name it with -o DIR')
  if (split)
    await mkdir(output, {recursive: true}).catch((error: NodeJS.ErrnoException) => {
      throw new HimError(`${output}: cannot make the folder (${error.code ?? 'error'})`, {code: 'OUTPUT_UNWRITABLE', exit: ExitCode.CANT_CREATE})
    })
  const sink = await Sink.open(split ? join(output, 'index.tsv') : output)
  const rejects = new RejectSink(rejectsPath)
  const tally = new Tally()
  const files: FileSummary[] = []
  const exits: number[] = []
  let csvInputMapping: Mapping | undefined
  let writer: OutputWriter | undefined
  // Made at the first record, so CSV -> CSV can write back in the layout the input was recognised as.
  const getWriter = () =>
    (writer ??= WRITERS[opts.to](sink, {
      mapping: opts.outMapping ?? csvInputMapping ?? opts.mapping ?? opts.defaultMapping,
      mappingCtx: opts.mappingCtx,
      bundleType: opts.bundleType ?? 'collection',
      delimiter: opts.delimiter,
      hl7: opts.hl7,
    }))

  try {
    for (const src of sources) {
      const format = opts.from === 'auto' ? detectFormat(src) : opts.from
      const info: FileInfo = {file: src.name, format}
      const file: FileSummary = Object.assign(info, {in: 0, out: 0, rejected: 0})
      files.push(file)
      // HL7 v2 carries a patient with its visit, allergies and diagnoses: a Bundle is read a patient at a time.
      const reader = format === 'fhir' && opts.to === 'hl7' ? fhirInputByPatient : READERS[format]
      try {
        if (!reader)
          throw new HimError(`${src.name}: ${format} input is not supported by convert yet`, {code: 'FORMAT_UNSUPPORTED', exit: ExitCode.DATA})
        const ctx = {
          mapping: format === 'csv' ? opts.mapping : undefined,
          mappingCtx: opts.mappingCtx,
          encoding: opts.encoding,
          delimiter: opts.delimiter,
          info,
          onMapping: (m: Mapping) => (csvInputMapping ??= m),
        }
        const parallel = format === 'csv' && opts.to === 'ndjson' && (src.size ?? 0) >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES) && parallelWorkers() > 0
        if (parallel) await convertCsvToNdjsonInParallel(src, ctx, sink, rejects, tally, file, () => opts.onProgress?.(tally, src.name), opts.parallel)
        else for await (const batch of reader(src, ctx)) {
          for (const item of batch) {
            if (!item.ok) {
              file.rejected++
              tally.reject(item.code)
              await rejects.write(item)
              continue
            }
            const problem = getWriter().write(item.value, item.loc)
            if (problem) {
              file.rejected++
              tally.reject(problem.code)
              await rejects.write({loc: item.loc, ...problem, raw: item.value})
            } else {
              file.out++
              tally.out++
            }
          }
          file.in += batch.length
          tally.in += batch.length
          await sink.flushIfFull()
          opts.onProgress?.(tally, src.name)
        }
        if (file.unmappedColumns?.length)
          opts.warn?.(`${src.name}: ${file.unmappedColumns.length} column(s) not in mapping "${file.mapping}" are not carried over: ${file.unmappedColumns.join(', ')}`)
      } catch (error) {
        if (!(error instanceof HimError)) throw error
        if (sources.length === 1) throw error
        file.error = {code: error.code, message: error.message, exit: error.exit}
        exits.push(error.exit)
        opts.warn?.(error.message)
      }
    }
    await getWriter().close()
    await rejects.close()
  } catch (error) {
    await sink.abort()
    await rejects.close()
    throw error
  }

  if (tally.out === 0 && exits.length > 0) await sink.abort()
  else await sink.commit()
  if (!rejects.written) await rm(rejectsPath, {force: true})
  if (tally.rejected > 0) exits.push(ExitCode.REJECTS)

  return {
    output,
    to: opts.to,
    rejectsFile: rejects.written ? rejectsPath : undefined,
    counts: tally.toJSON(),
    balanced: tally.balanced(),
    files,
    rejectSample: rejects.sample,
    exitCode: worstExit(exits),
    durationMs: Date.now() - started,
  }
}
