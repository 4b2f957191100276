/** The --settings file (JSON or YAML): thresholds and options for a dedupe run, checked with zod. */
import {readFile} from 'node:fs/promises'
import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {configError} from '../cli/errors.js'
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
