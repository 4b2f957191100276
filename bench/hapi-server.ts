/**
 * The FHIR server a bench talks to: $HIMKIT_TEST_FHIR_URL when set, else a fresh HAPI test server started by
 * scripts/hapi/start.sh (so it holds the bench's data only), stopped by `stop()`.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export function benchFhirServer(dataDir: string): {base: string; stop: () => void} {
  const given = process.env.HIMKIT_TEST_FHIR_URL
  if (given) return {base: given, stop: () => {}}
  const pidFile = `${dataDir}/hapi.pid`
  const r = spawnSync('bash', [`${root}scripts/hapi/start.sh`, '--pid-file', pidFile], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
  if (r.status !== 0) throw new Error('could not start the HAPI test server')
  return {
    base: r.stdout.trim().split('\n').pop()!,
    stop: () => void spawnSync('bash', [`${root}scripts/hapi/stop.sh`, '--pid-file', pidFile], {stdio: 'inherit'}),
  }
}
