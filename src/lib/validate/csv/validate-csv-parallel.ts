/**
 * CSV validation on several cores, as `him convert` does it: the main thread reads the file as csvPieces
 * (src/lib/convert/parallel-csv.ts) cuts it, at row ends outside quoted fields; workers parse the pieces and run the per-row rules; the main thread takes the
 * results in file order, renumbers their records, and checks each row's keys (MRN unique within the file, exact
 * duplicate rows) against the whole file between the row's required-field findings and its other findings —
 * where the one-thread path checks them. Findings, their order, the counts and the report are the same.
 */
import {csvPieces, inFileOrder, parallelWorkers, PieceWorkers, WORKER_LIMITS, type ParallelOptions} from '../../convert/parallel-csv.js'
import {mappingForHeader} from '../../formats/csv/mapping/builtin.js'
import {csvDelimiterOf} from '../../formats/csv/reader.js'
import {type Source} from '../../io/source.js'
import {type SourceLocation} from '../../records/types.js'
import {type FormatValidatorContext} from '../validate.js'
import {compileCsvValidator, type CsvValidator} from './csv-rules.js'
import {type ValidatePieceResult, type ValidateWorkerSetup} from './validate-csv-worker.js'

/**
 * A worker holds a piece's rows (about 2,000) while it checks them; with convert's 8 MB young generation a third of
 * a worker's time went to the garbage collector copying them. 64 MB: about 25% less CPU for the whole run
 * (1,000,000 rows: 5.1-5.4 s of CPU against 6.7-7.1 s), at about 100 MB more RSS with two workers.
 */
const LIMITS = {...WORKER_LIMITS, maxYoungGenerationSizeMb: 64}


export async function validateCsvInParallel(src: Source, ctx: FormatValidatorContext, popts: ParallelOptions = {}): Promise<void> {
  const {opts, input} = ctx
  const encoding = opts.encoding ?? 'utf8'
  const delimiter = csvDelimiterOf(src, {encoding, delimiter: opts.delimiter})
  const nWorkers = Math.max(1, popts.workers ?? parallelWorkers())
  let v: CsvValidator | undefined
  let workers: PieceWorkers<ValidatePieceResult> | undefined
  let recordBase = 0

  const start = (header: string[]) => {
    const mapping = mappingForHeader(src.name, header, opts.mapping)
    input.mapping = mapping.name
    // The header's findings come from here, before any row's, as in the one-thread path.
    v = compileCsvValidator({file: src.name, mapping, header, mappingCtx: opts.mappingCtx, emit: ctx.emit, today: ctx.today})
    const setup: ValidateWorkerSetup = {file: src.name, header, delimiter, mapping, mappingCtx: opts.mappingCtx, today: ctx.today, showValues: opts.showValues}
    workers = new PieceWorkers<ValidatePieceResult>(new URL('./validate-csv-worker.js', import.meta.url), setup, nWorkers, LIMITS)
  }

  const loc: SourceLocation = {file: src.name}
  const take = async (r: ValidatePieceResult) => {
    if (r.error) throw new Error(`csv validation worker failed: ${r.error}`)
    const {findings} = r
    let f = 0
    for (let i = 0; i < r.rows; i++) {
      // The row's findings made before its keys (required fields), its keys, then the rest.
      for (let k = 0; k < 2; k++) {
        const at = i * 2 + k
        for (; f < findings.length && findings[f].at === at; f++) {
          const pf = findings[f]
          if (pf.location.record !== undefined) pf.location.record += recordBase
          ctx.emit(pf.rule, pf.message, pf.location, pf.value)
        }
        if (k === 0 && r.rowHashes[i] !== -1) {
          loc.line = r.lines[i]
          loc.record = recordBase + i + 1
          v!.checkKeys(r.mrnHashes[i], r.rowHashes[i], r.mrns?.[i] ?? '', loc)
        }
      }
    }
    recordBase += r.records
    input.records += r.rows
    v!.addCounts(r)
    ctx.progress(input.records)
    return !r.fatal
  }

  try {
    const pieces = csvPieces(src, {encoding, delimiter, pieceSize: popts.pieceSize, maxPiece: popts.maxPiece}, start)
    await inFileOrder(pieces, {send: (p) => workers!.send(p), window: () => workers!.size * 2, take})
  } finally {
    await workers?.terminate()
  }
  for (const c of v!.completeness()) ctx.completeness.push({file: src.name, ...c})
}
