/**
 * The learned model saved between runs (`--model FILE`): m and u per field and level, the prior, and the settings
 * that shaped them. Pure text in and out (the file adapter is in run.ts). It holds probabilities and counts only,
 * never a record value: the term-frequency tables (which are values) are rebuilt from each run's own data.
 */
import {z} from 'zod'

import {configError} from '../cli/errors.js'
import {type FsModel} from './estimate.js'

export const MODEL_FORMAT = 'himkit-dedupe-model'
export const MODEL_VERSION = 1

/** What shapes m and u besides the data: a model made under other settings does not fit. */
export interface ModelShape {
  /** Fields left out of matching, sorted. */
  ignore: string[]
  blocking: {rules: string[]; blockCap: number}
  /** Two-file linkage (--link-to): u is taken across the files and the prior over n1 x n2 pairs. */
  linkage: boolean
}

const Probability = z.number().gt(0).lte(1)

const ModelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.number().int(),
  createdAt: z.string().optional(),
  settings: z.object({
    ignore: z.array(z.string()),
    blocking: z.object({rules: z.array(z.string()), blockCap: z.number().int()}),
    linkage: z.boolean(),
  }),
  prior: z.object({
    lambda: Probability,
    /** The records the prior was taken for (dedupe: all; linkage: the smaller file) and the pairs it is over. */
    records: z.number().int().min(1),
    pairs: z.number().min(1),
    candidateMatchShare: z.number().gte(0).lte(1),
  }),
  /** Reviewer decisions on candidate pairs that entered the estimate (counts). */
  decisions: z.object({same: z.number().int().min(0), different: z.number().int().min(0)}),
  fields: z.array(z.object({field: z.string(), levels: z.array(z.object({level: z.string(), m: Probability, u: Probability}))})),
})

export type ModelFile = z.infer<typeof ModelFileSchema>

/** A model to score with instead of estimating one. */
export interface SavedModel {
  m: number[][]
  u: number[][]
  lambda: number
  /** The prior's basis, to carry it over to a file of another size. */
  records: number
  pairs: number
  candidateMatchShare: number
}

/** The model file's text for a run's model. */
export function modelFileText(model: FsModel, shape: ModelShape, basis: {records: number; pairs: number}, now = new Date()): string {
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    createdAt: now.toISOString(),
    settings: {ignore: [...shape.ignore].sort(), blocking: shape.blocking, linkage: shape.linkage},
    prior: {lambda: model.lambda, records: basis.records, pairs: basis.pairs, candidateMatchShare: model.candidateMatchShare},
    decisions: model.labelled ?? {same: 0, different: 0},
    fields: model.fields.map((field, k) => ({field, levels: model.levels[k].map((level, l) => ({level, m: model.m[k][l], u: model.u[k][l]}))})),
  }
  return JSON.stringify(file, null, 1) + '\n'
}

const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none')

/**
 * Parse a model file and check that it fits this run: same settings shape, same fields and levels in the same
 * order. Every problem is a configuration error (exit 78) naming the file and what differs.
 */
export function parseModelFile(text: string, file: string, shape: ModelShape, comparisons: Array<{field: string; levels: string[]}>): SavedModel {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw configError(`${file}: not valid JSON; a --model file is written by him dedupe --model`)
  }
  const format = (raw as {format?: unknown})?.format
  if (format !== MODEL_FORMAT) throw configError(`${file}: not a dedupe model file (format is not "${MODEL_FORMAT}")`)
  const version = (raw as {version?: unknown}).version
  if (version !== MODEL_VERSION) throw configError(`${file}: model file version ${String(version)}; this him reads version ${MODEL_VERSION}: delete it to estimate the model again`)
  const r = ModelFileSchema.safeParse(raw)
  if (!r.success) {
    const i = r.error.issues[0]
    throw configError(`${file}: ${i.path.join('.') || '(top)'}: ${i.message}`)
  }
  const saved = r.data
  const again = 'use the same settings, another --model file, or delete this one to estimate the model again'
  const ignore = [...shape.ignore].sort()
  if (ignore.join(',') !== [...saved.settings.ignore].sort().join(','))
    throw configError(`${file}: the model was made ignoring ${list(saved.settings.ignore)}, this run ignores ${list(ignore)}: ${again}`)
  if (saved.settings.linkage !== shape.linkage)
    throw configError(`${file}: the model was made for ${saved.settings.linkage ? 'two-file linkage (--link-to)' : 'deduplicating one set of records'}, this run is ${shape.linkage ? 'a linkage' : 'a deduplication'}: ${again}`)
  if (saved.settings.blocking.blockCap !== shape.blocking.blockCap)
    throw configError(`${file}: the model was made with blockCap ${saved.settings.blocking.blockCap}, this run uses ${shape.blocking.blockCap}: ${again}`)
  if (saved.settings.blocking.rules.join(',') !== shape.blocking.rules.join(','))
    throw configError(`${file}: the model was made with other blocking rules (${list(saved.settings.blocking.rules)}): ${again}`)
  const fieldsSaved = saved.fields.map((f) => `${f.field}(${f.levels.map((l) => l.level).join('/')})`)
  const fieldsNow = comparisons.map((c) => `${c.field}(${c.levels.join('/')})`)
  const differs = fieldsNow.findIndex((f, k) => f !== fieldsSaved[k])
  if (differs !== -1 || fieldsSaved.length !== fieldsNow.length) {
    const k = differs === -1 ? fieldsNow.length : differs
    throw configError(`${file}: its comparisons differ from this him's at ${fieldsNow[k] ? `field ${comparisons[k].field}` : `field ${saved.fields[k].field}`} (made by another version): delete it to estimate the model again`)
  }
  return {
    m: saved.fields.map((f) => f.levels.map((l) => l.m)),
    u: saved.fields.map((f) => f.levels.map((l) => l.u)),
    lambda: saved.prior.lambda,
    records: saved.prior.records,
    pairs: saved.prior.pairs,
    candidateMatchShare: saved.prior.candidateMatchShare,
  }
}

/**
 * The saved prior carried over to a run of another size. The prior is "matches / all pairs"; the matches grow
 * with the records (a share of them are duplicates) while the pairs grow with their square, so the prior is kept
 * as matches per record: lambda * pairs / records, then divided back by this run's pairs per record. For linkage
 * the records are those of the smaller file (each of its records has at most one match in the other).
 */
export function carriedPrior(saved: Pick<SavedModel, 'lambda' | 'records' | 'pairs'>, records: number, pairs: number): number {
  if (records < 1 || pairs < 1) return saved.lambda
  const matchesPerRecord = (saved.lambda * saved.pairs) / saved.records
  return Math.min(Math.max((matchesPerRecord * records) / pairs, 1e-12), 0.5)
}
