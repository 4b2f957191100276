/* eslint-disable @typescript-eslint/no-explicit-any */
import {readFile} from 'node:fs/promises'

import {detectLayout, jsonErrorWhere, readFhir, WHOLE_JSON_LIMIT} from '../../formats/fhir/reader.js'
import {type Source} from '../../io/source.js'
import {type FormatValidatorContext} from '../validate.js'
import {CompletenessCounter} from '../completeness.js'
import {loadR4Definitions, type R4Definitions, typeCodeOf} from './definitions.js'
import {createFhirValidator} from './validate-resource.js'

/** Is a top-level element (`Observation.valueQuantity` counts as `Observation.value[x]`) required (min 1)? */
function isRequiredElement(defs: R4Definitions, rt: string, field: string): boolean {
  const e = defs.types[rt]?.e
  if (!e) return false
  if (e[field]) return Boolean(e[field].n)
  const choice = Object.keys(e).find((p) => p.endsWith('[x]') && field.startsWith(p.slice(0, -3)))
  return Boolean(choice && e[choice].n)
}

/** Patient elements a record manager expects to see in the completeness chart, even when no record has them. */
const ALWAYS = {Patient: ['Patient.identifier', 'Patient.name', 'Patient.gender', 'Patient.birthDate', 'Patient.address', 'Patient.telecom']}

const REJECT_RULE: Record<string, string> = {UNKNOWN_RESOURCE_TYPE: 'fhir.resource.unknown-type'}

/**
 * The streaming adapter for FHIR input: NDJSON line by line; a JSON document (a resource or a Bundle) whole,
 * so Bundle rules see every entry; a Bundle too large to hold is streamed entry by entry (without Bundle rules).
 */
export async function validateFhirSource(src: Source, ctx: FormatValidatorContext): Promise<void> {
  const {input, emit} = ctx
  const defs = loadR4Definitions()
  const check = createFhirValidator(defs, emit, ctx.opts.profile)
  const completeness = new CompletenessCounter((rt, field) => isRequiredElement(defs, rt, field))
  // The JSON names of each resource type's top-level elements (value[x] as valueQuantity, valueString, ...).
  const names = new Map<string, Set<string>>()
  const elementNames = (rt: string) => {
    let set = names.get(rt)
    if (set) return set
    set = new Set()
    for (const [path, def] of Object.entries(defs.types[rt].e)) {
      const m = /^[A-Za-z]+\.([A-Za-z]+)(\[x\])?$/.exec(path)
      if (!m) continue
      if (!m[2]) set.add(m[1])
      else for (const t of def.t ?? []) set.add(m[1] + typeCodeOf(t)[0].toUpperCase() + typeCodeOf(t).slice(1))
    }
    names.set(rt, set)
    return set
  }
  const count = (res: any) => {
    if (!res || typeof res !== 'object' || typeof res.resourceType !== 'string' || !defs.types[res.resourceType]) return
    const rt = res.resourceType
    const fields: string[] = []
    const known = elementNames(rt)
    for (const k of Object.keys(res)) if (known.has(k) && res[k] !== null && res[k] !== '' && !(Array.isArray(res[k]) && res[k].length === 0)) fields.push(`${rt}.${k}`)
    completeness.record(rt, fields)
  }
  const validateResource = (res: any, site: Parameters<typeof check>[1]) => {
    check(res, site)
    if (res?.resourceType === 'Bundle' && Array.isArray(res.entry)) for (const e of res.entry) count(e?.resource)
    else count(res)
  }
  const whole = detectLayout(src) === 'json' && (src.size === undefined || src.size <= WHOLE_JSON_LIMIT)
  if (whole) {
    const text = src.path ? await readFile(src.path, 'utf8') : await readStream(src)
    let value: any
    try {
      value = JSON.parse(text.replace(/^\uFEFF/, ''))
    } catch {
      input.records = 1
      emit('fhir.json.invalid', `invalid JSON (${jsonErrorWhere(text)})`, {file: src.name, record: 1})
      return
    }
    const rt = value?.resourceType
    validateResource(value, {loc: {file: src.name, ...(rt === 'Bundle' ? {} : {record: 1})}, expression: typeof rt === 'string' ? rt : '$this'})
    input.records = rt === 'Bundle' && Array.isArray(value.entry) ? value.entry.length : 1
    ctx.progress(input.records)
    ctx.completeness.push(...completeness.result(src.name, ALWAYS))
    return
  }
  if (detectLayout(src) === 'json') ctx.opts.warn?.(`${src.name}: larger than ${WHOLE_JSON_LIMIT / 1024 / 1024} MB, so its entries are checked one by one without the Bundle rules`)
  for await (const r of readFhir(src)) {
    input.records++
    if (r.ok) {
      const field = r.loc.field
      validateResource(r.value, {loc: {file: r.loc.file, line: r.loc.line, record: r.loc.record}, expression: field ? `Bundle.${field}` : r.value.resourceType})
    } else emit(REJECT_RULE[r.code] ?? 'fhir.json.invalid', r.reason, {file: r.loc.file, line: r.loc.line, record: r.loc.record})
    if (input.records % 1000 === 0) ctx.progress(input.records)
  }
  ctx.completeness.push(...completeness.result(src.name, ALWAYS))
}

async function readStream(src: Source): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of src.open()) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
