#!/usr/bin/env node
/**
 * Builds data/fhir-r4/r4-core.min.json: the parts of the FHIR R4 (4.0.1) base StructureDefinitions and required
 * value sets that `him validate` uses (element paths, cardinality, types, required bindings, invariants),
 * extracted from HAPI FHIR's `hapi-fhir-validation-resources-r4` jar on Maven Central, the same definitions the
 * HAPI / HL7 Java validator loads offline.
 *
 *   node scripts/fhir-definitions/build.mjs            # fetch the jar with Maven if needed, then extract
 *   node scripts/fhir-definitions/build.mjs --jar FILE # use a jar you have
 *
 * Needs: Java's Maven (`mvn`) when the jar is not in ~/.m2 yet, and `unzip` (or the JDK's `jar`).
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ARTIFACT = {group: 'ca.uhn.hapi.fhir', artifact: 'hapi-fhir-validation-resources-r4', version: '8.8.0'}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const OUT = join(root, 'data/fhir-r4/r4-core.min.json')

function jarPath() {
  const i = process.argv.indexOf('--jar')
  if (i !== -1) return process.argv[i + 1]
  const {group, artifact, version} = ARTIFACT
  const p = join(homedir(), '.m2/repository', ...group.split('.'), artifact, version, `${artifact}-${version}.jar`)
  if (!existsSync(p)) {
    console.error(`fetching ${group}:${artifact}:${version} with Maven…`)
    execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=${group}:${artifact}:${version}`, '-Dtransitive=false'], {stdio: 'inherit'})
  }
  return p
}

function readEntry(jar, entry) {
  try {
    return execFileSync('unzip', ['-p', jar, entry], {maxBuffer: 256 * 1024 * 1024}).toString('utf8')
  } catch {
    const tmp = join(root, '.fhir-definitions-tmp')
    mkdirSync(tmp, {recursive: true})
    execFileSync('jar', ['xf', jar, entry], {cwd: tmp})
    return execFileSync('cat', [join(tmp, entry)], {maxBuffer: 256 * 1024 * 1024}).toString('utf8')
  }
}

// A small XML reader: elements and attributes only (FHIR XML keeps every value in a `value` attribute).
const ENT = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"}
const decode = (s) => s.replace(/&(lt|gt|amp|quot|apos|#x([0-9a-fA-F]+)|#(\d+));/g, (_, e, hex, dec) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : ENT[e]))
function parseXml(text) {
  text = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '')
  const rootNode = {n: '#root', a: {}, c: []}
  const stack = [rootNode]
  const re = /<(\/)?([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/)?>/g
  let m
  while ((m = re.exec(text))) {
    const [, close, name, attrs, selfClose] = m
    if (close) {
      stack.pop()
      continue
    }
    const a = {}
    for (const am of attrs.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) a[am[1]] = decode(am[2])
    const node = {n: name, a, c: []}
    stack[stack.length - 1].c.push(node)
    if (!selfClose) stack.push(node)
  }
  return rootNode
}
const kids = (node, name) => node.c.filter((c) => c.n === name)
const kid = (node, name) => node.c.find((c) => c.n === name)
const val = (node, name) => kid(node, name)?.a.value
function resources(bundleXml) {
  const doc = parseXml(bundleXml)
  const bundle = kid(doc, 'Bundle')
  return kids(bundle, 'entry').map((e) => kid(e, 'resource')?.c[0]).filter(Boolean)
}

const SYSTEM_TYPES = {'http://hl7.org/fhirpath/System.String': 'string', 'http://hl7.org/fhirpath/System.Boolean': 'boolean', 'http://hl7.org/fhirpath/System.Integer': 'integer', 'http://hl7.org/fhirpath/System.Decimal': 'decimal', 'http://hl7.org/fhirpath/System.Date': 'date', 'http://hl7.org/fhirpath/System.DateTime': 'dateTime', 'http://hl7.org/fhirpath/System.Time': 'time'}
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type'

function typeCode(t) {
  const code = kid(t, 'code')
  if (!code) return undefined
  const ext = kids(code, 'extension').find((e) => e.a.url === FHIR_TYPE_EXT)
  const fromExt = ext && (val(ext, 'valueUrl') ?? val(ext, 'valueUri'))
  return fromExt ?? SYSTEM_TYPES[code.a.value] ?? code.a.value
}

const requiredValueSets = new Set()

function element(el, sdType) {
  const out = {}
  const min = Number(val(el, 'min') ?? 0)
  const max = val(el, 'max') ?? '*'
  if (min) out.n = min
  if (max !== '*') out.x = max
  const types = kids(el, 'type').map((t) => {
    const code = typeCode(t)
    const targets = kids(t, 'targetProfile').map((p) => p.a.value.replace('http://hl7.org/fhir/StructureDefinition/', ''))
    return targets.length ? {code, to: targets} : {code}
  })
  if (types.length) out.t = types.map((t) => (t.to ? [t.code, t.to] : t.code))
  const cref = val(el, 'contentReference')
  if (cref) out.r = cref.replace(/^.*#/, '')
  const binding = kid(el, 'binding')
  if (binding && val(binding, 'strength') === 'required' && val(binding, 'valueSet')) {
    out.b = val(binding, 'valueSet').replace(/\|.*$/, '')
    requiredValueSets.add(out.b)
  }
  const maxVs = binding && kids(binding, 'extension').find((e) => e.a.url === 'http://hl7.org/fhir/StructureDefinition/elementdefinition-maxValueSet')
  if (maxVs) out.m = (val(maxVs, 'valueCanonical') ?? val(maxVs, 'valueUri') ?? '').replace(/\|.*$/, '')
  const path = val(el, 'path')
  const cs = kids(el, 'constraint')
    .map((c) => ({k: val(c, 'key'), s: val(c, 'severity'), h: val(c, 'human'), e: val(c, 'expression'), src: val(c, 'source')}))
    // ele-1 is checked natively on every element; a datatype's invariants are kept on its own definition.
    .filter((c) => c.e && c.k !== 'ele-1' && !(c.src && !c.src.endsWith(`/${sdType}`) && c.k.startsWith('ext-') && path !== 'Extension'))
    .map(({k, s, h, e}) => [k, s, h, e])
  if (cs.length) out.c = cs
  return [path, out]
}

function main() {
  const jar = jarPath()
  const base = 'org/hl7/fhir/r4/model'
  const types = {}
  for (const file of ['profile/profiles-types.xml', 'profile/profiles-resources.xml']) {
    for (const sd of resources(readEntry(jar, `${base}/${file}`))) {
      if (sd.n !== 'StructureDefinition' || val(sd, 'derivation') === 'constraint') continue
      const type = val(sd, 'type')
      const kind = val(sd, 'kind')
      if (kind === 'logical') continue
      const snap = kid(sd, 'snapshot')
      const elements = {}
      for (const el of kids(snap, 'element')) {
        const [path, def] = element(el, type)
        elements[path] = def
      }
      types[type] = {k: kind, ...(val(sd, 'abstract') === 'true' ? {a: 1} : {}), base: (val(sd, 'baseDefinition') ?? '').replace('http://hl7.org/fhir/StructureDefinition/', ''), e: elements}
    }
  }

  // Code systems and value sets, to expand the value sets of required bindings.
  const codeSystems = new Map()
  const valueSets = new Map()
  /** Code systems with every code listed: a code outside them is an error whatever the binding (as in HAPI). */
  const completeSystems = new Map()
  for (const file of ['valueset/valuesets.xml', 'valueset/v3-codesystems.xml', 'valueset/v2-tables.xml']) {
    for (const r of resources(readEntry(jar, `${base}/${file}`))) {
      const url = val(r, 'url')
      if (r.n === 'CodeSystem') {
        const codes = []
        const walk = (n) => kids(n, 'concept').forEach((c) => (codes.push(val(c, 'code')), walk(c)))
        walk(r)
        if (val(r, 'content') === 'complete' || codes.length) codeSystems.set(url, codes)
        if (val(r, 'content') === 'complete' && codes.length) completeSystems.set(url, {codes, caseSensitive: val(r, 'caseSensitive') !== 'false'})
      } else if (r.n === 'ValueSet') valueSets.set(url, r)
    }
  }
  function expand(url, seen = new Set()) {
    if (seen.has(url)) return undefined
    seen.add(url)
    const vs = valueSets.get(url)
    const compose = vs && kid(vs, 'compose')
    if (!compose) return undefined
    const out = []
    for (const inc of kids(compose, 'include')) {
      if (kids(inc, 'filter').length) return undefined
      for (const imp of kids(inc, 'valueSet')) {
        const sub = expand(imp.a.value.replace(/\|.*$/, ''), seen)
        if (!sub) return undefined
        out.push(...sub)
      }
      const system = val(inc, 'system')
      if (!system) continue
      const listed = kids(inc, 'concept').map((c) => val(c, 'code'))
      if (listed.length) out.push(...listed.map((c) => `${system}|${c}`))
      else {
        const all = codeSystems.get(system)
        if (!all || all.length === 0) return undefined
        out.push(...all.map((c) => `${system}|${c}`))
      }
    }
    const excluded = new Set(kids(compose, 'exclude').flatMap((ex) => kids(ex, 'concept').map((c) => `${val(ex, 'system')}|${val(c, 'code')}`)))
    return [...new Set(out.filter((c) => !excluded.has(c)))]
  }
  // Value sets over code systems too large or open to list; him checks their codes by rule
  // (src/lib/validate/fhir/common-code-systems.ts), as HAPI's CommonCodeSystemsTerminologyService does.
  const CHECKED_BY_RULE = new Set(['http://hl7.org/fhir/ValueSet/mimetypes', 'http://hl7.org/fhir/ValueSet/ucum-units', 'http://hl7.org/fhir/ValueSet/currencies'])
  const vsOut = {}
  const unexpandable = []
  const checkedByRule = []
  for (const url of [...requiredValueSets].sort()) {
    const codes = CHECKED_BY_RULE.has(url) ? undefined : expand(url)
    if (codes) vsOut[url] = codes
    else if (CHECKED_BY_RULE.has(url)) checkedByRule.push(url)
    // e.g. http://loinc.org/vs/LL379-9: a LOINC answer list that is not in the R4 definitions at all.
    else unexpandable.push(url)
  }

  const out = {
    fhirVersion: '4.0.1',
    source: `${ARTIFACT.group}:${ARTIFACT.artifact}:${ARTIFACT.version}`,
    note: 'Generated by scripts/fhir-definitions/build.mjs; do not edit. t: types, n: min, x: max, b: required value set, m: max value set, c: [key, severity, human, FHIRPath], r: contentReference; codeSystems: complete code systems.',
    types,
    valueSets: vsOut,
    codeSystems: Object.fromEntries([...completeSystems].sort((a, b) => a[0].localeCompare(b[0])).map(([url, cs]) => [url, cs.caseSensitive ? cs.codes : {caseInsensitive: true, codes: cs.codes}])),
    checkedByRuleValueSets: checkedByRule,
    unexpandableValueSets: unexpandable,
  }
  mkdirSync(dirname(OUT), {recursive: true})
  const json = JSON.stringify(out)
  writeFileSync(OUT, json)
  console.error(`${OUT}: ${Object.keys(types).length} types, ${Object.keys(vsOut).length} required value sets expanded (${checkedByRule.length} checked by rule, ${unexpandable.length} not checkable offline: ${unexpandable.join(' ')}), ${completeSystems.size} complete code systems, ${(json.length / 1e6).toFixed(2)} MB`)
}

main()
