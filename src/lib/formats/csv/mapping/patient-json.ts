/**
 * A CSV row's Patient written straight to its JSON text, without building the Patient object: the same bytes as
 * `JSON.stringify(compileToFhir(mapping, header, ctx).toPatient(cells))`, keys in the same order. It is the fast
 * path of CSV -> NDJSON; rows it does not cover (a problem to report, no identifier to derive the id from, an
 * empty row) answer `undefined`, and the caller takes the object path for them.
 */
import {idFromIdentifier} from '../../../fhir/ids.js'
import {parseDate} from './dates.js'
import {
  ADXP_ADDITIONAL_LOCATOR,
  matchColumns,
  maritalStatusOf,
  resolveSystem,
  usCoreEthnicity,
  usCoreRace,
  type MappingContext,
} from './patient-mapping.js'
import {ADXP_HOUSE_NUMBER, ADXP_STREET_NAME, type Mapping, type Target, V2_0203} from './schema.js'

export interface CompiledPatientJson {
  /** The Patient's JSON text (one NDJSON line without its newline), or undefined: take the object path. */
  toJson(cells: string[]): string | undefined
}

/** Characters JSON.stringify escapes in a string (controls, quote, backslash, surrogates that may be lone). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/

/** A string as JSON: the cell as it is between quotes when nothing needs escaping, else JSON.stringify's answer. */
const str = (v: string): string => (NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : '"' + v + '"')

const enum Kind {
  Identifier,
  Prefix,
  Given,
  Middle,
  Family,
  Suffix,
  Maiden,
  BirthDate,
  DeceasedDate,
  Gender,
  Marital,
  Race,
  Ethnicity,
  Line1,
  Line2,
  House,
  Street,
  Address,
  Phone,
  Email,
}

const KIND: Record<Target, Kind> = {
  identifier: Kind.Identifier,
  'name.prefix': Kind.Prefix,
  'name.given': Kind.Given,
  'name.middle': Kind.Middle,
  'name.family': Kind.Family,
  'name.suffix': Kind.Suffix,
  'name.maiden': Kind.Maiden,
  birthDate: Kind.BirthDate,
  deceasedDate: Kind.DeceasedDate,
  gender: Kind.Gender,
  maritalStatus: Kind.Marital,
  race: Kind.Race,
  ethnicity: Kind.Ethnicity,
  'address.line': Kind.Line1,
  'address.line2': Kind.Line2,
  'address.houseNumber': Kind.House,
  'address.streetName': Kind.Street,
  'address.city': Kind.Address,
  'address.district': Kind.Address,
  'address.state': Kind.Address,
  'address.postalCode': Kind.Address,
  'address.country': Kind.Address,
  'telecom.phone': Kind.Phone,
  'telecom.email': Kind.Email,
}

/** The address keys the object path copies from its `address` object, in the order of the mapping's columns. */
const ADDRESS_KEY: Partial<Record<Target, string>> = {
  'address.city': 'city',
  'address.district': 'district',
  'address.state': 'state',
  'address.postalCode': 'postalCode',
  'address.country': 'country',
}

const GENDERS = new Set(['male', 'female', 'other', 'unknown'])

interface JsonSlot {
  idx: number
  kind: Kind
  required: boolean
  /** identifier: its system (for the id); telecom.phone: unused. */
  system?: string
  /** identifier / telecom: the JSON text before the value (`{"type":...,"system":"...","value":`). */
  head: string
  /** identifier / telecom: the JSON text after the value. */
  tail: string
  codes: Map<string, string>
  dateFormats: string[]
  /** Address: which of the address values it fills (its position in the address key order). */
  addr: number
}

/** JSON of a value that depends only on a code, memoised (a code map's values are few; free codes are capped). */
function memo(make: (code: string) => unknown): (code: string) => string {
  const cache = new Map<string, string>()
  return (code) => {
    let j = cache.get(code)
    if (j === undefined) {
      j = JSON.stringify(make(code))
      if (cache.size < 1024) cache.set(code, j)
    }
    return j
  }
}

/**
 * The JSON writer for a mapping and header, or undefined when the mapping is one the fast path does not mirror
 * exactly (an address element filled by two columns, whose key order would depend on the row).
 */
export function compilePatientJson(mapping: Mapping, header: string[], ctx: MappingContext): CompiledPatientJson | undefined {
  const {found} = matchColumns(mapping, header)
  const addressKeys: string[] = []
  const slots: JsonSlot[] = []
  for (const [spec, idx] of found) {
    const kind = KIND[spec.to]
    const slot: JsonSlot = {idx, kind, required: spec.required === true, head: '', tail: '}', codes: new Map(), dateFormats: spec.dateFormats ?? ['YYYY-MM-DD'], addr: -1}
    for (const [k, v] of Object.entries(spec.codes ?? {})) if (!slot.codes.has(k.toLowerCase())) slot.codes.set(k.toLowerCase(), v)
    if (kind === Kind.Identifier) {
      const system = resolveSystem(spec, ctx)
      slot.system = system
      slot.head = '{' + (spec.type ? '"type":' + JSON.stringify({coding: [{system: V2_0203, code: spec.type}]}) + ',' : '') + (system ? '"system":' + JSON.stringify(system) + ',' : '') + '"value":'
    } else if (kind === Kind.Phone) {
      slot.head = '{"system":"phone","value":'
      slot.tail = ',"use":' + JSON.stringify(spec.use ?? 'home') + '}'
    } else if (kind === Kind.Email) slot.head = '{"system":"email","value":'
    else if (kind === Kind.Address) {
      const key = ADDRESS_KEY[spec.to]!
      if (addressKeys.includes(key)) return undefined
      slot.addr = addressKeys.length
      addressKeys.push(key)
    }
    slots.push(slot)
  }
  const addressHeads = addressKeys.map((k) => ',' + JSON.stringify(k) + ':')
  const marital = memo(maritalStatusOf)
  const race = memo(usCoreRace)
  const ethnicity = memo(usCoreEthnicity)
  const houseExt = '{"url":' + JSON.stringify(ADXP_HOUSE_NUMBER) + ',"valueString":'
  const streetExt = '{"url":' + JSON.stringify(ADXP_STREET_NAME) + ',"valueString":'
  const locatorExt = '{"extension":[{"url":' + JSON.stringify(ADXP_ADDITIONAL_LOCATOR) + ',"valueString":'

  function toJson(cells: string[]): string | undefined {
    let identifiers = ''
    let idSystem: string | undefined
    let idValue: string | undefined
    let telecom = ''
    let prefix: string | undefined
    let given: string | undefined
    let middle: string | undefined
    let family: string | undefined
    let suffix: string | undefined
    let maiden: string | undefined
    let birthDate: string | undefined
    let deceased: string | undefined
    let gender: string | undefined
    let maritalCode: string | undefined
    let raceCode: string | undefined
    let ethnicityCode: string | undefined
    let line1: string | undefined
    let line2: string | undefined
    let house: string | undefined
    let street: string | undefined
    let address: Array<string | undefined> | undefined

    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]
      const raw = cells[s.idx]
      const v = raw === undefined ? '' : raw.trim()
      if (v === '') {
        if (s.required) return undefined
        continue
      }
      switch (s.kind) {
        case Kind.Identifier:
          identifiers += (identifiers === '' ? '' : ',') + s.head + str(v) + s.tail
          if (idValue === undefined) {
            idSystem = s.system
            idValue = v
          }
          break
        case Kind.Prefix: prefix = v; break
        case Kind.Given: given = v; break
        case Kind.Middle: middle = v; break
        case Kind.Family: family = v; break
        case Kind.Suffix: suffix = v; break
        case Kind.Maiden: maiden = v; break
        case Kind.BirthDate:
        case Kind.DeceasedDate: {
          const d = parseDate(v, s.dateFormats)
          if (d === undefined) return undefined
          if (s.kind === Kind.BirthDate) birthDate = d
          else deceased = d
          break
        }
        case Kind.Gender:
        case Kind.Marital:
        case Kind.Race:
        case Kind.Ethnicity: {
          const code = s.codes.size ? s.codes.get(v.toLowerCase()) : v
          if (code === undefined) return undefined
          if (s.kind === Kind.Gender) {
            if (!GENDERS.has(code)) return undefined
            gender = code
          } else if (s.kind === Kind.Marital) maritalCode = code
          else if (s.kind === Kind.Race) raceCode = code
          else ethnicityCode = code
          break
        }
        case Kind.Line1: line1 = v; break
        case Kind.Line2: line2 = v; break
        case Kind.House: house = v; break
        case Kind.Street: street = v; break
        case Kind.Address:
          if (address === undefined) address = new Array<string | undefined>(addressKeys.length)
          address[s.addr] = v
          break
        case Kind.Phone:
        case Kind.Email:
          telecom += (telecom === '' ? '' : ',') + s.head + str(v) + s.tail
          break
      }
    }
    // No identifier: the id is a hash of the content (or the row is empty, a reject); the object path does that.
    if (idValue === undefined) return undefined

    let json = '{"resourceType":"Patient","id":"' + idFromIdentifier('Patient', idSystem, idValue) + '"'
    if (raceCode || ethnicityCode) {
      json += ',"extension":['
      if (raceCode) json += race(raceCode)
      if (ethnicityCode) json += (raceCode ? ',' : '') + ethnicity(ethnicityCode)
      json += ']'
    }
    json += ',"identifier":[' + identifiers + ']'
    const official = family || given || middle || prefix || suffix
    if (official || maiden) {
      json += ',"name":['
      if (official) {
        json += '{"use":"official"'
        if (family) json += ',"family":' + str(family)
        if (given !== undefined || middle) json += ',"given":[' + (given !== undefined ? str(given) + (middle ? ',' + str(middle) : '') : str(middle!)) + ']'
        if (prefix) json += ',"prefix":[' + str(prefix) + ']'
        if (suffix) json += ',"suffix":[' + str(suffix) + ']'
        json += '}'
      }
      if (maiden) json += (official ? ',' : '') + '{"use":"maiden","family":' + str(maiden) + '}'
      json += ']'
    }
    if (telecom !== '') json += ',"telecom":[' + telecom + ']'
    if (gender) json += ',"gender":' + str(gender)
    if (birthDate) json += ',"birthDate":"' + birthDate + '"'
    if (deceased) json += ',"deceasedDateTime":"' + deceased + '"'

    let lines = ''
    let lineExt = ''
    let nLines = 0
    if (house !== undefined || street !== undefined) {
      lines = str(house !== undefined && street !== undefined ? house + ' ' + street : (house ?? street)!)
      lineExt = '{"extension":[' + (house !== undefined ? houseExt + str(house) + '}' : '') + (house !== undefined && street !== undefined ? ',' : '') + (street !== undefined ? streetExt + str(street) + '}' : '') + ']}'
      nLines = 1
    } else if (line1 !== undefined) {
      lines = str(line1)
      lineExt = 'null'
      nLines = 1
    }
    if (line2 !== undefined) {
      if (nLines === 0) {
        lines = str(line2)
        lineExt = locatorExt + lines + '}]}'
      } else {
        lines += ',' + str(line2)
        lineExt += ',null'
      }
      nLines++
    }
    if (nLines > 0 || address !== undefined) {
      json += ',"address":[{"use":"home"'
      if (nLines > 0) {
        json += ',"line":[' + lines + ']'
        if (lineExt !== 'null' && lineExt !== 'null,null') json += ',"_line":[' + lineExt + ']'
      }
      if (address !== undefined) for (let k = 0; k < address.length; k++) if (address[k] !== undefined) json += addressHeads[k] + str(address[k]!)
      json += '}]'
    }
    if (maritalCode) json += ',"maritalStatus":' + marital(maritalCode)
    return json + '}'
  }

  return {toJson}
}
