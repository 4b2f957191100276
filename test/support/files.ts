import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A scratch folder for one test file; removed by cleanup(). */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'himkit-test-'))
  return {
    dir,
    file(name: string, content: string | Buffer) {
      const p = join(dir, name)
      writeFileSync(p, content)
      return p
    },
    path: (name: string) => join(dir, name),
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

export const fixture = (rel: string) => new URL(`../../fixtures/${rel}`, import.meta.url).pathname
