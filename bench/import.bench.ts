/**
 * Benchmark: `him import` of SYNTHETIC patients into the HAPI FHIR test server, against one POST per resource
 * (the baseline: what a plain loop over the NDJSON does) in the same run, at the same concurrency.
 * Target (issue #8): >= 5x the baseline; peak memory flat in the input size.
 *
 *   npm run build && node --import tsx bench/import.bench.ts [PATIENTS=10000] [CONCURRENCY=4]
 *   HIMKIT_BENCH_LATENCY_MS=10 node --import tsx bench/import.bench.ts ...   (both sides behind 10 ms a request)
 *
 * Server: $HIMKIT_TEST_FHIR_URL, else one started by scripts/hapi/start.sh (and stopped at the end). Each run
 * writes under fresh identifier systems, so both sides create every patient. The import is timed as a whole process
 * (node start-up and the CapabilityStatement included); its peak RSS comes from /usr/bin/time when present, for
 * PATIENTS/5 and PATIENTS (flat memory: the two should be close).
 */
import {spawn, spawnSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {FaultProxy} from '../test/integration/support/fault-proxy.js'
import {benchFhirServer, processCpuSeconds} from './hapi-server.js'
import {writeSyntheticCsv} from './synthetic-patients.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const patients = Number(process.argv[2] ?? 10_000)
const concurrency = Number(process.argv[3] ?? 4)
const dataDir = `${root}bench/data/import`
mkdirSync(dataDir, {recursive: true})
if (!existsSync(`${root}dist/commands/import.js`)) throw new Error('build first: npm run build')

const server = benchFhirServer(dataDir)
// HIMKIT_BENCH_LATENCY_MS: both sides go through a proxy that holds each request that long, as a network between
// this machine and a hosted EHR would (the server on this machine answers with no network latency at all).
const latencyMs = Number(process.env.HIMKIT_BENCH_LATENCY_MS ?? 0)
const proxy = latencyMs > 0 ? await FaultProxy.start(server.base) : undefined
proxy?.inject({fault: {kind: 'delay', ms: latencyMs}, times: Number.MAX_SAFE_INTEGER})
const base = proxy?.baseUrl ?? server.base
const haveTime = existsSync('/usr/bin/time')
const cli = `${root}bin/run.js`

function config(system: string) {
  writeFileSync(`${dataDir}/himkit.config.json`, JSON.stringify({version: 1, defaults: {mrnSystem: system}, endpoints: [{name: 'bench', kind: 'fhir', url: base}]}))
}

function spawnAsync(cmd: string, args: string[]): Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {cwd: dataDir})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({status, stdout, stderr}))
  })
}

/** `him import` of `n` patients as a process: seconds, peak RSS (MB) and the summary. */
async function runImport(n: number) {
  const csv = `${dataDir}/patients-${n}.csv`
  if (!existsSync(csv)) await writeSyntheticCsv(csv, n, 8)
  config(`urn:himkit:bench:${randomUUID()}`)
  const args = [cli, 'import', csv, '--endpoint', 'bench', '--concurrency', String(concurrency), '--json']
  const cpu0 = processCpuSeconds(server.pid)
  const t0 = performance.now()
  // Not spawnSync: the latency proxy lives in this process and must keep serving while the import runs.
  const r = haveTime ? await spawnAsync('/usr/bin/time', ['-f', '%M', process.execPath, ...args]) : await spawnAsync(process.execPath, args)
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`him import failed (${r.status}): ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`)
  const rssKb = haveTime ? Number(r.stderr.trim().split('\n').pop()) : Number.NaN
  return {seconds, serverCpu: processCpuSeconds(server.pid) - cpu0, rssMb: rssKb / 1024, summary: JSON.parse(r.stdout)}
}

/** The baseline: the same patients as NDJSON (him convert, not timed), each POSTed alone, `concurrency` at a time. */
async function runBaseline(n: number) {
  const csv = `${dataDir}/patients-${n}.csv`
  config(`urn:himkit:bench:${randomUUID()}`)
  const ndjson = `${dataDir}/patients-${n}.ndjson`
  const c = spawnSync(process.execPath, [cli, 'convert', csv, '--to', 'ndjson', '-o', ndjson], {cwd: dataDir, encoding: 'utf8'})
  if (c.status !== 0) throw new Error(`him convert failed: ${c.stderr}`)
  const bodies = readFileSync(ndjson, 'utf8').split('\n').filter(Boolean).map((l) => {
    const {id: _id, ...r} = JSON.parse(l)
    return JSON.stringify(r)
  })
  let next = 0
  let failed = 0
  const cpu0 = processCpuSeconds(server.pid)
  const t0 = performance.now()
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const res = await fetch(`${base}/Patient`, {method: 'POST', headers: {'content-type': 'application/fhir+json', prefer: 'return=minimal'}, body})
        await res.arrayBuffer()
        if (res.status !== 201) failed++
      }
    }),
  )
  return {seconds: (performance.now() - t0) / 1000, serverCpu: processCpuSeconds(server.pid) - cpu0, posted: bodies.length, failed}
}

try {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US')
  process.stderr.write(`HAPI at ${server.base}${proxy ? ` behind ${latencyMs} ms of latency per request` : ''}; ${patients.toLocaleString('en-US')} synthetic patients, concurrency ${concurrency}\n`)
  const small = await runImport(Math.max(1, Math.round(patients / 5)))
  const imp = await runImport(patients)
  const c = imp.summary.counts
  if (c.created !== patients) throw new Error(`import created ${c.created}, expected ${patients}`)
  const baseline = await runBaseline(patients)
  const impRate = patients / imp.seconds
  const baseRate = baseline.posted / baseline.seconds
  console.log(`him import       ${fmt(impRate)} resources/s (${patients} in ${imp.seconds.toFixed(1)} s, ${imp.summary.transactions} transactions, process start included)`)
  console.log(`one POST each    ${fmt(baseRate)} resources/s (${baseline.posted} in ${baseline.seconds.toFixed(1)} s${baseline.failed ? `, ${baseline.failed} failed` : ''})`)
  // The server's CPU per resource does not depend on what else the machine runs as much as the rates do.
  if (server.pid) console.log(`server CPU       ${(imp.serverCpu * 1000 / patients).toFixed(2)} ms a resource for him import, ${(baseline.serverCpu * 1000 / baseline.posted).toFixed(2)} ms for one POST each`)
  console.log(`load             ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (1, 5, 15 min) at the end`)
  console.log(`ratio            ${(impRate / baseRate).toFixed(1)}x (target >= 5x)`)
  if (haveTime) console.log(`peak RSS         ${fmt(small.rssMb)} MB at ${fmt(patients / 5)} patients, ${fmt(imp.rssMb)} MB at ${fmt(patients)}`)
} finally {
  await proxy?.close()
  server.stop()
}
