import {idFromIdentifier, uuidV5} from '../../../fhir/ids.js'
import {normalizeHeader} from './builtin.js'
import {formatDate, parseDate} from './dates.js'
import {
  ADXP_HOUSE_NUMBER,
  ADXP_STREET_NAME,
  type ColumnSpec,
  MARITAL_SYSTEM,
  type Mapping,
  OMB_SYSTEM,
  SSN_SYSTEM,
  US_CORE_ETHNICITY,
  US_CORE_RACE,
  V2_0203,
} from './schema.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Patient = {resourceType: 'Patient'; id?: string; [k: string]: any}

export interface MappingContext {
  mrnSystem: string
}

export interface RowProblem {
  field: string
  code: string
  reason: string
}

export const ADXP_ADDITIONAL_LOCATOR = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-additionalLocator'

const MARITAL_DISPLAY: Record<string, string> = {
  A: 'Annulled', D: 'Divorced', I: 'Interlocutory', L: 'Legally Separated', M: 'Married', C: 'Common Law',
  P: 'Polygamous', T: 'Domestic partner', U: 'unmarried', S: 'Never Married', W: 'Widowed', UNK: 'unknown',
}
const RACE_DISPLAY: Record<string, string> = {
  '1002-5': 'American Indian or Alaska Native', '2028-9': 'Asian', '2054-5': 'Black or African American',
  '2076-8': 'Native Hawaiian or Other Pacific Islander', '2106-3': 'White', '2131-1': 'Other Race',
  '2135-2': 'Hispanic or Latino', '2186-5': 'Not Hispanic or Latino', UNK: 'Unknown', ASKU: 'Asked but no answer',
}
const OMB_RACE = new Set(['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', 'UNK', 'ASKU'])
const OMB_ETHNICITY = new Set(['2135-2', '2186-5', 'UNK', 'ASKU'])

export function resolveSystem(spec: ColumnSpec, ctx: MappingContext): string | undefined {
  if (spec.system === 'mrn') return ctx.mrnSystem
  if (spec.system === 'ssn') return SSN_SYSTEM
  return spec.system
}

function lowerCodes(codes: Record<string, string> | undefined): Map<string, string> {
  const m = new Map<string, string>()
  for (const [k, v] of Object.entries(codes ?? {})) if (!m.has(k.toLowerCase())) m.set(k.toLowerCase(), v)
  return m
}

function reverseCodes(codes: Record<string, string> | undefined): Map<string, string> {
  const m = new Map<string, string>()
  for (const [k, v] of Object.entries(codes ?? {})) if (!m.has(v)) m.set(v, k)
  return m
}

interface Slot {
  idx: number
  spec: ColumnSpec
  system?: string
  codes: Map<string, string>
  /** identifier.type, made once per column and frozen (shared by every Patient of the column). */
  typeConcept?: object
}

const freezeDeep = <T>(o: T): T => {
  if (o && typeof o === 'object') for (const v of Object.values(o)) freezeDeep(v)
  return Object.freeze(o)
}

export interface CompiledToFhir {
  mapping: Mapping
  /** Header columns that no mapping column names: not carried into FHIR. */
  unmapped: string[]
  /** Mapping columns absent from the header (skipped). */
  absent: string[]
  toPatient(cells: string[]): Patient | RowProblem
}

/** Match each mapping column to its index in the header: exact name first, then without case and punctuation. */
export function matchColumns(mapping: Mapping, header: string[]): {found: Array<[ColumnSpec, number]>; absent: string[]} {
  const norm = header.map(normalizeHeader)
  const found: Array<[ColumnSpec, number]> = []
  const absent: string[] = []
  for (const spec of mapping.columns) {
    let idx = header.indexOf(spec.column)
    if (idx === -1) idx = header.findIndex((h) => h.trim() === spec.column)
    if (idx === -1) idx = norm.indexOf(normalizeHeader(spec.column))
    if (idx === -1) absent.push(spec.column)
    else found.push([spec, idx])
  }
  return {found, absent}
}

export function compileToFhir(mapping: Mapping, header: string[], ctx: MappingContext): CompiledToFhir {
  const {found, absent} = matchColumns(mapping, header)
  const slots: Slot[] = found.map(([spec, idx]) => ({
    idx,
    spec,
    system: resolveSystem(spec, ctx),
    codes: lowerCodes(spec.codes),
    typeConcept: spec.type ? freezeDeep({coding: [{system: V2_0203, code: spec.type}]}) : undefined,
  }))
  const usedIdx = new Set(slots.map((s) => s.idx))
  const unmapped = header.filter((_, i) => !usedIdx.has(i))

  function toPatient(cells: string[]): Patient | RowProblem {
    const identifiers: any[] = []
    const name: any = {}
    let maiden: string | undefined
    const address: any = {}
    let house: string | undefined
    let street: string | undefined
    let line1: string | undefined
    let line2: string | undefined
    const telecom: any[] = []
    let gender: string | undefined
    let birthDate: string | undefined
    let deceased: string | undefined
    let marital: string | undefined
    let race: string | undefined
    let ethnicity: string | undefined
    let idKey: string | undefined
    let any = false

    for (const s of slots) {
      const raw = cells[s.idx]
      const v = raw === undefined ? '' : raw.trim()
      if (v === '') {
        if (s.spec.required) return {field: s.spec.column, code: 'REQUIRED_EMPTY', reason: `column ${s.spec.column} is required and empty`}
        continue
      }
      any = true
      switch (s.spec.to) {
        case 'identifier': {
          const id: any = {}
          if (s.typeConcept) id.type = s.typeConcept
          if (s.system) id.system = s.system
          id.value = v
          identifiers.push(id)
          if (idKey === undefined) idKey = `${s.system ?? ''}|${v}`
          break
        }
        case 'name.prefix': name.prefix = [v]; break
        case 'name.given': name.given = [v, ...(name.given?.slice(1) ?? [])]; break
        case 'name.middle': name.middle = v; break
        case 'name.family': name.family = v; break
        case 'name.suffix': name.suffix = [v]; break
        case 'name.maiden': maiden = v; break
        case 'birthDate':
        case 'deceasedDate': {
          const d = parseDate(v, s.spec.dateFormats ?? ['YYYY-MM-DD'])
          if (!d)
            return {field: s.spec.column, code: 'BAD_DATE', reason: `column ${s.spec.column}: not a real date in ${(s.spec.dateFormats ?? ['YYYY-MM-DD']).join(' or ')}`}
          if (s.spec.to === 'birthDate') birthDate = d
          else deceased = d
          break
        }
        case 'gender':
        case 'maritalStatus':
        case 'race':
        case 'ethnicity': {
          const code = s.codes.size ? s.codes.get(v.toLowerCase()) : v
          if (code === undefined)
            return {field: s.spec.column, code: 'UNKNOWN_CODE', reason: `column ${s.spec.column}: a code the mapping does not list (it knows ${[...Object.keys(s.spec.codes ?? {})].slice(0, 8).join(', ')})`}
          if (s.spec.to === 'gender') {
            if (!['male', 'female', 'other', 'unknown'].includes(code))
              return {field: s.spec.column, code: 'UNKNOWN_CODE', reason: `column ${s.spec.column}: mapping gives a gender that FHIR does not have`}
            gender = code
          } else if (s.spec.to === 'maritalStatus') marital = code
          else if (s.spec.to === 'race') race = code
          else ethnicity = code
          break
        }
        case 'address.line': line1 = v; break
        case 'address.line2': line2 = v; break
        case 'address.houseNumber': house = v; break
        case 'address.streetName': street = v; break
        case 'address.city': address.city = v; break
        case 'address.district': address.district = v; break
        case 'address.state': address.state = v; break
        case 'address.postalCode': address.postalCode = v; break
        case 'address.country': address.country = v; break
        case 'telecom.phone': telecom.push({system: 'phone', value: v, use: s.spec.use ?? 'home'}); break
        case 'telecom.email': telecom.push({system: 'email', value: v}); break
      }
    }
    if (!any) return {field: '', code: 'EMPTY_RECORD', reason: 'every mapped column is empty'}

    // Keys in FHIR's JSON order from the start (resourceType, id, extension, identifier, name, ...): no reordering copy.
    const p: Patient = {resourceType: 'Patient', id: ''}
    const ext: any[] = []
    if (race) ext.push(usCoreRace(race))
    if (ethnicity) ext.push(usCoreEthnicity(ethnicity))
    if (ext.length) p.extension = ext
    if (identifiers.length) p.identifier = identifiers
    const names: any[] = []
    if (name.family || name.given || name.middle || name.prefix || name.suffix) {
      const n: any = {use: 'official'}
      if (name.family) n.family = name.family
      const given = [...(name.given ?? []), ...(name.middle ? [name.middle] : [])]
      if (given.length) n.given = given
      if (name.prefix) n.prefix = name.prefix
      if (name.suffix) n.suffix = name.suffix
      names.push(n)
    }
    if (maiden) names.push({use: 'maiden', family: maiden})
    if (names.length) p.name = names
    if (telecom.length) p.telecom = telecom
    if (gender) p.gender = gender
    if (birthDate) p.birthDate = birthDate
    if (deceased) p.deceasedDateTime = deceased
    const lines: Array<string | null> = []
    const lineExt: Array<any> = []
    if (house !== undefined || street !== undefined) {
      lines.push([house, street].filter(Boolean).join(' '))
      const e: any[] = []
      if (house !== undefined) e.push({url: ADXP_HOUSE_NUMBER, valueString: house})
      if (street !== undefined) e.push({url: ADXP_STREET_NAME, valueString: street})
      lineExt.push({extension: e})
    } else if (line1 !== undefined) {
      lines.push(line1)
      lineExt.push(null)
    }
    if (line2 !== undefined) {
      lines.push(line2)
      lineExt.push(lines.length === 1 ? {extension: [{url: ADXP_ADDITIONAL_LOCATOR, valueString: line2}]} : null)
    }
    if (lines.length || Object.keys(address).length) {
      const a: any = {use: 'home'}
      if (lines.length) a.line = lines
      if (lineExt.some((x) => x !== null)) a._line = lineExt
      Object.assign(a, address)
      p.address = [a]
    }
    if (marital) p.maritalStatus = maritalStatusOf(marital)
    p.id = idKey === undefined ? uuidV5(`Patient|content|${JSON.stringify(p)}`) : idFromIdentifier('Patient', ...splitKey(idKey))
    return p
  }

  return {mapping, unmapped, absent, toPatient}
}

function splitKey(k: string): [string, string] {
  const i = k.indexOf('|')
  return [k.slice(0, i), k.slice(i + 1)]
}

/** Patient.maritalStatus for a v3-MaritalStatus code. */
export function maritalStatusOf(code: string) {
  return {coding: [{system: MARITAL_SYSTEM, code, ...(MARITAL_DISPLAY[code] ? {display: MARITAL_DISPLAY[code]} : {})}]}
}

/** The US Core race or ethnicity extension of Patient for an OMB (or detailed) code. */
export const usCoreRace = (code: string) => usCoreExt(US_CORE_RACE, code, OMB_RACE)
export const usCoreEthnicity = (code: string) => usCoreExt(US_CORE_ETHNICITY, code, OMB_ETHNICITY)

function usCoreExt(url: string, code: string, omb: Set<string>) {
  const display = RACE_DISPLAY[code]
  return {
    url,
    extension: [
      {url: omb.has(code) ? 'ombCategory' : 'detailed', valueCoding: {system: OMB_SYSTEM, code, ...(display ? {display} : {})}},
      {url: 'text', valueString: display ?? code},
    ],
  }
}

export interface CompiledFromFhir {
  header: string[]
  fromPatient(p: Patient): string[]
}

/** The mapping in reverse: a Patient back to the mapping's columns, in the mapping's order. */
export function compileFromFhir(mapping: Mapping, ctx: MappingContext): CompiledFromFhir {
  const specs = mapping.columns.map((spec) => ({spec, system: resolveSystem(spec, ctx), rev: reverseCodes(spec.codes)}))
  const header = mapping.columns.map((c) => c.column)

  function fromPatient(p: Patient): string[] {
    const names: any[] = Array.isArray(p.name) ? p.name : []
    const official = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'maiden' && n.use !== 'old') ?? names[0]
    const maiden = names.find((n) => n.use === 'maiden')
    const addresses: any[] = Array.isArray(p.address) ? p.address : []
    const addr = addresses.find((a) => a.use === 'home') ?? addresses[0]
    const lines: string[] = addr?.line ?? []
    const lineExt: any[] = addr?._line ?? []
    const extOf = (i: number, url: string) => lineExt[i]?.extension?.find((e: any) => e.url === url)?.valueString
    const locatorIdx = lineExt.findIndex((x) => x?.extension?.some((e: any) => e.url === ADXP_ADDITIONAL_LOCATOR))
    const line1Idx = lines.findIndex((_, i) => i !== locatorIdx)
    const telecom: any[] = Array.isArray(p.telecom) ? p.telecom : []
    const idents: any[] = Array.isArray(p.identifier) ? p.identifier : []
    const ext: any[] = Array.isArray(p.extension) ? p.extension : []

    return specs.map(({spec, system, rev}) => {
      let v: string | undefined
      switch (spec.to) {
        case 'identifier': {
          const hit = system !== undefined ? idents.find((i) => i.system === system) : idents.find((i) => i.type?.coding?.some((c: any) => c.code === spec.type))
          v = hit?.value
          break
        }
        case 'name.prefix': v = official?.prefix?.[0]; break
        case 'name.given': v = official?.given?.[0]; break
        case 'name.middle': v = official?.given?.slice(1).join(' ') || undefined; break
        case 'name.family': v = official?.family; break
        case 'name.suffix': v = official?.suffix?.[0]; break
        case 'name.maiden': v = maiden?.family; break
        case 'birthDate': v = p.birthDate && formatDate(p.birthDate, spec.dateFormats?.[0] ?? 'YYYY-MM-DD'); break
        case 'deceasedDate': v = p.deceasedDateTime && formatDate(p.deceasedDateTime, spec.dateFormats?.[0] ?? 'YYYY-MM-DD'); break
        case 'gender': v = p.gender && (rev.size ? rev.get(p.gender) ?? p.gender : p.gender); break
        case 'maritalStatus': {
          const code = p.maritalStatus?.coding?.find((c: any) => c.system === MARITAL_SYSTEM)?.code ?? p.maritalStatus?.coding?.[0]?.code
          v = code && (rev.size ? rev.get(code) ?? code : code)
          break
        }
        case 'race':
        case 'ethnicity': {
          const e = ext.find((x) => x.url === (spec.to === 'race' ? US_CORE_RACE : US_CORE_ETHNICITY))
          const code = e?.extension?.find((x: any) => x.url === 'ombCategory' || x.url === 'detailed')?.valueCoding?.code
          v = code && (rev.size ? rev.get(code) ?? code : code)
          break
        }
        case 'address.line': v = line1Idx === -1 ? undefined : lines[line1Idx]; break
        case 'address.line2': v = locatorIdx !== -1 ? lines[locatorIdx] : lines.length > 1 ? lines.slice(1).join(', ') : undefined; break
        case 'address.houseNumber': v = line1Idx === -1 ? undefined : extOf(line1Idx, ADXP_HOUSE_NUMBER); break
        case 'address.streetName': {
          if (line1Idx === -1) break
          v = extOf(line1Idx, ADXP_STREET_NAME)
          if (v === undefined && extOf(line1Idx, ADXP_HOUSE_NUMBER) === undefined) v = lines[line1Idx]
          break
        }
        case 'address.city': v = addr?.city; break
        case 'address.district': v = addr?.district; break
        case 'address.state': v = addr?.state; break
        case 'address.postalCode': v = addr?.postalCode; break
        case 'address.country': v = addr?.country; break
        case 'telecom.phone': {
          const use = spec.use ?? 'home'
          v = telecom.find((t) => t.system === 'phone' && (t.use ?? 'home') === use)?.value
          break
        }
        case 'telecom.email': v = telecom.find((t) => t.system === 'email')?.value; break
      }
      return v ?? ''
    })
  }

  return {header, fromPatient}
}

export const isProblem = (x: Patient | RowProblem): x is RowProblem => (x as Patient).resourceType !== 'Patient'
