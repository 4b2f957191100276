import {HimError, usageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type MappingContext} from '../formats/csv/mapping/patient-mapping.js'
import {type CsvEncoding, type Delimiter} from '../formats/csv/reader.js'
import {type ParallelOptions} from '../convert/parallel-csv.js'
import {detectFormat, openSource, type Source} from '../io/source.js'
import {buildFindingsReport, type FieldCompleteness, type FindingsReport, type ReportInput} from '../report/findings-report.js'
import {FindingCollector} from './findings.js'
import {makeEmit, type Emit, type RuleSet} from './rules.js'
import {validateCsvSource} from './csv/validate-csv.js'

export const VALIDATE_FORMATS = ['csv', 'fhir', 'hl7'] as const
export const PROFILES = ['base', 'us-core'] as const
export type Profile = (typeof PROFILES)[number]

export interface ValidateOptions {
  inputs: string[]
  from: 'auto' | (typeof VALIDATE_FORMATS)[number]
  profile: Profile
  rules: RuleSet
  showValues: boolean
  /** CSV: the mapping given with --mapping; else the header is recognised. */
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
  delimiter?: Delimiter
  /** Today as YYYY-MM-DD (dates in the future are findings). */
  today?: string
  /** Findings kept for the report (the counts stay exact past it). */
  findingsLimit?: number
  failOn: 'error' | 'warning' | 'never'
  /** CSV on worker threads: files from `minBytes` (default 8 MB) on; workers default to HIMKIT_WORKERS or the cores (max 4). */
  parallel?: ParallelOptions & {minBytes?: number}
  onProgress?: (records: number, file: string) => void
  warn?: (msg: string) => void
}

/** What a per-format validator is handed: one source, where to report, and how far it got. */
export interface FormatValidatorContext {
  emit: Emit
  opts: ValidateOptions
  today: string
  input: ReportInput
  completeness: FieldCompleteness[]
  progress: (records: number) => void
}

export type FormatValidator = (src: Source, ctx: FormatValidatorContext) => Promise<void>

const VALIDATORS: Record<string, () => Promise<FormatValidator>> = {
  csv: async () => validateCsvSource,
  fhir: async () => (await import('./fhir/validate-fhir.js')).validateFhirSource,
  hl7: async () => (await import('./hl7v2/validate-hl7.js')).validateHl7Source,
}

/**
 * Validate each input with its format's rules, streaming, and gather the findings into one report.
 * Problems in records are findings; a file that cannot be opened is a finding-less input with an error
 * (the run goes on with the other files) unless it is the only input, when the HimError ends the run.
 */
export async function validate(opts: ValidateOptions): Promise<FindingsReport> {
  const started = Date.now()
  if (opts.inputs.filter((i) => i === '-').length > 1) throw usageError('stdin (-) can be read only once')
  const today = opts.today ?? new Date().toISOString().slice(0, 10)
  const collector = new FindingCollector(opts.findingsLimit ?? 100_000)
  const emit = makeEmit({rules: opts.rules, showValues: opts.showValues}, (f) => collector.add(f))
  const inputs: ReportInput[] = []
  const completeness: FieldCompleteness[] = []

  const sources: Source[] = []
  for (const path of opts.inputs) sources.push(await openSource(path))

  for (const src of sources) {
    const format = opts.from === 'auto' ? detectFormat(src) : opts.from
    const input: ReportInput = {file: src.name, format, records: 0}
    inputs.push(input)
    try {
      const load = VALIDATORS[format]
      if (!load) throw new HimError(`${src.name}: ${format} validation is not supported yet`, {code: 'FORMAT_UNSUPPORTED', exit: ExitCode.DATA})
      const validator = await load()
      await validator(src, {emit, opts, today, input, completeness, progress: (n) => opts.onProgress?.(n, src.name)})
    } catch (error) {
      if (!(error instanceof HimError) || sources.length === 1) throw error
      // Shown in the summary and the reports (inputs[].error), not warned about twice.
      input.error = {code: error.code, message: error.message, exit: error.exit}
    }
  }

  return buildFindingsReport({
    title: 'Validation report',
    tool: 'him validate',
    options: {profile: opts.profile, failOn: opts.failOn, showValues: opts.showValues},
    inputs,
    collector,
    describe: (r) => opts.rules.describe(r),
    completeness,
    durationMs: Date.now() - started,
  })
}
