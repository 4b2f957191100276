import {hash} from 'node:crypto'

import {summarizeOutcome} from '../endpoint/operation-outcome.js'
import {idFromIdentifier} from '../fhir/ids.js'
import {type Resource} from '../formats/fhir/reader.js'
import {type SourceLocation} from '../records/types.js'
import {type StrategyKind} from './strategy.js'

/** One resource to write, where it came from, and which input record (unit) it belongs to. */
export interface PlannedEntry {
  /** "Type/id" */
  key: string
  resource: Resource
  loc: SourceLocation
  /** The first identifier as system|value, else RESOURCE_ID_SYSTEM|id (conditional strategy and references). */
  identifier: string
  /** Hash of the content, to tell an identical duplicate from a later version. */
  digest: string
  /** The input record it came from, as the journal names it ("<input index>:<record number>"). */
  record?: string
}

/** The resources of one input record: they travel in the same transaction (a patient and what references it). */
export type Unit = PlannedEntry[]

/**
 * Under the conditional strategy a resource is found again by its identifier; one that has none (an Observation
 * made from an HL7 OBX) is matched on its planned id, written as an identifier in this system.
 */
export const RESOURCE_ID_SYSTEM = 'urn:himkit:resource-id'

export type EntryOutcome = 'created' | 'updated' | 'unchanged'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function firstIdentifier(r: Resource): {system?: string; value: string} | undefined {
  const ids = Array.isArray(r.identifier) ? r.identifier : r.identifier ? [r.identifier] : []
  return ids.find((i: {value?: unknown}) => typeof i?.value === 'string' && i.value !== '')
}

/**
 * A resource as an entry to plan, or why it cannot be imported idempotently. A resource without an id gets the
 * deterministic id of its identifier (the same one convert gives).
 */
export function planEntry(resource: Resource, loc: SourceLocation): PlannedEntry | {code: string; reason: string} {
  const type = resource.resourceType
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(type)) return {code: 'NOT_A_RESOURCE', reason: 'the record has no FHIR resourceType'}
  const ident = firstIdentifier(resource)
  let id = resource.id
  if (typeof id !== 'string' || id === '') {
    if (!ident) return {code: 'NO_ID', reason: `${type} has neither an id nor an identifier: it could not be written idempotently`}
    id = idFromIdentifier(type, ident.system, ident.value)
    resource = {...resource, id}
  }
  const identifier = ident ? `${ident.system ?? ''}|${ident.value}` : `${RESOURCE_ID_SYSTEM}|${id}`
  const digest = hash('sha1', JSON.stringify(resource), 'base64')
  return {key: `${type}/${id}`, resource, loc, identifier, digest}
}

/** "Patient/abc" references inside a resource (any depth). */
export function referencesOf(resource: Resource): string[] {
  const out: string[] = []
  const walk = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) walk(x)
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') out.push(x)
        else walk(x)
      }
  }
  walk(resource)
  return out
}

function rewriteReferences(resource: Resource, map: (ref: string) => string | undefined): Resource {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) o[k] = k === 'reference' && typeof x === 'string' ? (map(x) ?? x) : walk(x)
      return o
    }
    return v
  }
  return walk(resource) as Resource
}

/**
 * The transaction Bundle for some entries (each Type/id at most once: the planner merged duplicates before).
 * `put`: PUT Type/id, references unchanged (the ids are the server's ids). `conditional`: PUT Type?identifier=...,
 * no id in the body, fullUrl urn:uuid:<planned id> and references to entries of the same transaction by urn:uuid,
 * references to other resources by conditional reference on their identifier when known. `create-only`: the
 * same, as POST Type with ifNoneExist on the identifier.
 */
export function buildTransaction(entries: PlannedEntry[], strategy: StrategyKind, identifierOf: (key: string) => string | undefined = () => undefined) {
  if (strategy === 'put')
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: entries.map((e) => {
        const id = e.key.slice(e.key.indexOf('/') + 1)
        return {...(UUID.test(id) ? {fullUrl: `urn:uuid:${id}`} : {}), resource: e.resource, request: {method: 'PUT', url: e.key}}
      }),
    }
  const here = new Set(entries.map((e) => e.key))
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((e) => {
      const slash = e.key.indexOf('/')
      const type = e.key.slice(0, slash)
      const {id: _id, ...body} = rewriteReferences(e.resource, (ref) => {
        if (here.has(ref)) return `urn:uuid:${ref.slice(ref.indexOf('/') + 1)}`
        const ident = identifierOf(ref)
        return ident ? `${ref.slice(0, ref.indexOf('/'))}?identifier=${encodeURIComponent(ident)}` : undefined
      })
      if (e.identifier?.startsWith(`${RESOURCE_ID_SYSTEM}|`))
        body.identifier = [...(Array.isArray(body.identifier) ? body.identifier : []), {system: RESOURCE_ID_SYSTEM, value: e.key.slice(slash + 1)}]
      const match = `identifier=${encodeURIComponent(e.identifier)}`
      return {
        fullUrl: `urn:uuid:${e.key.slice(slash + 1)}`,
        resource: body,
        request: strategy === 'create-only' ? {method: 'POST', url: type, ifNoneExist: match} : {method: 'PUT', url: `${type}?${match}`},
      }
    }),
  }
}

/** created / updated / unchanged for each entry of a transaction-response, in order (create-only: 200 = left as it was). */
export function readTransactionResponse(body: unknown, count: number, createOnly = false): EntryOutcome[] {
  const entries = (body as {entry?: Array<{response?: {status?: string; outcome?: unknown}}>})?.entry ?? []
  const out: EntryOutcome[] = []
  for (let i = 0; i < count; i++) {
    const res = entries[i]?.response
    const status = Number.parseInt(res?.status ?? '', 10)
    if (status === 201) out.push('created')
    else if (createOnly && status === 200) out.push('unchanged')
    else {
      const oo = res?.outcome as {issue?: Array<{details?: {coding?: Array<{code?: string}>}; diagnostics?: string}>} | undefined
      const noChange = (oo?.issue ?? []).some(
        (i) => (i.details?.coding ?? []).some((c) => c.code === 'SUCCESSFUL_UPDATE_NO_CHANGE') || /no changes? (were |was )?detected/i.test(i.diagnostics ?? ''),
      )
      out.push(noChange ? 'unchanged' : 'updated')
    }
  }
  return out
}

/** The server's reason for a rejected transaction, one line (OperationOutcome summarized). */
export function rejectionReason(status: number | undefined, body: unknown): string {
  const oo = summarizeOutcome(body)
  return `the server refused it (HTTP ${status ?? '?'})${oo ? `: ${oo.text}` : ''}`
}
