import {z} from 'zod'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {type Category} from './categories.js'
import {type Preset} from './presets.js'

/** How a rule's path finds nodes: natively (fast) for the forms Microsoft's configurations use, else by fhirpath. */
export type Matcher =
  | {kind: 'path'; resourceType: string | null; segs: string[]}
  | {kind: 'type'; type: string; segs: string[]}
  | {kind: 'fhirpath'; expr: string; lastSeg?: string}

/** Categories a FHIR rule can give, plus the ones resolved from the node's neighbours. */
export type FhirCategory = Category | 'byIdentifierType' | 'byContactSystem' | 'resourceRef'

export interface FhirRule {
  index: number
  path: string
  /** keep, redact, dateShift, cryptoHash, encrypt, substitute, perturb, generalize (Microsoft), pseudonym, scrub (him). */
  method: string
  category?: FhirCategory
  /** The rule's own settings (Microsoft: replaceWith, span, rangeType, roundTo, cases, otherValues). */
  settings: Record<string, unknown>
  match: Matcher
}

const MS_METHODS: Record<string, string> = {
  keep: 'keep', redact: 'redact', dateshift: 'dateShift', cryptohash: 'cryptoHash', encrypt: 'encrypt', substitute: 'substitute',
  perturb: 'perturb', generalize: 'generalize', pseudonym: 'pseudonym', scrub: 'scrub',
}

export function compileMatcher(path: string): Matcher {
  const p = path.trim()
  let m = /^nodesByType\('([A-Za-z0-9]+)'\)((?:\.[a-z][A-Za-z0-9]*)*)$/.exec(p)
  if (m) return {kind: 'type', type: m[1], segs: m[2] ? m[2].slice(1).split('.') : []}
  m = /^([A-Z][A-Za-z0-9]*)((?:\.[a-z][A-Za-z0-9]*)*)$/.exec(p)
  if (m) {
    const rt = m[1] === 'Resource' || m[1] === 'DomainResource' ? null : m[1]
    return {kind: 'path', resourceType: rt, segs: m[2] ? m[2].slice(1).split('.') : []}
  }
  const last = /\.([a-z][A-Za-z0-9]*)\s*$/.exec(p)
  return {kind: 'fhirpath', expr: p.replace(/nodesByType\('([A-Za-z0-9]+)'\)/g, 'descendants().ofType($1)'), lastSeg: last?.[1]}
}

// ---- Microsoft FHIR anonymizer configuration files, taken as they are ----

const MsRule = z.object({path: z.string().min(1), method: z.string().min(1)}).passthrough()
export const MsConfig = z
  .object({
    fhirVersion: z.string().optional(),
    processingErrors: z.string().optional(),
    fhirPathRules: z.array(MsRule),
    parameters: z
      .object({
        dateShiftKey: z.string().optional(),
        dateShiftScope: z.string().optional(),
        dateShiftFixedOffsetInDays: z.number().optional(),
        cryptoHashKey: z.string().optional(),
        encryptKey: z.string().optional(),
        enablePartialAgesForRedact: z.boolean().optional(),
        enablePartialDatesForRedact: z.boolean().optional(),
        enablePartialZipCodesForRedact: z.boolean().optional(),
        restrictedZipCodeTabulationAreas: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough()
export type MsConfig = z.infer<typeof MsConfig>

export const isMsConfig = (v: unknown): boolean => typeof v === 'object' && v !== null && Array.isArray((v as {fhirPathRules?: unknown}).fhirPathRules)

/** Rules of a Microsoft configuration, in order (the first rule that matches a node wins). */
export function compileMsRules(cfg: MsConfig, file: string): FhirRule[] {
  return cfg.fhirPathRules.map((r, index) => {
    const method = MS_METHODS[r.method.toLowerCase()]
    if (!method)
      throw new HimError(`${file}: fhirPathRules[${index}]: unknown method "${r.method.slice(0, 30)}"`, {
        code: 'DEID_CONFIG',
        exit: ExitCode.CONFIG,
        suggestion: `methods: ${Object.values(MS_METHODS).join(', ')}`,
      })
    const {path, method: _m, ...settings} = r
    return {index, path, method, settings, match: compileMatcher(path)}
  })
}

/** Microsoft's key parameters must be empty or references here: a key written in a file is refused. */
export function msKeyRef(cfg: MsConfig, name: 'dateShiftKey' | 'cryptoHashKey' | 'encryptKey', file: string): string | undefined {
  const v = cfg.parameters?.[name]
  if (v === undefined || v === '') return undefined
  if (/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/.test(v)) return v
  throw new HimError(`${file}: parameters.${name} holds a key itself; him takes keys only by reference`, {
    code: 'DEID_KEY_LITERAL',
    exit: ExitCode.CONFIG,
    suggestion: `set it to "" and pass the key as --${name === 'dateShiftKey' ? 'date-key' : name === 'encryptKey' ? 'encrypt-key' : 'key'} env:NAME (or write "env:NAME" in the file)`,
  })
}

// ---- The presets, as FHIR rules ----

type PresetRule = [path: string, category: FhirCategory, method?: string]

/**
 * What each part of a FHIR resource is, first match wins. Methods come from the preset by category; a rule with
 * its own method keeps it in every preset (narrative and attachments are removed whole).
 */
const FHIR_PRESET_RULES: PresetRule[] = [
  ["nodesByType('Narrative')", 'freeText', 'redact'],
  ["nodesByType('Attachment')", 'photo', 'redact'],
  ["nodesByType('Signature')", 'biometric', 'redact'],
  ['Resource.id', 'resourceRef'],
  ['Bundle.entry.fullUrl', 'resourceRef'],
  ['Bundle.entry.request.url', 'resourceRef'],
  ['Bundle.entry.response.location', 'resourceRef'],
  ["nodesByType('Reference').reference", 'resourceRef'],
  ["nodesByType('Reference').display", 'name'],
  ["nodesByType('HumanName').use", 'quasi'],
  ["nodesByType('HumanName').prefix", 'quasi'],
  ["nodesByType('HumanName').suffix", 'quasi'],
  ["nodesByType('HumanName').period", 'date'],
  ["nodesByType('HumanName')", 'name'],
  ["nodesByType('Address').use", 'quasi'],
  ["nodesByType('Address').type", 'quasi'],
  ["nodesByType('Address').state", 'state'],
  ["nodesByType('Address').country", 'state'],
  ["nodesByType('Address').postalCode", 'zip'],
  ["nodesByType('Address').city", 'city'],
  ["nodesByType('Address').district", 'county'],
  ["nodesByType('Address').period", 'date'],
  ["nodesByType('Address')", 'street'],
  ["nodesByType('ContactPoint').system", 'quasi'],
  ["nodesByType('ContactPoint').use", 'quasi'],
  ["nodesByType('ContactPoint').rank", 'quasi'],
  ["nodesByType('ContactPoint').period", 'date'],
  ["nodesByType('ContactPoint').value", 'byContactSystem'],
  ["nodesByType('Identifier').use", 'quasi'],
  ["nodesByType('Identifier').type", 'quasi'],
  ["nodesByType('Identifier').system", 'quasi'],
  ["nodesByType('Identifier').period", 'date'],
  ["nodesByType('Identifier').assigner", 'quasi'],
  ["nodesByType('Identifier').value", 'byIdentifierType'],
  ['Patient.birthDate', 'birthDate'],
  ['Patient.deceased', 'deathDate'],
  ['RelatedPerson.birthDate', 'birthDate'],
  ['Person.birthDate', 'birthDate'],
  ['Practitioner.birthDate', 'birthDate'],
  ['FamilyMemberHistory.born', 'birthDate'],
  ["nodesByType('Age')", 'age'],
  ["nodesByType('Coding').display", 'clinical', 'keep'],
  ["nodesByType('Coding')", 'clinical', 'keep'],
  ["nodesByType('Annotation').author", 'name'],
  ["nodesByType('Annotation').text", 'freeText'],
  ['Device.udiCarrier', 'device', 'redact'],
  ['Device.serialNumber', 'device'],
  ['Device.lotNumber', 'device'],
  ['Device.distinctIdentifier', 'device'],
  ['Location.position', 'street', 'redact'],
  ['Endpoint.address', 'url'],
  ['Coverage.subscriberId', 'healthPlan'],
]

/**
 * The preset as FHIR rules. Unmatched leaves: dates are `date`, strings and markdown are free text, codes,
 * numbers and other primitives are kept (see `fallbackCategory`).
 */
export function presetFhirRules(preset: Preset): FhirRule[] {
  return FHIR_PRESET_RULES.map(([path, category, own], index) => ({
    index,
    path,
    category,
    method: own ?? methodFor(preset, category),
    settings: {},
    match: compileMatcher(path),
  }))
}

export function methodFor(preset: Preset, category: FhirCategory): string {
  if (category === 'byIdentifierType' || category === 'byContactSystem') return 'byCategory'
  if (category === 'resourceRef') return preset.name === 'pseudonymize' ? 'cryptoHash' : 'renumber'
  return preset.methods[category]
}
