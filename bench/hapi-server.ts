/**
 * The FHIR server a bench talks to: $HIMKIT_TEST_FHIR_URL when set, else a fresh HAPI test server started by
 * scripts/hapi/start.sh (so it holds the bench's data only), stopped by `stop()`.
 *
 * JVM options for a bench server (unless HIMKIT_HAPI_JAVA_OPTS says otherwise): the test server keeps its whole
 * database in the heap (in-memory H2, about 22 KB a patient once collected: 1.27 GB for 57,000), so start.sh's 640 MB
 * test default runs out at roughly 15,000 patients and the JVM then spends most of its time in full GCs (seen: 551
 * full GCs, 520 s of GC, requests timing out), whichever side of a comparison happens to run last. A 2 GB heap holds
 * the 22,000 patients of a 10,000-patient import bench; C2 (start.sh's test default stops at C1 to start faster)
 * because a production server runs it and a bench runs long enough to gain from it. Both sides of a comparison
 * talk to the same JVM, so neither setting favours one of them.
 */
export const BENCH_HAPI_JAVA_OPTS = '-Xmx2g -XX:+UseSerialGC'

import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/** `pid`: the server's process id when this bench started it (for its CPU time), else undefined. */
export function benchFhirServer(dataDir: string): {base: string; pid?: number; stop: () => void} {
  const given = process.env.HIMKIT_TEST_FHIR_URL
  if (given) return {base: given, stop: () => {}}
  const pidFile = `${dataDir}/hapi.pid`
  const r = spawnSync('bash', [`${root}scripts/hapi/start.sh`, '--pid-file', pidFile], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {...process.env, HIMKIT_HAPI_JAVA_OPTS: process.env.HIMKIT_HAPI_JAVA_OPTS ?? BENCH_HAPI_JAVA_OPTS},
  })
  if (r.status !== 0) throw new Error('could not start the HAPI test server')
  return {
    base: r.stdout.trim().split('\n').pop()!,
    pid: Number(readFileSync(pidFile, 'utf8').trim()),
    stop: () => void spawnSync('bash', [`${root}scripts/hapi/stop.sh`, '--pid-file', pidFile], {stdio: 'inherit'}),
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere or without a pid. */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}
