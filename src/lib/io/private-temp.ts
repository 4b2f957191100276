import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'

/*
 * Temporary files and folders hold patient data (a half-written output, an export's staged pages). A run that ends
 * normally removes its own; a run killed outright (kill -9, a power cut) cannot, so their names carry the process
 * id and the next run removes those of processes that are gone. A name whose process still runs (or belongs to
 * another user: the signal check is refused) is left alone.
 */

function running(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Remove the entries of `dir` named `<prefix>` then `rest` (whose first group is a process id) whose process is gone. Never throws. */
export async function removeAbandoned(dir: string, prefix: string, rest: RegExp): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(rest.exec(name.slice(prefix.length))?.[1])
    if (!Number.isSafeInteger(pid) || pid <= 0 || running(pid)) continue
    try {
      await rm(join(dir, name), {recursive: true, force: true})
      removed.push(name)
    } catch {
      /* not ours to remove */
    }
  }
  return removed
}

/** The temporary name an output file is written under until it is complete: `<file>.tmp-<pid>`. */
export function tempNameFor(target: string): string {
  return `${target}.tmp-${process.pid}`
}

/** Remove `<file>.tmp-<pid>` left next to `target` by runs that were killed. */
export function removeAbandonedTempFiles(target: string): Promise<string[]> {
  return removeAbandoned(dirname(target), `${basename(target)}.tmp-`, /^(\d+)$/)
}

/** A private folder (mode 0700) in the system's temporary folder, named with this process's id; those of killed runs with the same label are removed first. */
export async function privateTempDir(label: string): Promise<string> {
  await removeAbandoned(tmpdir(), `${label}-`, /^(\d+)-[A-Za-z0-9]{6}$/)
  return mkdtemp(join(tmpdir(), `${label}-${process.pid}-`))
}
