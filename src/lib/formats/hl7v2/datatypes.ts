/**
 * HL7 v2 data types to FHIR R4 data types, after the HL7 v2-to-FHIR IG datatype maps (CX, XPN, XAD, XTN, CWE,
 * XCN, HD). Each takes one repetition (an Hl7Value) and returns undefined when there is nothing to map.
 */
import {type Hl7Value} from './message.js'
import {toFhirDate, toFhirDateTime} from './datetime.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = Record<string, any>

export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203'
export const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn'

/** HL7 coding system names (table 0396) to FHIR system URIs. */
const CODING_SYSTEMS: Record<string, string> = {
  LN: 'http://loinc.org',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  I10: 'http://hl7.org/fhir/sid/icd-10',
  I10C: 'http://hl7.org/fhir/sid/icd-10-cm',
  'ICD10CM': 'http://hl7.org/fhir/sid/icd-10-cm',
  I9: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9CDX: 'http://hl7.org/fhir/sid/icd-9-cm',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  UCUM: 'http://unitsofmeasure.org',
  CPT: 'http://www.ama-assn.org/go/cpt',
  C4: 'http://www.ama-assn.org/go/cpt',
  NDC: 'http://hl7.org/fhir/sid/ndc',
  CVX: 'http://hl7.org/fhir/sid/cvx',
  NUCC: 'http://nucc.org/provider-taxonomy',
  CDCREC: 'urn:oid:2.16.840.1.113883.6.238',
  ISO3166_1: 'urn:iso:std:iso:3166',
}
const SYSTEM_NAMES = new Map(Object.entries(CODING_SYSTEMS).map(([k, v]) => [v, k] as const).reverse())

/** FHIR system for an HL7 coding system name: `HL70001` -> v2-0001; known names; else undefined (a local code). */
export function codingSystem(name: string): string | undefined {
  if (!name) return undefined
  const t = /^HL7(\d{4})$/i.exec(name)
  if (t) return `http://terminology.hl7.org/CodeSystem/v2-${t[1]}`
  if (/^(urn:|https?:)/.test(name)) return name
  return CODING_SYSTEMS[name.toUpperCase()]
}

/** The HL7 coding system name for a FHIR system URI (the reverse of codingSystem). */
export function codingSystemName(system: string | undefined): string {
  if (!system) return ''
  const t = /^http:\/\/terminology\.hl7\.org\/CodeSystem\/v2-(\d{4})$/.exec(system)
  if (t) return `HL7${t[1]}`
  return SYSTEM_NAMES.get(system) ?? (system.startsWith('urn:oid:') ? system.slice(8) : system)
}

/** HD (assigning authority, facility) universal id as a URI: ISO -> urn:oid:, UUID -> urn:uuid:, URI as is. */
export function hdSystem(namespace: string, universalId: string, type: string): string | undefined {
  if (!universalId) return undefined
  const t = type.toUpperCase()
  if (t === 'ISO' || (!t && /^\d+(\.\d+)+$/.test(universalId))) return `urn:oid:${universalId}`
  if (t === 'UUID') return `urn:uuid:${universalId.toLowerCase()}`
  if (t === 'URI' || /^(https?:|urn:)/.test(universalId)) return universalId
  return undefined
}

export interface CxContext {
  /** System for MRNs (CX-5 MR) whose assigning authority has no universal id: the organisation's MRN system. */
  mrnSystem: string
}

/** CX -> Identifier. CX.4 gives the system (universal id) and assigner; CX.5 the type; CX.7/8 the period. */
export function cxToIdentifier(v: Hl7Value, ctx: CxContext): Json | undefined {
  const value = v.get(1)
  if (!value) return undefined
  const id: Json = {}
  const type = v.get(5)
  if (type) id.type = {coding: [{system: V2_0203, code: type}]}
  const auth = v.component(4)
  const ns = auth.get(1)
  const system = hdSystem(ns, auth.get(2), auth.get(3)) ?? (type === 'SS' ? SSN_SYSTEM : type === 'MR' ? ctx.mrnSystem : undefined)
  if (system) id.system = system
  id.value = value
  const start = toFhirDateTime(v.get(7))
  const end = toFhirDateTime(v.get(8))
  if (start || end) id.period = {...(start && {start}), ...(end && {end})}
  if (ns) id.assigner = {display: ns}
  return id
}

const NAME_USE: Record<string, string> = {
  L: 'official', R: 'official', D: 'usual', A: 'usual', M: 'maiden', N: 'nickname', S: 'anonymous',
  T: 'temp', TEMP: 'temp', BAD: 'old', NOUSE: 'old', NB: 'temp', U: 'usual',
}

/** XPN -> HumanName. XPN.1.1 family, XPN.2 and XPN.3 given, XPN.4/XPN.14 suffix, XPN.5 prefix, XPN.7 use. */
export function xpnToHumanName(v: Hl7Value): Json | undefined {
  const n: Json = {}
  const use = NAME_USE[v.get(7).toUpperCase()]
  if (use) n.use = use
  const family = v.get(1, 1)
  if (family) n.family = family
  const given = [v.get(2), ...v.get(3).split(' ')].filter(Boolean)
  if (given.length) n.given = given
  const prefix = v.get(5)
  if (prefix) n.prefix = [prefix]
  const suffix = [v.get(4), v.get(6), v.get(14)].filter(Boolean)
  if (suffix.length) n.suffix = suffix
  if (!n.family && !n.given && !n.prefix && !n.suffix) return undefined
  const start = toFhirDateTime(v.get(12) || v.get(10, 1))
  const end = toFhirDateTime(v.get(13) || v.get(10, 2))
  if (start || end) n.period = {...(start && {start}), ...(end && {end})}
  return n
}

const ADDRESS_USE: Record<string, {use?: string; type?: string}> = {
  H: {use: 'home'}, B: {use: 'work'}, O: {use: 'work'}, C: {use: 'temp'}, BA: {use: 'old'}, BDL: {use: 'old'},
  M: {type: 'postal'}, SH: {type: 'postal'}, P: {use: 'home'}, V: {use: 'temp'},
}

/** XAD -> Address. XAD.1.1 and XAD.2 lines, XAD.3 city, XAD.4 state, XAD.5 postalCode, XAD.6 country, XAD.9 district, XAD.7 use/type. */
export function xadToAddress(v: Hl7Value): Json | undefined {
  const a: Json = {}
  const kind = ADDRESS_USE[v.get(7).toUpperCase()]
  if (kind?.use) a.use = kind.use
  if (kind?.type) a.type = kind.type
  const line = [v.get(1, 1), v.get(2)].filter(Boolean)
  if (line.length) a.line = line
  const fields: Array<[string, string]> = [['city', v.get(3)], ['district', v.get(9, 1)], ['state', v.get(4)], ['postalCode', v.get(5)], ['country', v.get(6)]]
  for (const [k, val] of fields) if (val) a[k] = val
  if (!a.line && !a.city && !a.state && !a.postalCode && !a.country && !a.district) return undefined
  const start = toFhirDateTime(v.get(13) || v.get(12, 1))
  const end = toFhirDateTime(v.get(14) || v.get(12, 2))
  if (start || end) a.period = {...(start && {start}), ...(end && {end})}
  return a
}

const TELECOM_USE: Record<string, string> = {PRN: 'home', ORN: 'home', VHN: 'home', WPN: 'work', EMR: 'temp'}
const TELECOM_SYSTEM: Record<string, string> = {PH: 'phone', FX: 'fax', CP: 'phone', BP: 'pager', INTERNET: 'email', 'X.400': 'email', MD: 'other', TDD: 'other', TTY: 'other', SAT: 'other'}

/** XTN -> ContactPoint. XTN.2 use, XTN.3 system (CP = mobile), value from XTN.4 (email), XTN.12, XTN.5-8, or XTN.1. */
export function xtnToContactPoint(v: Hl7Value, defaultUse?: string): Json | undefined {
  const equip = v.get(3).toUpperCase()
  const useCode = v.get(2).toUpperCase()
  const email = v.get(4)
  let value: string
  let system = TELECOM_SYSTEM[equip]
  if (email && (equip === 'INTERNET' || equip === 'X.400' || useCode === 'NET' || !equip)) {
    value = email
    system = 'email'
  } else {
    const parts = v.get(12) ? v.get(12) : composePhone(v.get(5), v.get(6), v.get(7), v.get(8))
    value = parts || v.get(1)
  }
  if (!value) return undefined
  const cp: Json = {system: system ?? (useCode === 'NET' ? 'email' : 'phone'), value}
  const use = equip === 'CP' ? 'mobile' : TELECOM_USE[useCode] ?? defaultUse
  if (use) cp.use = use
  return cp
}

function composePhone(country: string, area: string, local: string, ext: string): string {
  if (!local) return ''
  let s = ''
  if (country) s += `+${country} `
  if (area) s += `(${area}) `
  s += local
  if (ext) s += ` ext. ${ext}`
  return s
}

/** CWE/CE/CNE -> CodeableConcept: the identifier triplets 1-3, 4-6 and 10-12 as codings; CWE.9 (or the text) as text. */
export function cweToCodeableConcept(v: Hl7Value): Json | undefined {
  const coding: Json[] = []
  for (const [c, d, s] of [[1, 2, 3], [4, 5, 6], [10, 11, 12]]) {
    const code = v.get(c)
    const display = v.get(d)
    if (!code && !display) continue
    if (!code) continue
    const cd: Json = {}
    const system = codingSystem(v.get(s))
    if (system) cd.system = system
    cd.code = code
    if (display) cd.display = display
    coding.push(cd)
  }
  const text = v.get(9) || (coding.length === 0 ? v.get(2) || v.get(1) : '')
  if (!coding.length && !text) return undefined
  const cc: Json = {}
  if (coding.length) cc.coding = coding
  if (text) cc.text = text
  return cc
}

/** XCN (a person) -> a logical Reference: identifier from XCN.1 (+XCN.9 authority), display from the name. */
export function xcnToReference(v: Hl7Value): Json | undefined {
  const id = v.get(1)
  const name = [v.get(6), v.get(3), v.get(4), v.get(2, 1), v.get(5)].filter(Boolean).join(' ')
  if (!id && !name) return undefined
  const ref: Json = {type: 'Practitioner'}
  if (id) {
    const auth = v.component(9)
    const system = hdSystem(auth.get(1), auth.get(2), auth.get(3))
    ref.identifier = {...(system && {system}), value: id}
  }
  if (name) ref.display = name
  return ref
}

/** XON (an organisation) -> a logical Reference with its name as display. */
export function xonToReference(v: Hl7Value): Json | undefined {
  const name = v.get(1)
  const id = v.get(10) || v.get(3)
  if (!name && !id) return undefined
  return {type: 'Organization', ...(id && {identifier: {value: id}}), ...(name && {display: name})}
}

/** Table 0191 (type of referenced data) -> the MIME top-level type; MIME top-level types pass as they are. */
const MIME_TYPE: Record<string, string> = {AP: 'application', IM: 'image', AU: 'audio', TEXT: 'text', TX: 'text', SI: 'application', NS: 'application', SD: 'application', APPLICATION: 'application', IMAGE: 'image', AUDIO: 'audio', VIDEO: 'video', MULTIPART: 'multipart', MODEL: 'model'}

function contentType(type: string, subtype: string): string | undefined {
  const top = MIME_TYPE[type.toUpperCase()]
  if (!top) return undefined
  return `${top}/${subtype ? subtype.toLowerCase() : top === 'text' ? 'plain' : 'octet-stream'}`
}

/**
 * ED (encapsulated data) -> Attachment, after the IG's ED map: ED.2/ED.3 type and subtype as contentType, ED.5 as
 * base64 data (ED.4 Base64 kept, Hex converted, A/none text encoded). Data without a known type is
 * application/octet-stream (FHIR requires a contentType with data).
 */
export function edToAttachment(v: Hl7Value): Json | undefined {
  const encoding = v.get(4).toUpperCase()
  const raw = v.get(5)
  const data = !raw ? '' : encoding === 'BASE64' ? raw.replace(/\s+/g, '') : encoding === 'HEX' ? Buffer.from(raw, 'hex').toString('base64') : Buffer.from(raw, 'utf8').toString('base64')
  const type = contentType(v.get(2), v.get(3)) ?? (data ? 'application/octet-stream' : undefined)
  if (!type && !data) return undefined
  return {...(type && {contentType: type}), ...(data && {data})}
}

/** RP (reference pointer) -> Attachment: RP.1 as url, RP.3/RP.4 as contentType. */
export function rpToAttachment(v: Hl7Value): Json | undefined {
  const url = v.get(1)
  const type = contentType(v.get(3), v.get(4))
  if (!url && !type) return undefined
  return {...(type && {contentType: type}), ...(url && {url})}
}

/** Attachment -> OBX-2 and OBX-5: data as ED (Base64), else a url as RP. */
export function attachmentToObxValue(a: Json): {type: 'ED' | 'RP'; components: string[]} {
  const [top, sub] = String(a.contentType ?? '').split(';')[0].split('/')
  if (a.data || !a.url) return {type: 'ED', components: ['', top ?? '', sub ?? '', 'Base64', a.data ?? '']}
  return {type: 'RP', components: [a.url, '', top ?? '', sub ?? '']}
}

export {toFhirDate, toFhirDateTime}
