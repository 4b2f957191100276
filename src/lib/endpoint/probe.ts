import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import type {FhirEndpointConfig} from '../config/schema.js'
import {EndpointClient, type EndpointClientOptions} from './client.js'

/** What import and export need from a FHIR server, as its CapabilityStatement advertises it. */
export interface ServerCapabilities {
  transaction: boolean
  batch: boolean
  /** On Patient (or, without a Patient entry, on any resource). */
  conditionalCreate: boolean
  conditionalUpdate: boolean
  updateCreate: boolean
  /** System, Patient or Group level $export. */
  bulkExport: boolean
  /** The resource types the server lists. */
  resourceTypes: number
}

export interface EndpointReport {
  name: string
  url: string
  auth: FhirEndpointConfig['auth']['kind']
  fhirVersion?: string
  software?: {name?: string; version?: string}
  capabilities: ServerCapabilities
  /** Milliseconds to get a token (0 without OAuth). */
  authMs: number
  /** Round trip of GET metadata, in milliseconds. */
  latencyMs: number
  /** An authenticated request (a count-only Patient search, no records) was accepted. */
  authorized: boolean
}

interface CapabilityStatement {
  resourceType?: string
  fhirVersion?: string
  software?: {name?: string; version?: string}
  rest?: Array<{
    mode?: string
    interaction?: Array<{code?: string}>
    operation?: Array<{name?: string; definition?: string}>
    resource?: Array<{
      type?: string
      conditionalCreate?: boolean
      conditionalUpdate?: boolean
      updateCreate?: boolean
      operation?: Array<{name?: string; definition?: string}>
    }>
  }>
}

const isExport = (o: {name?: string; definition?: string}) =>
  /^\$?export$/.test(o.name ?? '') || /OperationDefinition\/(\w+-)?export$/.test(o.definition ?? '')

/** Read the features import and export rely on out of a CapabilityStatement. Pure. */
export function analyzeCapabilities(cs: CapabilityStatement): ServerCapabilities {
  const rest = cs.rest?.find((r) => r.mode === 'server') ?? cs.rest?.[0] ?? {}
  const codes = new Set((rest.interaction ?? []).map((i) => i.code))
  const resources = rest.resource ?? []
  const patient = resources.find((r) => r.type === 'Patient')
  const pick = (k: 'conditionalCreate' | 'conditionalUpdate' | 'updateCreate') => (patient ? patient[k] === true : resources.some((r) => r[k] === true))
  const exportOp =
    (rest.operation ?? []).some(isExport) ||
    resources.filter((r) => r.type === 'Patient' || r.type === 'Group').some((r) => (r.operation ?? []).some(isExport))
  return {
    transaction: codes.has('transaction'),
    batch: codes.has('batch'),
    conditionalCreate: pick('conditionalCreate'),
    conditionalUpdate: pick('conditionalUpdate'),
    updateCreate: pick('updateCreate'),
    bulkExport: exportOp,
    resourceTypes: resources.length,
  }
}

/**
 * `him endpoint test`: authenticate, read the CapabilityStatement, make one authenticated request that returns no
 * records (a count-only Patient search), and report what the server is and what it offers.
 * Throws HimError: 69 unreachable or not FHIR, 77 authentication refused, 78 bad configuration.
 */
export async function testEndpoint(endpoint: FhirEndpointConfig, opts: EndpointClientOptions = {}): Promise<EndpointReport> {
  // One attempt per request: a person running `endpoint test` wants the answer now, not after minutes of backoff.
  const client = await EndpointClient.open(endpoint, {retry: {maxAttempts: 1}, ...opts})
  try {
    const t0 = Date.now()
    await client.auth.authorize()
    const authMs = Date.now() - t0
    const meta = await client.capabilities()
    const cs = meta.body as CapabilityStatement
    if (cs.resourceType !== 'CapabilityStatement')
      throw new HimError(`endpoint "${endpoint.name}": ${endpoint.url}/metadata is not a FHIR CapabilityStatement`, {
        code: 'NOT_FHIR',
        exit: ExitCode.UNAVAILABLE,
        suggestion: 'check the base URL (it usually ends in /fhir or /fhir/R4)',
      })
    await client.request({path: 'Patient?_summary=count'})
    return {
      name: endpoint.name,
      url: client.baseUrl,
      auth: endpoint.auth.kind,
      fhirVersion: cs.fhirVersion,
      software: cs.software ? {name: cs.software.name, version: cs.software.version} : undefined,
      capabilities: analyzeCapabilities(cs),
      authMs,
      latencyMs: meta.elapsedMs,
      authorized: true,
    }
  } finally {
    await client.close()
  }
}
