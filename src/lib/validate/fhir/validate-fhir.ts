/* eslint-disable @typescript-eslint/no-explicit-any */
import {readFile} from 'node:fs/promises'

import {detectLayout, jsonErrorWhere, readFhir, WHOLE_JSON_LIMIT} from '../../formats/fhir/reader.js'
import {type Source} from '../../io/source.js'
import {type FormatValidatorContext} from '../validate.js'
import {loadR4Definitions} from './definitions.js'
import {createFhirValidator} from './validate-resource.js'

const REJECT_RULE: Record<string, string> = {UNKNOWN_RESOURCE_TYPE: 'fhir.resource.unknown-type'}

/**
 * The streaming adapter for FHIR input: NDJSON line by line; a JSON document (a resource or a Bundle) whole,
 * so Bundle rules see every entry; a Bundle too large to hold is streamed entry by entry (without Bundle rules).
 */
export async function validateFhirSource(src: Source, ctx: FormatValidatorContext): Promise<void> {
  const {input, emit} = ctx
  const validateResource = createFhirValidator(loadR4Definitions(), emit, ctx.opts.profile)
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
}

async function readStream(src: Source): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of src.open()) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
