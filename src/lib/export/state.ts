/**
 * The incremental-export state: for each endpoint and scope (types, patient, group), the server's transactionTime
 * of the last complete export, so `--since last` asks only for what changed after it. One small JSON file, replaced
 * atomically, written only once an export is complete. It holds times and resource types, never patient data.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {z} from 'zod'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

const entrySchema = z.object({transactionTime: z.string(), method: z.enum(['bulk', 'search']), finishedAt: z.string(), resources: z.number().int().nonnegative()})
const stateSchema = z.object({version: z.literal(1), exports: z.record(z.string(), entrySchema)})
export type ExportStateEntry = z.infer<typeof entrySchema>
type ExportState = z.infer<typeof stateSchema>

/** $HIMKIT_STATE_DIR, else $XDG_STATE_HOME/himkit, else ~/.local/state/himkit; the file export-state.json. */
export function defaultStateFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.HIMKIT_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'himkit')
  return join(dir, 'export-state.json')
}

/** The key of an export's scope: the same endpoint, types and patient or group. */
export function scopeKey(endpoint: string, scope: {types?: string[]; patient?: string; group?: string}): string {
  const types = scope.types ? [...scope.types].sort().join(',') : '*'
  return [endpoint, types, scope.patient ? `patient=${scope.patient}` : scope.group ? `group=${scope.group}` : 'all'].join(' ')
}

async function readState(file: string): Promise<ExportState> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {version: 1, exports: {}}
    throw new HimError(`${file}: cannot read the export state (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {code: 'STATE_UNREADABLE', exit: ExitCode.NO_INPUT})
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const parsed = stateSchema.safeParse(json)
  if (!parsed.success)
    throw new HimError(`${file}: not a himkit export state file`, {code: 'STATE_INVALID', exit: ExitCode.CONFIG, suggestion: 'move it away to start again from a full export'})
  return parsed.data
}

export async function lastExport(file: string, key: string): Promise<ExportStateEntry | undefined> {
  return (await readState(file)).exports[key]
}

export async function recordExport(file: string, key: string, entry: ExportStateEntry): Promise<void> {
  const state = await readState(file)
  state.exports[key] = entry
  await mkdir(dirname(file), {recursive: true})
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})
  await rename(tmp, file)
}
