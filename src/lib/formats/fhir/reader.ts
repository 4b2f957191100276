import {createRequire} from 'node:module'
import {createInterface} from 'node:readline'
import {type Readable} from 'node:stream'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {R4_RESOURCE_TYPES} from '../../fhir/resource-types.js'
import {type Source} from '../../io/source.js'
import {type ReadResult, type SourceLocation} from '../../records/types.js'
import {jsonErrorOffset, lineColumn} from './json-error.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Resource = {resourceType: string; id?: string; [k: string]: any}

const require = createRequire(import.meta.url)

/** JSON files up to this size are parsed whole (exact error positions); larger Bundles are streamed entry by entry. */
export const WHOLE_JSON_LIMIT = 64 * 1024 * 1024

export type FhirLayout = 'ndjson' | 'json'

export function detectLayout(src: Source): FhirLayout {
  const lower = (src.path ?? '').toLowerCase()
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson'
  const text = src.head.toString('utf8').replace(/^\uFEFF/, '')
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length >= 2 && lines[0].trim().startsWith('{') && lines[1].trim().startsWith('{')) {
    try {
      JSON.parse(lines[0])
      return 'ndjson'
    } catch {
      /* a pretty-printed document */
    }
  }
  return 'json'
}

/** Where a JSON text that JSON.parse refused goes wrong, as "line L, column C", without echoing any of it. */
export function jsonErrorWhere(text: string): string {
  const at = jsonErrorOffset(text)
  if (at >= text.length) return `end of input (line ${text.split('\n').length}): truncated JSON`
  return lineColumn(text, Math.max(0, at))
}

function classify(value: unknown, loc: SourceLocation, raw?: unknown): ReadResult<Resource> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return {ok: false, loc, code: 'NOT_FHIR', reason: 'not a JSON object, so not a FHIR resource', raw: raw ?? value}
  const rt = (value as any).resourceType
  if (typeof rt !== 'string')
    return {ok: false, loc, code: 'NOT_FHIR', reason: 'not a FHIR resource: it has no resourceType', raw: raw ?? value}
  if (!R4_RESOURCE_TYPES.has(rt))
    return {ok: false, loc, code: 'UNKNOWN_RESOURCE_TYPE', reason: `resourceType "${rt.slice(0, 40)}" is not a FHIR R4 resource`, raw: raw ?? value}
  return {ok: true, value: value as Resource, loc}
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '')
}

async function* readNdjson(src: Source): AsyncGenerator<ReadResult<Resource>> {
  const rl = createInterface({input: src.open(), crlfDelay: Infinity})
  let line = 0
  let record = 0
  for await (let text of rl) {
    line++
    if (line === 1) text = text.replace(/^\uFEFF/, '')
    if (text.trim() === '') continue
    record++
    yield ndjsonRecord(text, {file: src.name, line, record})
  }
}

/** One NDJSON line (not blank, BOM already taken off) as a resource or a reject at `loc`. */
export function ndjsonRecord(text: string, loc: SourceLocation): ReadResult<Resource> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    const where = jsonErrorWhere(text).replace(/^line 1, /, '')
    return {ok: false, loc, code: 'INVALID_JSON', reason: `invalid JSON (${where})`, raw: text}
  }
  return classify(value, loc)
}

function* entriesOf(bundle: Resource, file: string): Generator<ReadResult<Resource>> {
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : []
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as any
    const loc = {file, record: i + 1, field: `entry[${i}]`}
    if (!e || typeof e !== 'object' || e.resource === undefined) {
      yield {ok: false, loc, code: 'BUNDLE_ENTRY_WITHOUT_RESOURCE', reason: 'Bundle entry has no resource', raw: e}
      continue
    }
    yield classify(e.resource, {...loc, field: `entry[${i}].resource`})
  }
}

async function* readJsonDocument(src: Source, wholeLimit: number): AsyncGenerator<ReadResult<Resource>> {
  if (src.size !== undefined && src.size > wholeLimit) {
    yield* streamBundle(src)
    return
  }
  const text = await readAll(src.open())
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new HimError(`${src.name}: invalid JSON at ${jsonErrorWhere(text)}`, {
      code: 'INVALID_JSON',
      exit: ExitCode.DATA,
    })
  }
  const top = classify(value, {file: src.name, record: 1})
  if (!top.ok) {
    throw new HimError(`${src.name}: ${top.reason}`, {
      code: top.code,
      exit: ExitCode.DATA,
      suggestion: Array.isArray(value) ? 'wrap the resources in a Bundle, or write them one per line as NDJSON' : undefined,
    })
  }
  if (top.value.resourceType === 'Bundle') yield* entriesOf(top.value, src.name)
  else yield top
}

/** A Bundle too big to hold as text: its entries are streamed one at a time. */
async function* streamBundle(src: Source): AsyncGenerator<ReadResult<Resource>> {
  const head = src.head.toString('utf8')
  if (!/"resourceType"\s*:\s*"Bundle"/.test(head))
    throw new HimError(`${src.name}: a JSON file this large must be a Bundle or NDJSON`, {code: 'NOT_BUNDLE', exit: ExitCode.DATA})
  const {parser} = require('stream-json')
  const {pick} = require('stream-json/filters/Pick')
  const {streamArray} = require('stream-json/streamers/StreamArray')
  const input = src.open()
  const out = input.pipe(parser()).pipe(pick({filter: 'entry'})).pipe(streamArray())
  input.on('error', (e: Error) => out.destroy(e))
  try {
    for await (const {key, value} of out as AsyncIterable<{key: number; value: any}>) {
      const loc = {file: src.name, record: key + 1, field: `entry[${key}]`}
      if (!value || typeof value !== 'object' || value.resource === undefined)
        yield {ok: false, loc, code: 'BUNDLE_ENTRY_WITHOUT_RESOURCE', reason: 'Bundle entry has no resource', raw: value} as const
      else yield classify(value.resource, {...loc, field: `entry[${key}].resource`})
    }
  } catch {
    throw new HimError(`${src.name}: invalid JSON inside the Bundle`, {code: 'INVALID_JSON', exit: ExitCode.DATA})
  }
}

/** Read FHIR JSON: NDJSON, a Bundle of any type (its entries), or a single resource. */
export function readFhir(src: Source, opts: {wholeJsonLimit?: number} = {}): AsyncGenerator<ReadResult<Resource>> {
  return detectLayout(src) === 'ndjson' ? readNdjson(src) : readJsonDocument(src, opts.wholeJsonLimit ?? WHOLE_JSON_LIMIT)
}
