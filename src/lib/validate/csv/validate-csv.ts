import {availableParallelism} from 'node:os'

import {PARALLEL_MIN_BYTES, parallelWorkers} from '../../convert/parallel-csv.js'
import {mappingForHeader} from '../../formats/csv/mapping/builtin.js'
import {readCsv} from '../../formats/csv/reader.js'
import {type Source} from '../../io/source.js'
import {type FormatValidatorContext} from '../validate.js'
import {compileCsvValidator, type CsvValidator} from './csv-rules.js'

/**
 * Worker threads for validation: HIMKIT_WORKERS when set; otherwise only on 4 cores or more. On 2 cores the
 * one-thread path measured faster (127-165k rows/s against 103-116k with 2 workers on 1M rows): the rules are cheap
 * next to reading, and workers add about 10% CPU for moving rows and findings between threads.
 */
export function validateWorkers(): number {
  if (process.env.HIMKIT_WORKERS !== undefined) return parallelWorkers()
  return availableParallelism() >= 4 ? parallelWorkers() : 0
}

/**
 * The streaming adapter: read a CSV source batch by batch and run the CSV rules over each row. Files of 8 MB and
 * more go to worker threads (validate-csv-parallel.ts; same findings, same order) where validateWorkers() says so.
 */
export async function validateCsvSource(src: Source, ctx: FormatValidatorContext): Promise<void> {
  const {opts, input} = ctx
  const par = opts.parallel ?? {}
  if ((src.size ?? 0) >= (par.minBytes ?? PARALLEL_MIN_BYTES) && (par.workers ?? validateWorkers()) > 0) {
    const {validateCsvInParallel} = await import('./validate-csv-parallel.js')
    return validateCsvInParallel(src, ctx, par)
  }
  let v: CsvValidator | undefined
  for await (const item of readCsv(src, {encoding: opts.encoding, delimiter: opts.delimiter})) {
    if (!Array.isArray(item)) {
      const mapping = mappingForHeader(src.name, item.header, opts.mapping)
      input.mapping = mapping.name
      v = compileCsvValidator({file: src.name, mapping, header: item.header, mappingCtx: opts.mappingCtx, emit: ctx.emit, today: ctx.today})
      continue
    }
    for (const r of item) {
      if (r.ok) v!.row(r.value, r.loc)
      else v!.unreadable(r)
    }
    input.records += item.length
    ctx.progress(input.records)
  }
  if (v) for (const c of v.completeness()) ctx.completeness.push({file: src.name, ...c})
}
