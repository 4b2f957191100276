import {open, readFile, rm, stat, type FileHandle} from 'node:fs/promises'

import {HimError, usageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

/**
 * The import journal: a small append-only NDJSON file next to the rejects file. The first line says what is being
 * imported (inputs with size and modification time, endpoint, strategy); then one line per transaction the server
 * answered (confirmed, or refused and its records rejected), listing the input records it carried as
 * "<input index>:<record number>". Each line is fsynced before the run counts it, so after a crash, kill -9 or
 * Ctrl-C, `--resume` skips exactly what the server confirmed. A run that finishes removes its journal.
 */
export interface JournalHeader {
  v: 1
  endpoint: string
  strategy: string
  inputs: Array<{file: string; size?: number; mtimeMs?: number}>
}

export const journalPathFor = (rejectsPath: string) => `${rejectsPath.replace(/\.rejects\.ndjson$/, '')}.import-journal.ndjson`

export const recordKey = (input: number, loc: {record?: number; line?: number}) => `${input}:${loc.record ?? loc.line ?? 0}`

export async function describeInputs(files: string[]): Promise<JournalHeader['inputs']> {
  return Promise.all(
    files.map(async (file) => {
      if (file === '-') return {file}
      const s = await stat(file)
      return {file, size: s.size, mtimeMs: Math.trunc(s.mtimeMs)}
    }),
  )
}

/** The record keys a journal holds, after checking it is about the same inputs and endpoint. */
export async function readJournal(path: string, expected: Omit<JournalHeader, 'strategy'>): Promise<Set<string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw usageError(`--resume: no journal at ${path}: nothing to resume`, 'run the import without --resume')
  }
  const lines = text.split('\n')
  const header = JSON.parse(lines[0] || '{}') as Partial<JournalHeader>
  if (header.v !== 1 || header.endpoint !== expected.endpoint || JSON.stringify(header.inputs) !== JSON.stringify(expected.inputs))
    throw new HimError(`--resume: ${path} is about other inputs or another endpoint (or the inputs changed since)`, {
      code: 'JOURNAL_MISMATCH',
      exit: ExitCode.USAGE,
      suggestion: 'give the same inputs and --endpoint as the interrupted run, or run without --resume (the import is safe to re-run)',
    })
  const done = new Set<string>()
  // A line cut short by a crash is the transaction that was not confirmed: ignored.
  for (const line of lines.slice(1)) {
    if (!line) continue
    try {
      for (const k of (JSON.parse(line) as {records: string[]}).records) done.add(k)
    } catch {
      break
    }
  }
  return done
}

export class Journal {
  private chain: Promise<void> = Promise.resolve()

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** Start a journal (a new one, or appending to the one being resumed). */
  static async open(path: string, header: JournalHeader, resume: boolean): Promise<Journal> {
    const fh = await open(path, resume ? 'a' : 'w').catch((error: NodeJS.ErrnoException) => {
      throw new HimError(`${path}: cannot write the import journal (${error.code ?? 'error'})`, {code: 'JOURNAL_UNWRITABLE', exit: ExitCode.CANT_CREATE})
    })
    const j = new Journal(path, fh)
    if (!resume) await j.append({...header})
    return j
  }

  /** Append one answered transaction and fsync; resolves when it is on disk. Appends are serialized. */
  confirm(records: string[], outcome: 'confirmed' | 'rejected'): Promise<void> {
    return this.append({outcome, records})
  }

  private append(line: object): Promise<void> {
    const next = this.chain.then(async () => {
      await this.fh.write(JSON.stringify(line) + '\n')
      await this.fh.sync()
    })
    this.chain = next.catch(() => {})
    return next
  }

  async close(remove: boolean): Promise<void> {
    await this.chain
    await this.fh.close()
    if (remove) await rm(this.path, {force: true})
  }
}
