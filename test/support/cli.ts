import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = `${root}bin/run.js`

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Run the built CLI as a user would (a separate process, no TTY, no stdin unless given).
 * `npm test` builds first; a stale or missing dist/ fails loudly here rather than testing old code.
 */
export function him(args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): CliResult {
  if (!existsSync(`${root}dist/commands/convert.js`)) throw new Error('dist/ is missing: run npm run build (npm test does it)')
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? root,
    env: {...process.env, NO_COLOR: '1', HIMKIT_CONFIG_DIR: '/nonexistent-himkit-test', ...opts.env},
    input: opts.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}
