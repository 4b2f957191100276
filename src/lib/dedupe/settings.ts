/** The --settings file (JSON or YAML): thresholds and options for a dedupe run, checked with zod. */
import {readFile} from 'node:fs/promises'
import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {configError, usageError} from '../cli/errors.js'
import {type DedupeOptions} from './engine.js'

const Settings = z
  .object({
    autoThreshold: z.number().gt(0).lte(1),
    reviewThreshold: z.number().gte(0).lt(1),
    blockCap: z.number().int().min(2),
    ignore: z.array(z.enum(['given', 'middle', 'family', 'dob', 'sex', 'ssn', 'phone', 'email', 'houseNumber', 'street', 'locality', 'city', 'state', 'zip'])),
    maxClusterSize: z.number().int().min(2),
    alwaysReview: z.boolean(),
    oneToOne: z.boolean(),
  })
  .partial()
  .strict()

export type DedupeSettings = z.infer<typeof Settings>

export async function loadDedupeSettings(file: string): Promise<Partial<DedupeOptions>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw configError(`${file}: cannot read the settings file (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let raw: unknown
  try {
    raw = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch {
    throw configError(`${file}: not valid ${file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}`)
  }
  const r = Settings.safeParse(raw ?? {})
  if (!r.success) {
    const i = r.error.issues[0]
    throw configError(`${file}: ${i.path.join('.') || '(top)'}: ${i.message}`)
  }
  return r.data
}

/** --auto-threshold and --review-threshold as given on the command line: probabilities, review not above auto. */
export function parseThresholds(autoFlag?: string, reviewFlag?: string): {auto?: number; review?: number} {
  const threshold = (name: string, v?: string) => {
    if (v === undefined) return undefined
    const x = Number(v)
    if (!(x >= 0 && x <= 1)) throw usageError(`--${name} ${v}: give a probability between 0 and 1`)
    return x
  }
  const auto = threshold('auto-threshold', autoFlag)
  const review = threshold('review-threshold', reviewFlag)
  if (auto !== undefined && review !== undefined && review > auto) throw usageError('--review-threshold must not be above --auto-threshold')
  return {auto, review}
}
