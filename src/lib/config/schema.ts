import {z} from 'zod'

import {DEFAULT_MRN_SYSTEM} from '../formats/csv/mapping/schema.js'

export const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/
const refMessage = 'expected a secret reference, env:NAME or file:PATH (a secret itself is never accepted in the file)'
export const SecretRef = z.string({message: refMessage}).regex(SECRET_REF, refMessage)

export const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/

export const Auth = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('none')}).strict(),
  z.object({kind: z.literal('basic'), username: z.string().min(1), passwordRef: SecretRef}).strict(),
  z.object({kind: z.literal('bearer'), tokenRef: SecretRef}).strict(),
  z
    .object({
      kind: z.literal('client-credentials'),
      clientId: z.string().min(1),
      clientSecretRef: SecretRef,
      tokenUrl: z.string().url().optional(),
      scope: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('smart-backend'),
      clientId: z.string().min(1),
      privateKeyRef: SecretRef,
      kid: z.string().min(1),
      alg: z.enum(['RS384', 'ES384']).default('RS384'),
      tokenUrl: z.string().url().optional(),
      scope: z.string().default('system/*.read'),
    })
    .strict(),
])
export type Auth = z.infer<typeof Auth>
export const AUTH_KINDS = ['none', 'basic', 'bearer', 'client-credentials', 'smart-backend'] as const

export const FhirEndpoint = z
  .object({
    name: z.string().regex(ENDPOINT_NAME, 'expected a name of letters, digits, ".", "_" or "-"'),
    kind: z.literal('fhir'),
    url: z.string().url('expected the FHIR base URL, e.g. https://ehr.example.org/fhir/R4'),
    auth: Auth.default({kind: 'none'}),
    timeoutMs: z.number().int().positive().optional(),
    caFile: z.string().optional(),
    allowInsecure: z.boolean().optional(),
  })
  .strict()

export const MllpEndpoint = z
  .object({
    name: z.string().regex(ENDPOINT_NAME, 'expected a name of letters, digits, ".", "_" or "-"'),
    kind: z.literal('mllp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    tls: z.boolean().optional(),
    caFile: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict()

export const Endpoint = z.discriminatedUnion('kind', [FhirEndpoint, MllpEndpoint])
export type Endpoint = z.infer<typeof Endpoint>
export type FhirEndpointConfig = z.infer<typeof FhirEndpoint>
export type MllpEndpointConfig = z.infer<typeof MllpEndpoint>

export const HimConfig = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    defaults: z
      .object({
        /** The identifier system of this organisation's MRNs. */
        mrnSystem: z.string().url().default(DEFAULT_MRN_SYSTEM),
        /** CSV mapping used when writing CSV and when a header is not recognised: generic, synthea, febrl or a file. */
        csvMapping: z.string().min(1).default('generic'),
        encoding: z.enum(['utf8', 'windows-1252', 'latin1']).default('utf8'),
      })
      .strict()
      .default({}),
    hl7: z
      .object({
        sendingApplication: z.string().default('HIMKIT'),
        sendingFacility: z.string().default('HIMKIT'),
        receivingApplication: z.string().default(''),
        receivingFacility: z.string().default(''),
      })
      .strict()
      .default({}),
    endpoints: z
      .array(Endpoint)
      .default([])
      .superRefine((eps, ctx) => {
        const seen = new Set<string>()
        eps.forEach((e, i) => {
          if (seen.has(e.name)) ctx.addIssue({code: z.ZodIssueCode.custom, path: [i, 'name'], message: `duplicate endpoint name "${e.name}"`})
          seen.add(e.name)
        })
      }),
  })
  .strict()
export type HimConfig = z.infer<typeof HimConfig>

export const defaultConfig = (): HimConfig => HimConfig.parse({})
