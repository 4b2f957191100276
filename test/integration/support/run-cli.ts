import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import type {CliResult} from '../../support/cli.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Like test/support/cli.ts `him`, but without blocking: the test process keeps serving while the CLI runs, which
 * tests need when the peer (the fault proxy, the authorization server) lives in the test process itself.
 */
export function himAsync(args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
  if (!existsSync(`${root}dist/commands/endpoint/test.js`)) throw new Error('dist/ is missing: run npm run build (npm test does it)')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/run.js`, ...args], {
      cwd: opts.cwd ?? root,
      env: {...process.env, NO_COLOR: '1', HIMKIT_CONFIG_DIR: '/nonexistent-himkit-test', ...opts.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
  })
}
