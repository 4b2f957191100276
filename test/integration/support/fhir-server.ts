import {spawn, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/**
 * The HAPI FHIR JPA server that integration tests talk to: the one at HIMKIT_TEST_FHIR_URL when set, otherwise one
 * started once per test run by scripts/hapi/start.sh (built on first use, cached in ~/.cache/himkit/hapi) and
 * stopped when the run ends. Tests call `requireFhirServer(this)` in a `before` hook; without Java and Maven they
 * are skipped with a visible message, never passed silently.
 */
export interface FhirServer {
  /** e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string
  /** true when it came from HIMKIT_TEST_FHIR_URL (then nobody here stops it) */
  external: boolean
}

const root = fileURLToPath(new URL('../../..', import.meta.url))
/** The server, or why there is none: `skip` when Java or Maven is missing, `fail` when they are there and it did not start. */
type Outcome = FhirServer | {skip: string} | {fail: string}
let starting: Promise<Outcome> | undefined
let pid: number | undefined
let warned = false

function missingTools(): string | undefined {
  for (const [tool, arg] of [['java', '-version'], ['mvn', '-v']] as const) {
    const r = spawnSync(tool, [arg], {stdio: 'ignore'})
    if (r.error || r.status !== 0) return `${tool} is not installed`
  }
  return undefined
}

async function start(): Promise<Outcome> {
  const external = process.env.HIMKIT_TEST_FHIR_URL
  if (external) return {baseUrl: external.replace(/\/+$/, ''), external: true}
  const missing = missingTools()
  if (missing) return {skip: `${missing}; the HAPI FHIR test server needs Java 17+ and Maven (or set HIMKIT_TEST_FHIR_URL)`}
  return new Promise((resolve) => {
    const child = spawn('bash', [`${root}scripts/hapi/start.sh`, '--port', '0'], {
      cwd: root,
      env: {...process.env, HIMKIT_HAPI_PARENT_PID: String(process.pid)},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => {
      const baseUrl = out.trim().split('\n').pop() ?? ''
      const m = /pid (\d+)/.exec(err)
      if (code !== 0 || !baseUrl.startsWith('http') || !m) {
        resolve({fail: `scripts/hapi/start.sh failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`})
        return
      }
      pid = Number(m[1])
      resolve({baseUrl, external: false})
    })
  })
}

process.on('exit', () => {
  if (pid !== undefined)
    try {
      process.kill(pid)
    } catch {
      // already gone
    }
})

/** The server, started on first call; or why it cannot be had. */
export function fhirServer(): Promise<Outcome> {
  starting ??= start()
  return starting
}

/**
 * In a mocha `before` hook: the server; or this suite skipped, with a message, when Java or Maven is missing; or a
 * failed hook when they are there but the server would not start (a broken test server must not look like a pass).
 */
export async function requireFhirServer(ctx: Mocha.Context): Promise<FhirServer> {
  ctx.timeout(15 * 60_000) // a first build downloads HAPI from Maven Central
  const s = await fhirServer()
  if ('skip' in s) {
    if (!warned) console.warn(`\n    SKIPPED (no FHIR server): ${s.skip}\n`)
    warned = true
    ctx.skip()
  }
  if ('fail' in s) throw new Error(s.fail)
  return s as FhirServer
}
