/**
 * Benchmark: him validate's engines against a plain read of the same file, in one process, alternating.
 * Targets (issue #4): 1,000,000 CSV rows at >= 100,000 rows/s; 100,000 FHIR Patients (NDJSON) at >= 10,000
 * resources/s; memory flat. Synthetic data only (bench/synthetic-patients.ts; Patients made from its rows).
 *
 *   node --import tsx --expose-gc bench/validate.bench.ts [CSV_ROWS=1000000] [FHIR_RESOURCES=100000] [RUNS=3]
 *
 * CSV is timed twice: on one thread (the figure before worker threads, HIMKIT_WORKERS=0) and as `him validate`
 * runs it by default on files of 8 MB and more, on worker threads (HIMKIT_WORKERS, else the cores, at most 4).
 * FHIR_RESOURCES=0 skips the FHIR part.
 *
 * Baselines: the CSV baseline is readCsv over the file (the reader validate uses, rows counted and dropped);
 * the FHIR baseline is readFhir (line split + JSON.parse). Memory: the process RSS and heap sampled after each
 * batch; "flat" means the heap at the end is not far above the heap at 10% of the file. The MRN and duplicate-row
 * indexes of the CSV rules do grow with the number of distinct rows, in typed arrays (about 24 bytes a row).
 */
import {createWriteStream, existsSync, mkdirSync} from 'node:fs'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'

import {parallelWorkers} from '../src/lib/convert/parallel-csv.js'
import {genericFor} from '../src/lib/formats/csv/mapping/builtin.js'
import {compileToFhir} from '../src/lib/formats/csv/mapping/patient-mapping.js'
import {readCsv} from '../src/lib/formats/csv/reader.js'
import {readFhir} from '../src/lib/formats/fhir/reader.js'
import {openSource} from '../src/lib/io/source.js'
import {RuleSet} from '../src/lib/validate/rules.js'
import {validate} from '../src/lib/validate/validate.js'
import {GENERIC_HEADER, mulberry32, syntheticRow, writeSyntheticCsv} from './synthetic-patients.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const csvRows = Number(process.argv[2] ?? 1_000_000)
const fhirCount = Number(process.argv[3] ?? 100_000)
const runs = Number(process.argv[4] ?? 3)
const dataDir = `${root}bench/data`
mkdirSync(dataDir, {recursive: true})

const csv = `${dataDir}/patients-${csvRows}.csv`
if (!existsSync(csv)) {
  process.stderr.write(`generating ${csvRows.toLocaleString('en-US')} synthetic CSV rows (seed 1) ...\n`)
  await writeSyntheticCsv(csv, csvRows, 1)
}
const ndjson = `${dataDir}/patients-${fhirCount}.validate.ndjson`
if (fhirCount > 0 && !existsSync(ndjson)) {
  process.stderr.write(`generating ${fhirCount.toLocaleString('en-US')} synthetic FHIR Patients (seed 2) ...\n`)
  const toPatient = compileToFhir(genericFor(GENERIC_HEADER)!, GENERIC_HEADER, {mrnSystem: 'http://hospital.example.org/mrn'}).toPatient
  const rand = mulberry32(2)
  const out = createWriteStream(ndjson)
  for (let i = 1; i <= fhirCount; i++) {
    const p = toPatient(syntheticRow(rand, i)) as Record<string, unknown>
    p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Synthetic patient</div>'}
    if (!out.write(JSON.stringify(p) + '\n')) await once(out, 'drain')
  }
  await new Promise<void>((res) => out.end(() => res()))
}

const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function plainCsv(): Promise<number> {
  let n = 0
  for await (const item of readCsv(await openSource(csv))) if (Array.isArray(item)) n += item.length
  return n
}

async function plainFhir(): Promise<number> {
  let n = 0
  for await (const r of readFhir(await openSource(ndjson))) if (r.ok) n++
  return n
}

interface Run {
  seconds: number
  records: number
  findings: number
  heapAt10: number
  heapEnd: number
  buffersEnd: number
  rssMax: number
}

async function validateRun(input: string, total: number, oneThread: boolean): Promise<Run> {
  let heapAt10 = 0
  let rssMax = 0
  const t0 = process.hrtime.bigint()
  const report = await validate({
    inputs: [input],
    from: 'auto',
    profile: 'base',
    rules: new RuleSet(),
    showValues: false,
    mappingCtx: {mrnSystem: 'http://hospital.example.org/mrn'},
    failOn: 'error',
    today: '2026-11-25',
    parallel: oneThread ? {minBytes: Number.MAX_SAFE_INTEGER} : undefined,
    onProgress: (records) => {
      const m = process.memoryUsage()
      rssMax = Math.max(rssMax, m.rss)
      if (!heapAt10 && records >= total / 10) heapAt10 = m.heapUsed
    },
  })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const m = process.memoryUsage()
  return {seconds, records: report.records, findings: report.counts.error + report.counts.warning + report.counts.info, heapAt10, heapEnd: m.heapUsed, buffersEnd: m.arrayBuffers, rssMax: Math.max(rssMax, m.rss)}
}

async function timed(fn: () => Promise<number>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

async function bench(label: string, unit: string, total: number, input: string, plain: () => Promise<number>, target: number, parallelToo = false) {
  const base: number[] = []
  const ours: Run[] = []
  const par: Run[] = []
  for (let i = 0; i < runs; i++) {
    base.push(await timed(plain))
    globalThis.gc?.()
    ours.push(await validateRun(input, total, true))
    globalThis.gc?.()
    if (parallelToo) {
      par.push(await validateRun(input, total, false))
      globalThis.gc?.()
    }
  }
  const mBase = median(base)
  const mOurs = median(ours.map((r) => r.seconds))
  const last = ours.at(-1)!
  const rate = Math.round(total / mOurs)
  console.log(`\n${label}: ${total.toLocaleString('en-US')} ${unit}; ${runs} runs each, medians`)
  console.log(`  plain read       : ${mBase.toFixed(2)} s  ${Math.round(total / mBase).toLocaleString('en-US')} ${unit}/s`)
  const one = parallelToo ? ' (one thread)' : ''
  console.log(`  him validate${one.padEnd(17 - 'him validate'.length)}: ${mOurs.toFixed(2)} s  ${rate.toLocaleString('en-US')} ${unit}/s  (${last.findings.toLocaleString('en-US')} findings)  ${rate >= target ? 'meets' : 'MISSES'} the ${target.toLocaleString('en-US')}/s target`)
  console.log(`  ratio validate/read: ${(mOurs / mBase).toFixed(2)}x`)
  console.log(`  memory: heap ${mb(last.heapAt10)} at 10% -> ${mb(last.heapEnd)} at the end (+ ${mb(last.buffersEnd)} typed arrays: the MRN and duplicate-row indexes); peak RSS ${mb(last.rssMax)}`)
  if (!par.length) return
  const mPar = median(par.map((r) => r.seconds))
  const pRate = Math.round(total / mPar)
  const pLast = par.at(-1)!
  console.log(`  him validate (${parallelWorkers()} workers): ${mPar.toFixed(2)} s  ${pRate.toLocaleString('en-US')} ${unit}/s  (${pLast.findings.toLocaleString('en-US')} findings)  ${pRate >= target ? 'meets' : 'MISSES'} the ${target.toLocaleString('en-US')}/s target`)
  console.log(`  ratio validate (workers)/read: ${(mPar / mBase).toFixed(2)}x; one thread/workers: ${(mOurs / mPar).toFixed(2)}x`)
  console.log(`  memory (main thread): heap ${mb(pLast.heapAt10)} at 10% -> ${mb(pLast.heapEnd)} at the end; peak RSS ${mb(pLast.rssMax)} (workers included)`)
}

console.log(`node ${process.version}; ${new Date().toISOString()}`)
await bench('CSV (generic layout)', 'rows', csvRows, csv, plainCsv, 100_000, parallelWorkers() > 0)
if (fhirCount > 0) await bench('FHIR R4 Patients (NDJSON)', 'resources', fhirCount, ndjson, plainFhir, 10_000)
