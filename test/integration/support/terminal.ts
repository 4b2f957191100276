import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Keys as a terminal sends them. */
export const KEY = {down: '\u001B[B', enter: '\r'}

export interface TerminalRun {
  code: number
  /** Everything the terminal showed (colours included), in order. */
  screen: string
}

/**
 * Run the built CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal would: stdin and
 * stdout are a TTY, so prompts appear. `respond` sees the screen so far each time something is shown and returns
 * the keys to type now (or undefined to wait); it is the person answering. Killed after `timeoutMs`.
 */
export function runInTerminal(args: string[], respond: (screen: string) => string | undefined, opts: {timeoutMs?: number; env?: NodeJS.ProcessEnv} = {}): Promise<TerminalRun> {
  if (!existsSync(`${root}dist/commands/dedupe.js`)) throw new Error('dist/ is missing: run npm run build (npm test does it)')
  // A terminal of a real size (a bare pty is 0 x 0, and a spinner then thinks every character wraps).
  const command = `stty cols 120 rows 40 && exec ${[process.execPath, `${root}bin/run.js`, ...args].map(quote).join(' ')}`
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: root,
      env: {...process.env, HIMKIT_CONFIG_DIR: '/nonexistent-himkit-test', FORCE_COLOR: '1', ...opts.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let screen = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no end after ${opts.timeoutMs ?? 60_000} ms; the screen ended with:\n${plain(screen.slice(-3000))}`))
    }, opts.timeoutMs ?? 60_000)
    const onData = (d: Buffer) => {
      screen += d.toString()
      const keys = respond(screen)
      if (keys) child.stdin.write(keys)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, screen})
    })
  })
}

/** The screen without colour and cursor codes. */
export const plain = (s: string) => s.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
