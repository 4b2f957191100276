/**
 * Benchmark: CSV -> FHIR NDJSON with the built CLI, against a bare fast-csv parse of the same file.
 * Target (issue #2): >= 100,000 rows/s, within 2x of the bare parse, peak memory under 300 MB.
 *
 *   npm run build && node --import tsx bench/convert.bench.ts [ROWS=1000000] [RUNS=3]
 *
 * Both are timed as whole processes (node start-up included), alternating, and the medians are compared.
 * Peak memory is the process's maximum resident set size as the kernel reports it (getrusage via /usr/bin/time
 * when present, else not shown).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, rmSync, statSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {writeSyntheticCsv} from './synthetic-patients.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const rows = Number(process.argv[2] ?? 1_000_000)
const runs = Number(process.argv[3] ?? 3)
const dataDir = `${root}bench/data`
mkdirSync(dataDir, {recursive: true})
const csv = `${dataDir}/patients-${rows}.csv`
if (!existsSync(csv)) {
  process.stderr.write(`generating ${rows.toLocaleString('en-US')} synthetic rows (seed 1) ...\n`)
  await writeSyntheticCsv(csv, rows, 1)
}
if (!existsSync(`${root}dist/commands/convert.js`)) throw new Error('build first: npm run build')
const out = `${dataDir}/patients-${rows}.ndjson`
const haveTime = existsSync('/usr/bin/time')

function timed(cmd: string[]): {seconds: number; maxRssMb?: number} {
  const argv = haveTime ? ['/usr/bin/time', '-f', 'MAXRSS %M', ...cmd] : cmd
  const t0 = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', cwd: root, maxBuffer: 1 << 26})
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`)
  const m = /MAXRSS (\d+)/.exec(r.stderr)
  return {seconds, maxRssMb: m ? Number(m[1]) / 1024 : undefined}
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ours: ReturnType<typeof timed>[] = []
const base: ReturnType<typeof timed>[] = []
for (let i = 0; i < runs; i++) {
  base.push(timed(['node', 'bench/fastcsv-baseline.mjs', csv]))
  ours.push(timed(['node', 'bin/run.js', 'convert', csv, '--to', 'ndjson', '-o', out]))
}
const mOurs = median(ours.map((r) => r.seconds))
const mBase = median(base.map((r) => r.seconds))
const rss = Math.max(...ours.map((r) => r.maxRssMb ?? 0))
const mb = (statSync(csv).size / 1e6).toFixed(0)
console.log(`input: ${rows.toLocaleString('en-US')} rows, ${mb} MB; ${runs} runs each, medians`)
console.log(`fast-csv bare parse : ${mBase.toFixed(2)} s  ${Math.round(rows / mBase).toLocaleString('en-US')} rows/s`)
console.log(`him convert --to ndjson: ${mOurs.toFixed(2)} s  ${Math.round(rows / mOurs).toLocaleString('en-US')} rows/s  peak RSS ${rss ? rss.toFixed(0) + ' MB' : 'n/a'}`)
console.log(`ratio him/fast-csv: ${(mOurs / mBase).toFixed(2)}x   (targets: >= 100,000 rows/s, <= 2.00x, < 300 MB)`)
rmSync(out, {force: true})
