/**
 * HL7 v2 conformance of him validate against the reference (HAPI v2 2.6.0, v2.5.1 model, default validation
 * rules, see Hl7v2Validate.java). Run by hand, never by the test suite:
 *
 *   node scripts/hl7v2-conformance/run.mjs [--dev] [extra .hl7 files]
 *
 * Needs Java 17 and Maven (the first run fetches HAPI v2 from Maven Central into ~/.m2; the build goes to
 * scripts/hl7v2-conformance/.cache/, gitignored). Runs the BUILT CLI (bin/run.js, i.e. dist/; `npm run build`
 * first) or, with --dev, bin/dev.js on the sources. Corpus: the synthetic messages of corpus.mjs, the HL7 fixtures
 * (fixtures/hl7v2, fixtures/validate/hl7v2) and the shared corpus (../shared/data/hl7v2, skipped when absent).
 * Prints, per message, whether both find errors, and whether each reference error has an error of ours at the same
 * segment and field; then every difference.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {corpus} from './corpus.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')
const args = process.argv.slice(2)
const dev = args.includes('--dev')
const extra = args.filter((a) => a !== '--dev')
const tmp = mkdtempSync(join(tmpdir(), 'him-hl7v2-conformance-'))

// 1. The corpus. The synthetic messages go one per message into a file, so message N is corpus item N.
const items = corpus()
const corpusFile = join(tmp, 'synthetic.hl7')
writeFileSync(corpusFile, items.map((x) => x.text).join('\r\n') + '\r\n')
const hl7In = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.hl7')).sort().map((f) => join(dir, f)) : [])
const shared = join(root, '../shared/data/hl7v2')
if (!existsSync(shared)) console.log(`(skipped: ${shared} not present)`)
const files = [corpusFile, ...hl7In(join(root, 'fixtures/hl7v2')), ...hl7In(join(root, 'fixtures/validate/hl7v2')), ...hl7In(shared), ...extra]

// 2. The reference: compile the Java main (Maven), then run it on every file.
const cp = join(here, '.cache/classpath.txt')
const mvn = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', join(here, 'pom.xml'), 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${cp}`], {encoding: 'utf8'})
if (mvn.status !== 0) throw new Error(`mvn: exit ${mvn.status}: ${(mvn.stdout + mvn.stderr).slice(-2000)}`)
const javaOut = execFileSync('java', ['-cp', `${join(here, '.cache/target/classes')}:${readFileSync(cp, 'utf8').trim()}`, 'org.himkit.conformance.Hl7v2Validate', ...files], {maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore']}).toString('utf8')
const ref = new Map(javaOut.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [`${r.file}#${r.message}`, r]))

// 3. Ours: him validate --json on the same files, one run.
const bin = join(root, dev ? 'bin/dev.js' : 'bin/run.js')
const r = spawnSync(process.execPath, [bin, 'validate', ...files, '--from', 'hl7', '--json', '--fail-on', 'never'], {cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
if (r.status !== 0) throw new Error(`him validate: exit ${r.status}: ${r.stderr.slice(-500)}`)
const report = JSON.parse(r.stdout)
if (report.findingsOmitted) throw new Error(`him validate omitted ${report.findingsOmitted} findings; run on fewer files`)
const ours = new Map()
for (const f of report.findings) {
  const key = `${f.location.file}#${f.location.record}`
  if (!ours.has(key)) ours.set(key, [])
  ours.get(key).push(f)
}

// 4. Compare. Locations are reduced to segment, occurrence (1 = first of that name) and field.
const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+))?/
function where(f) {
  const m = PATH.exec(f.location.path ?? '')
  return m ? {segment: m[1], occurrence: Number(m[2] ?? 1), field: Number(m[3] ?? 0)} : {segment: '', occurrence: 0, field: 0}
}
const sameSpot = (h, o) => {
  const w = where(o)
  if (!h.segment) return true // a reference error without a location (e.g. HAPI cannot parse at all): any error of ours
  return w.segment === h.segment && w.field === h.field && (!h.occurrence || !w.field || w.occurrence === h.occurrence)
}
const hapiPath = (h) => (h.segment ? `${h.segment}${h.occurrence > 1 ? `[${h.occurrence}]` : ''}${h.field ? `-${h.field}${h.component}` : ''}` : '(no location)')
const label = (file, n) => (file === corpusFile ? items[n - 1].label : `${relative(root, file)} message ${n}`)

let total = 0
let same = 0
let refErrors = 0
let matched = 0
let refWarnings = 0
let warnMatched = 0
const adtOru = {total: 0, same: 0}
// v2.5.x messages (and those without a version) against the others: the reference reads every message with the
// v2.5.1 definitions, where later versions changed some data types (e.g. XON.3 withdrawn, OBR-32..35 XCN in v2.7+).
const byVersion = {v25: {total: 0, same: 0, refErrors: 0, matched: 0}, other: {total: 0, same: 0, refErrors: 0, matched: 0}}
const differences = []
for (const [key, rec] of ref) {
  const mine = ours.get(key) ?? []
  const hErr = rec.issues.filter((i) => i.severity === 'error')
  const oErr = mine.filter((f) => f.severity === 'error')
  total++
  const agrees = hErr.length > 0 === oErr.length > 0
  if (agrees) same++
  const group = ['', '2.5', '2.5.1'].includes(rec.version) ? byVersion.v25 : byVersion.other
  group.total++
  if (agrees) group.same++
  if (/^(ADT|ORU)\^/.test(rec.type)) {
    adtOru.total++
    if (agrees) adtOru.same++
  }
  const missed = []
  for (const h of hErr) {
    refErrors++
    group.refErrors++
    if (oErr.some((o) => sameSpot(h, o))) {
      matched++
      group.matched++
    } else missed.push(h)
  }
  for (const h of rec.issues.filter((i) => i.severity === 'warning')) {
    refWarnings++
    if (mine.some((o) => o.severity !== 'info' && sameSpot(h, o))) warnMatched++
  }
  const extraOurs = oErr.filter((o) => !hErr.some((h) => sameSpot(h, o)))
  if (!agrees || missed.length || extraOurs.length)
    differences.push({
      label: `${label(rec.file, rec.message)} (v${rec.version || '?'})`,
      verdict: agrees ? 'same verdict' : `verdict differs (reference ${hErr.length ? 'errors' : 'no errors'}, him ${oErr.length ? 'errors' : 'no errors'})`,
      reference: missed.map((h) => `${hapiPath(h)}: ${h.rule} ${h.text}`),
      him: extraOurs.map((o) => `${o.location.path ?? ''}: ${o.rule} ${o.message}`),
    })
}
console.log(`HL7 v2 conformance: ${files.length} files, ${total} messages; reference HAPI v2 2.6.0 (v2.5.1 model, default validation)${dev ? '; him from sources (--dev)' : ''}`)
console.log(`  same verdict (errors / no errors): ${same} of ${total} (${((same / total) * 100).toFixed(1)}%); ADT and ORU messages: ${adtOru.same} of ${adtOru.total}`)
console.log(`  reference errors with an error of ours at the same segment and field: ${matched} of ${refErrors}`)
for (const [name, g] of [['v2.5/v2.5.1 messages', byVersion.v25], ['other versions (read as v2.5.1 by the reference)', byVersion.other]])
  console.log(`  ${name}: same verdict ${g.same} of ${g.total}; reference errors matched ${g.matched} of ${g.refErrors}`)
console.log(`  reference warnings (over-length) with a finding of ours at the same segment and field: ${warnMatched} of ${refWarnings}`)
if (differences.length) {
  console.log('\nDifferences (reference errors we miss, errors of ours the reference does not give):')
  for (const d of differences) {
    console.log(`- ${d.label}: ${d.verdict}`)
    if (d.reference.length) console.log(`    reference only: ${d.reference.join(' | ')}`)
    if (d.him.length) console.log(`    him only:       ${d.him.join(' | ')}`)
  }
}
rmSync(tmp, {recursive: true, force: true})
