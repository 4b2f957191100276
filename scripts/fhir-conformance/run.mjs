/**
 * FHIR conformance of him validate against the reference (HAPI FHIR's validator, org.hl7.fhir.validation inside,
 * R4 definitions from hapi-fhir-validation-resources-r4, offline). Run by hand, never by the test suite:
 *
 *   node --import tsx scripts/fhir-conformance/run.mjs [extra .json/.ndjson files]
 *
 * Needs Java 17 and Maven (the first run fetches HAPI from Maven Central into ~/.m2). Validates the synthetic
 * corpus (corpus.mjs), the FHIR fixtures, and what him convert writes from the sample CSV and the shared HL7 v2
 * corpus (../shared/data/hl7v2, when present) with both, then prints: per resource, do both find errors or not;
 * and for resources both flag, do the error locations agree.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {corpus} from './corpus.mjs'
import {loadR4Definitions} from '../../src/lib/validate/fhir/definitions.ts'
import {createFhirValidator} from '../../src/lib/validate/fhir/validate-resource.ts'
import {makeEmit, RuleSet} from '../../src/lib/validate/rules.ts'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '../..')
const tmp = mkdtempSync(join(tmpdir(), 'him-fhir-conformance-'))

// 1. The corpus: generated resources (one per line, labelled) and the FHIR fixtures.
const items = corpus()
const corpusFile = join(tmp, 'corpus.ndjson')
writeFileSync(corpusFile, items.map((x) => JSON.stringify(x.resource)).join('\n') + '\n')
const fixtureDir = join(root, 'fixtures/validate/fhir')
const files = [corpusFile, ...readdirSync(fixtureDir).filter((f) => /\.(json|ndjson)$/.test(f) && !f.endsWith('.expected.json')).map((f) => join(fixtureDir, f)), ...process.argv.slice(2)]

// What him's own converters write: the sample CSV, and the shared HL7 v2 corpus when present.
function converted(name, inputs) {
  const out = join(tmp, `${name}.ndjson`)
  const r = spawnSync(process.execPath, [join(root, 'bin/dev.js'), 'convert', ...inputs, '--to', 'ndjson', '-o', out, '--rejects', join(tmp, `${name}.rejects.ndjson`)], {cwd: root, encoding: 'utf8'})
  if (r.status !== 0 && r.status !== 1) throw new Error(`him convert ${name}: exit ${r.status}: ${r.stderr.slice(-300)}`)
  files.push(out)
}
converted('converted-sample-csv', [join(root, 'fixtures/sample/patients.csv')])
const hl7Corpus = join(root, '../shared/data/hl7v2')
if (existsSync(hl7Corpus)) converted('converted-hl7v2-corpus', readdirSync(hl7Corpus).filter((f) => f.endsWith('.hl7')).map((f) => join(hl7Corpus, f)))
else console.log(`(skipped: ${hl7Corpus} not present, so no HL7 -> FHIR conversions are compared)`)

// 2. The reference.
const cp = join(tmp, 'cp.txt')
execFileSync('mvn', ['-q', '-B', '-f', join(here, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${cp}`], {stdio: ['ignore', 'ignore', 'inherit']})
const started = Date.now()
const javaOut = execFileSync('java', ['-cp', readFileSync(cp, 'utf8').trim(), join(here, 'HapiValidate.java'), ...files], {maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore']}).toString('utf8')
const hapiSeconds = (Date.now() - started) / 1000
const hapi = new Map(javaOut.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [`${r.file}#${r.record}`, r.issues]))

// 3. Ours, on the same records.
const ours = new Map()
const defs = loadR4Definitions()
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const docs = file.endsWith('.ndjson') ? text.split(/\r?\n/).filter((l) => l.trim()) : [text]
  docs.forEach((doc, i) => {
    const findings = []
    const validate = createFhirValidator(defs, makeEmit({rules: new RuleSet(), showValues: false}, (f) => findings.push(f)))
    let res
    try {
      res = JSON.parse(doc)
    } catch {
      findings.push({severity: 'error', rule: 'fhir.json.invalid', message: 'invalid JSON', location: {expression: ''}})
    }
    if (res) validate(res, {loc: {file, record: i + 1}, expression: typeof res.resourceType === 'string' ? res.resourceType : '$this'})
    ours.set(`${file}#${i + 1}`, findings)
  })
}

// 4. Compare.
const MARKER = new RegExp('/\\*[^*]*\\*/', 'g')
const norm = (loc) => (loc ?? '').replace(MARKER, '').replace(/\.ofType\([^)]*\)/g, '').replace(/\[x\]/g, '')
const related = (a, b) => a === b || a.startsWith(b + '.') || a.startsWith(b + '[') || b.startsWith(a + '.') || b.startsWith(a + '[')
const isErr = (s) => s === 'error' || s === 'fatal'
let agree = 0
let total = 0
let locBoth = 0
let locMatched = 0
const disagreements = []
for (const [key, issues] of hapi) {
  const mine = ours.get(key) ?? []
  const hErr = issues.filter((i) => isErr(i.severity))
  const oErr = mine.filter((f) => f.severity === 'error')
  total++
  const [file, rec] = key.split('#')
  const label = file === corpusFile ? items[Number(rec) - 1].label : `${file.replace(root + '/', '')} record ${rec}`
  if (hErr.length > 0 === oErr.length > 0) agree++
  else disagreements.push({label, hapi: hErr.map((i) => `${norm(i.location)}: ${i.message.slice(0, 120)}`), ours: oErr.map((f) => `${f.location.expression}: ${f.rule} ${f.message.slice(0, 100)}`)})
  if (hErr.length && oErr.length) {
    for (const h of hErr) {
      locBoth++
      if (oErr.some((o) => related(norm(h.location), o.location.expression ?? ''))) locMatched++
      else disagreements.push({label: `${label} (location)`, hapi: [`${norm(h.location)}: ${h.message.slice(0, 120)}`], ours: oErr.map((f) => `${f.location.expression}: ${f.rule}`)})
    }
  }
}
console.log(`FHIR conformance: ${files.length} files, ${total} resources; reference HAPI FHIR validator 8.8.0 (${hapiSeconds.toFixed(1)}s)`)
console.log(`  same verdict (errors / no errors): ${agree} of ${total} (${((agree / total) * 100).toFixed(1)}%)`)
console.log(`  reference errors with an error of ours at the same element: ${locMatched} of ${locBoth}`)
if (disagreements.length) {
  console.log('\nDifferences:')
  for (const d of disagreements) {
    console.log(`- ${d.label}`)
    console.log(`    reference: ${d.hapi.join(' | ') || 'no errors'}`)
    console.log(`    him:       ${d.ours.join(' | ') || 'no errors'}`)
  }
}
rmSync(tmp, {recursive: true, force: true})
