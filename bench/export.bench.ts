/**
 * Benchmark: `him export` of SYNTHETIC patients from the HAPI FHIR test server, by Bulk Data $export and by paged
 * search, in the same run: records/s for each and their ratio (issue #9).
 *
 *   npm run build && node --import tsx bench/export.bench.ts [PATIENTS=10000] [RUNS=3]
 *
 * Server: $HIMKIT_TEST_FHIR_URL, else a fresh one started by scripts/hapi/start.sh (stopped at the end), so that
 * it holds the bench's patients only. The patients are imported first with `him import` (not timed). Each export is
 * timed as a whole process (node start-up, CapabilityStatement, kick-off and polling included), to NDJSON; the
 * figure is the median of RUNS, the two methods alternating.
 */
import {spawnSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {benchFhirServer} from './hapi-server.js'
import {writeSyntheticCsv} from './synthetic-patients.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const patients = Number(process.argv[2] ?? 10_000)
const runs = Number(process.argv[3] ?? 3)
const dataDir = `${root}bench/data/export`
mkdirSync(dataDir, {recursive: true})
if (!existsSync(`${root}dist/commands/export.js`)) throw new Error('build first: npm run build')

const server = benchFhirServer(dataDir)
const base = server.base
const cli = `${root}bin/run.js`
const env = {...process.env, HIMKIT_STATE_DIR: `${dataDir}/state`}

try {
  writeFileSync(`${dataDir}/himkit.config.json`, JSON.stringify({version: 1, defaults: {mrnSystem: `urn:himkit:bench:${randomUUID()}`}, endpoints: [{name: 'bench', kind: 'fhir', url: base}]}))
  const csv = `${dataDir}/patients-${patients}.csv`
  if (!existsSync(csv)) await writeSyntheticCsv(csv, patients, 9)
  const imp = spawnSync(process.execPath, [cli, 'import', csv, '--endpoint', 'bench', '--json'], {cwd: dataDir, encoding: 'utf8', env, maxBuffer: 1 << 26})
  if (imp.status !== 0) throw new Error(`him import failed: ${imp.stderr.slice(-500)}`)
  const onServer = (await (await fetch(`${base}/Patient?_summary=count`)).json()) as {total: number}
  console.log(`server: ${base} holds ${onServer.total.toLocaleString('en-US')} Patients (${patients.toLocaleString('en-US')} imported for this run)`)

  const exportOnce = (method: 'bulk' | 'search') => {
    const out = `${dataDir}/out-${method}`
    rmSync(out, {recursive: true, force: true})
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [cli, 'export', '--endpoint', 'bench', '--type', 'Patient', '--method', method, '--to', 'ndjson', '-o', out, '--json'], {cwd: dataDir, encoding: 'utf8', env, maxBuffer: 1 << 26})
    const seconds = (performance.now() - t0) / 1000
    if (r.status !== 0) throw new Error(`him export --method ${method} failed (${r.status}): ${r.stderr.slice(-500)}`)
    const j = JSON.parse(r.stdout) as {counts: {unique: number}}
    return {seconds, records: j.counts.unique}
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const times: Record<'bulk' | 'search', number[]> = {bulk: [], search: []}
  let records: Record<'bulk' | 'search', number> = {bulk: 0, search: 0}
  for (let i = 0; i < runs; i++)
    for (const m of i % 2 ? (['search', 'bulk'] as const) : (['bulk', 'search'] as const)) {
      const r = exportOnce(m)
      times[m].push(r.seconds)
      records = {...records, [m]: r.records}
    }
  if (records.bulk !== records.search) throw new Error(`bulk exported ${records.bulk} records, search ${records.search}`)
  const rate = (m: 'bulk' | 'search') => records[m] / median(times[m])
  for (const m of ['bulk', 'search'] as const)
    console.log(`${m.padEnd(6)} ${records[m].toLocaleString('en-US')} Patients in ${median(times[m]).toFixed(2)} s (median of ${runs}: ${times[m].map((t) => t.toFixed(2)).join(', ')}) = ${Math.round(rate(m)).toLocaleString('en-US')} records/s`)
  console.log(`ratio bulk / search: ${(rate('bulk') / rate('search')).toFixed(2)}x`)
} finally {
  server.stop()
}
