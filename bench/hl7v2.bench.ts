/**
 * Benchmark: HL7 v2 parsing throughput in messages/s, himkit against named baselines, in the same run on the same
 * messages (issue #3: at least 2x Medplum's parser, with escapes decoded and nothing lost).
 *
 *   node --import tsx bench/hl7v2.bench.ts [MESSAGES=3000] [SECONDS_PER_CASE=1]
 *
 * Message sets: synthetic ADT^A01 messages generated here (seeded, with escapes, repetitions and a Z-segment), and
 * the shared corpus (../shared/data/hl7v2, Microsoft FHIR-Converter samples) when it is there.
 * Cases:
 *   - baseline "naive split": split segments, fields, repetitions, components, subcomponents with String.split,
 *     no escape decoding, no BOM handling (what a hand-rolled parser does);
 *   - baseline "Medplum": @medplum/core 4.5.2 Hl7Message.parse (builds the whole tree, does not decode escapes,
 *     throws on a BOM, so the BOM is stripped for it);
 *   - baseline "python-hl7": Debian's python3-hl7 hl7.parse, timed in its own process (when installed);
 *   - himkit parse (segments indexed, fields split on access), himkit parse + decode of every component of every
 *     field (the fair comparison with a parser that builds the whole tree, here with escapes decoded),
 *     himkit parse + serialize, himkit v2 -> FHIR.
 * Each case runs for the given seconds after a warm-up; the best of 3 rounds is kept.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Hl7Message as MedplumHl7} from '@medplum/core'

import {Hl7File} from '../src/lib/formats/hl7v2/batch.js'
import {Hl7Message} from '../src/lib/formats/hl7v2/message.js'
import {messageToFhir} from '../src/lib/formats/hl7v2/to-fhir.js'

const count = Number(process.argv[2] ?? 3000)
const seconds = Number(process.argv[3] ?? 1)

/** A small seeded PRNG (mulberry32), so every run benchmarks the same messages. */
function prng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FAMILY = ['TESTPERSON', 'EXAMPLE', 'SAMPLE', "O'DEMO", 'SYNTHETIC', 'PLACEHOLDER', 'MOCKINGTON', 'FICTIVE']
const GIVEN = ['AVERY', 'BLAKE', 'CASEY', 'DREW', 'EMERSON', 'FINLEY', 'GRAY', 'HARPER']
const STREET = ['MAIN ST', 'OAK AVE', 'ELM RD', 'PINE CT', 'MAPLE DR']

/** Synthetic ADT^A01 messages (invented people), ~1.2 KB each, CR terminated. */
export function syntheticAdt(n: number, seed = 1): string[] {
  const r = prng(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]
  const d = (y0: number, span: number) => {
    const y = y0 + Math.floor(r() * span)
    const m = String(1 + Math.floor(r() * 12)).padStart(2, '0')
    const day = String(1 + Math.floor(r() * 28)).padStart(2, '0')
    return `${y}${m}${day}`
  }
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const mrn = `SYN${String(100000 + i)}`
    const fam = pick(FAMILY)
    const giv = pick(GIVEN)
    const when = `${d(2023, 2)}${String(Math.floor(r() * 24)).padStart(2, '0')}3000-0500`
    out.push(
      [
        `MSH|^~\\&|REGADT|SYNTH HOSP^2.16.840.1.113883.19.1^ISO|HIMKIT|HIMKIT|${when}||ADT^A01^ADT_A01|C${i}|P|2.5.1|||AL|NE`,
        `EVN|A01|${when}`,
        `PID|1||${mrn}^^^SYNTH HOSP^MR~${100 + (i % 800)}-${10 + (i % 80)}-${1000 + (i % 8000)}^^^USSSA^SS||${fam}^${giv}^Q^^^^L~${pick(FAMILY)}^${giv}^^^^^M||${d(1930, 80)}|${r() < 0.5 ? 'F' : 'M'}|||${1 + Math.floor(r() * 999)} ${pick(STREET)}^APT ${1 + Math.floor(r() * 50)}\\T\\B^SPRINGFIELD^IL^62701^USA^H||^PRN^PH^^1^217^555${String(1000 + (i % 9000))}~^NET^Internet^p${i}@example.org|^WPN^PH^^1^217^5550199||M^Married^HL70002|||||||||||||N`,
        `PD1|||SYNTH CLINIC|1234^WELBY^MARCUS^^^DR`,
        `NK1|1|${fam}^${pick(GIVEN)}|SPO^Spouse^HL70063|12 TEST ST^^SPRINGFIELD^IL^62701|^PRN^PH^^1^217^5550102`,
        `PV1|1|I|WARD${1 + (i % 9)}^${100 + (i % 50)}^A^SYNTH HOSP||||5678^HOUSE^GREGORY^^^DR|||MED||||7|||5678^HOUSE^GREGORY^^^DR||VN${i}^^^SYNTH HOSP^VN|||||||||||||||||||||||||${when}`,
        `PV2|||^Chest pain\\.br\\since morning`,
        `AL1|1|DA|70618^Penicillin^RXNORM|SV|HIVES|20100101`,
        `DG1|1||I20.9^Angina pectoris, unspecified^I10|||A`,
        `OBX|1|NM|8302-2^Body height^LN||${150 + Math.floor(r() * 50)}|cm^cm^UCUM|||||F`,
        `ZPI|1|custom \\F\\ value|""`,
      ].join('\r') + '\r',
    )
  }
  return out
}

function corpusMessages(): string[] {
  const dir = new URL('../../shared/data/hl7v2/', import.meta.url).pathname
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hl7'))
    .flatMap((f) => Hl7File.parse(readFileSync(join(dir, f), 'utf8')).messages.map((m) => m.toString()))
}

function naiveSplit(text: string): unknown {
  return text.split(/\r\n|\r|\n/).map((s) => s.split('|').map((f) => f.split('~').map((rep) => rep.split('^').map((c) => c.split('&')))))
}

function decodeAll(m: Hl7Message): number {
  let n = 0
  for (const s of m.segments)
    for (let f = 1; f <= s.length; f++)
      for (const rep of s.repetitions(f)) for (const text of rep.componentTexts()) n += text.length
  return n
}

let sink = 0
function rate(messages: string[], fn: (text: string) => unknown): number {
  const bench = (ms: number) => {
    const t0 = performance.now()
    let done = 0
    while (performance.now() - t0 < ms) {
      for (const m of messages) if (fn(m)) sink++
      done += messages.length
    }
    return done / ((performance.now() - t0) / 1000)
  }
  bench(Math.min(300, seconds * 300))
  let best = 0
  for (let round = 0; round < 3; round++) best = Math.max(best, bench(seconds * 1000))
  return best
}

function pythonHl7Rate(messages: string[]): number | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'him-bench-'))
  try {
    const file = join(dir, 'messages.json')
    writeFileSync(file, JSON.stringify(messages))
    const script = `
import json, sys, time
import hl7
msgs = json.load(open(sys.argv[1]))
for m in msgs[:50]: hl7.parse(m)
best = 0
for _ in range(3):
    t0 = time.perf_counter(); n = 0
    while time.perf_counter() - t0 < ${seconds}:
        for m in msgs: hl7.parse(m)
        n += len(msgs)
    best = max(best, n / (time.perf_counter() - t0))
print(best)
`
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], {encoding: 'utf8'})
    if (r.status !== 0) {
      process.stderr.write(`python-hl7 baseline skipped: ${r.stderr.trim().split('\n').pop()}\n`)
      return undefined
    }
    return Number(r.stdout.trim())
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10)

function runSet(name: string, messages: string[]) {
  const bytes = messages.reduce((a, m) => a + m.length, 0)
  console.log(`\n${name}: ${messages.length.toLocaleString('en-US')} messages, ${(bytes / messages.length / 1024).toFixed(1)} KB each on average`)
  const noBom = messages.map((m) => m.replace(/^\uFEFF/, ''))
  const naive = rate(messages, naiveSplit)
  const medplum = rate(noBom, (t) => MedplumHl7.parse(t))
  const python = pythonHl7Rate(messages)
  const parse = rate(messages, (t) => Hl7Message.parse(t))
  const decoded = rate(messages, (t) => decodeAll(Hl7Message.parse(t)) >= 0)
  const roundTrip = rate(messages, (t) => Hl7Message.parse(t).toString())
  const toFhir = rate(messages, (t) => messageToFhir(Hl7Message.parse(t), {mrnSystem: 'http://hospital.example.org/mrn'}))
  const rows: Array<[string, number | undefined]> = [
    ['baseline: naive split (no escapes)', naive],
    ['baseline: Medplum 4.5.2 parse', medplum],
    ['baseline: python-hl7 parse', python],
    ['himkit parse', parse],
    ['himkit parse + decode every component', decoded],
    ['himkit parse + serialize', roundTrip],
    ['himkit v2 -> FHIR (parse + map)', toFhir],
  ]
  for (const [label, v] of rows) {
    if (v === undefined) {
      console.log(`  ${label.padEnd(40)} ${'n/a'.padStart(10)}`)
      continue
    }
    const ratios = [`x${(v / medplum).toFixed(2)} Medplum`, `x${(v / naive).toFixed(2)} naive`]
    if (python) ratios.push(`x${(v / python).toFixed(1)} python-hl7`)
    console.log(`  ${label.padEnd(40)} ${fmt(v)} msg/s   ${ratios.join(', ')}`)
  }
}

runSet('synthetic ADT^A01', syntheticAdt(count))
const corpus = corpusMessages()
if (corpus.length) runSet('shared corpus (../shared/data/hl7v2)', corpus)
else console.log('\nshared corpus: ../shared/data/hl7v2 is absent, skipped')
if (sink < 0) console.log(sink)
