/**
 * Standardize a Patient for matching: the same spelling for the same fact, placeholders as missing.
 * Pure: no I/O. Every value here is PHI; nothing in this module logs.
 */
import {type Patient} from '../formats/csv/mapping/patient-mapping.js'

/** One patient, standardized for comparison. A field that is absent is missing (unknown), never "". */
export interface StdRecord {
  given?: string
  middle?: string
  family?: string
  /** Parts of a hyphenated or multi-part family name ("garcia lopez" -> garcia, lopez). */
  familyParts: string[]
  suffix?: string
  /** YYYY-MM-DD, a real calendar date. */
  dob?: string
  sex?: string
  ssn?: string
  phone?: string
  email?: string
  houseNumber?: string
  street?: string
  locality?: string
  city?: string
  state?: string
  zip?: string
}

const PLACEHOLDER_NAMES = new Set([
  'baby', 'babyboy', 'babygirl', 'boy', 'girl', 'infant', 'newborn', 'unknown', 'unk', 'test', 'patient', 'none',
  'na', 'nn', 'xxx', 'xx', 'x', 'noname', 'fnu', 'lnu', 'anonymous', 'trauma',
])
const SUFFIXES = new Map([
  ['jr', 'JR'], ['junior', 'JR'], ['sr', 'SR'], ['senior', 'SR'], ['ii', 'II'], ['2nd', 'II'], ['iii', 'III'], ['3rd', 'III'], ['iv', 'IV'],
])
const PLACEHOLDER_DATES = new Set(['1900-01-01', '1800-01-01', '1901-01-01', '0001-01-01', '9999-12-31', '2099-12-31'])

/** Lower case, no diacritics, apostrophes dropped, other punctuation as space, single spaces. */
export function foldText(s: string | undefined): string {
  if (!s) return ''
  // Most values are plain ASCII: skip the Unicode work.
  if (/^[a-z0-9 ]*$/.test(s)) return s.includes('  ') || s.startsWith(' ') || s.endsWith(' ') ? s.replace(/ +/g, ' ').trim() : s
  if (/^[\x20-\x7e]*$/.test(s)) return s.toLowerCase().replace(/['`]/g, '').replace(/[^a-z0-9]+/g, ' ').trim()
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/æ/gi, 'ae')
    .replace(/ø/gi, 'o')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

/** A name as one token string; undefined when it is empty or a placeholder (BABY, UNKNOWN, ...). */
export function standardizeName(s: string | undefined): string | undefined {
  const f = foldText(s)
  if (!f) return undefined
  // One word (most names): the checks below, without splitting and joining.
  if (!f.includes(' ')) return SUFFIXES.has(f) || PLACEHOLDER_NAMES.has(f) || /^\d+$/.test(f) ? undefined : f
  const tokens = f.split(' ').filter((t) => !SUFFIXES.has(t))
  if (tokens.length === 0) return undefined
  if (tokens.every((t) => PLACEHOLDER_NAMES.has(t))) return undefined
  if (/^\d+$/.test(tokens.join(''))) return undefined
  return tokens.join(' ')
}

const FAMILY_PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'da', 'di', 'le', 'la', 'du', 'st', 'mac', 'mc', 'o', 'bin', 'ibn', 'al', 'el'])

/** A family name: its standardized form and its parts (hyphenated, double-barrelled, "van der" prefixes kept joined). */
export function standardizeFamily(s: string | undefined): {family?: string; parts: string[]} {
  const family = standardizeName(s)
  if (!family) return {parts: []}
  if (!family.includes(' ')) return {family, parts: [family]}
  const tokens = family.split(' ')
  const parts: string[] = []
  let pending = ''
  for (const t of tokens) {
    if (FAMILY_PARTICLES.has(t)) pending += t
    else {
      parts.push(pending + t)
      pending = ''
    }
  }
  if (pending) parts.push(pending)
  return {family: parts.join(' '), parts}
}

/** The name suffix (JR, SR, II, III, IV) from a suffix field or from the end of a name. */
export function nameSuffix(...values: Array<string | undefined>): string | undefined {
  for (const v of values) {
    const f = foldText(v)
    if (!f.includes(' ')) {
      const s = SUFFIXES.get(f)
      if (s) return s
      continue
    }
    for (const t of f.split(' ').reverse()) {
      const s = SUFFIXES.get(t)
      if (s) return s
    }
  }
  return undefined
}

function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1000) return false
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return d <= dim
}

/**
 * A date as YYYY-MM-DD: from YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY or M/D/YYYY. Not a real date, a placeholder
 * (1900-01-01) or after `today` -> undefined (missing).
 */
const TODAY = new Date().toISOString().slice(0, 10)

export function standardizeDate(s: string | undefined, today?: Date): string | undefined {
  if (!s) return undefined
  const t = s.trim()
  let y: number, m: number, d: number
  let mt: RegExpMatchArray | null
  if ((mt = t.match(/^(\d{4})-(\d{2})-(\d{2})/))) [y, m, d] = [Number(mt[1]), Number(mt[2]), Number(mt[3])]
  else if ((mt = t.match(/^(\d{4})(\d{2})(\d{2})$/))) [y, m, d] = [Number(mt[1]), Number(mt[2]), Number(mt[3])]
  else if ((mt = t.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/))) [y, m, d] = [Number(mt[3]), Number(mt[1]), Number(mt[2])]
  else return undefined
  if (!realDate(y, m, d)) return undefined
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
  if (PLACEHOLDER_DATES.has(iso)) return undefined
  if (iso > (today ? today.toISOString().slice(0, 10) : TODAY)) return undefined
  return iso
}

/** Digits only; a leading US country code dropped; too short or one repeated digit -> missing. */
export function standardizePhone(s: string | undefined): string | undefined {
  if (!s) return undefined
  let d = s.replace(/[^0-9]/g, '')
  if (d.length === 11 && d.startsWith('1')) d = d.slice(1)
  if (d.length < 7) return undefined
  if (/^(\d)\1+$/.test(d) || d === '1234567890' || /^\d{3}5550100$/.test(d) || d === '5555555555') return undefined
  return d
}

/** Digits only; placeholders (999-99-9999, 000-00-0000, 123-45-6789, one repeated digit) -> missing. */
export function standardizeSsn(s: string | undefined): string | undefined {
  if (!s) return undefined
  const d = s.replace(/[^0-9]/g, '')
  if (d.length < 4) return undefined
  if (/^(\d)\1+$/.test(d) || d === '123456789' || d === '987654321') return undefined
  return d
}

export function standardizeEmail(s: string | undefined): string | undefined {
  if (!s) return undefined
  const e = s.trim().toLowerCase()
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) return undefined
  if (/^(none|no|noemail|unknown|na|test)@/.test(e)) return undefined
  return e
}

const ADDRESS_WORDS = new Map<string, string>(Object.entries({
  street: 'st', str: 'st', avenue: 'ave', av: 'ave', road: 'rd', drive: 'dr', drv: 'dr', boulevard: 'blvd', lane: 'ln',
  court: 'ct', place: 'pl', crescent: 'cres', terrace: 'tce', circuit: 'cct', parade: 'pde', highway: 'hwy',
  close: 'cl', grove: 'gr', square: 'sq', parkway: 'pkwy', circle: 'cir', way: 'wy', trail: 'trl', apartment: 'apt',
  suite: 'ste', unit: 'unit', north: 'n', south: 's', east: 'e', west: 'w', northeast: 'ne', northwest: 'nw',
  southeast: 'se', southwest: 'sw', mount: 'mt', saint: 'st', floor: 'fl', building: 'bldg', center: 'ctr',
  centre: 'ctr', heights: 'hts', point: 'pt', expressway: 'expy', freeway: 'fwy', mountain: 'mtn',
}))

/** Street text folded, with the usual words abbreviated (street -> st, avenue -> ave, north -> n). */
export function standardizeStreet(s: string | undefined): string | undefined {
  const f = foldText(s)
  if (!f || f === 'unknown' || f === 'none' || f === 'homeless') return undefined
  return f
    .split(' ')
    .map((w) => ADDRESS_WORDS.get(w) ?? w)
    .join(' ')
}

/** US ZIP+4 -> ZIP5; other postcodes as their digits/letters; all-zero or all-nine -> missing. */
export function standardizeZip(s: string | undefined): string | undefined {
  if (!s) return undefined
  const t = s.trim().toLowerCase().replace(/\s+/g, '')
  if (!t) return undefined
  const m = t.match(/^(\d{5})-?\d{4}$/)
  const z = m ? m[1] : t.replace(/[^a-z0-9]/g, '')
  if (!z || /^0+$/.test(z) || /^9+$/.test(z)) return undefined
  return z.length > 5 && /^\d+$/.test(z) ? z.slice(0, 5) : z
}

const HOUSE_NUMBER_URL = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber'
const STREET_NAME_URL = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName'

/* eslint-disable @typescript-eslint/no-explicit-any */
function officialName(p: Patient): any {
  const names: any[] = Array.isArray(p.name) ? p.name : []
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'maiden' && n.use !== 'old') ?? names[0]
}

function identifierOfType(p: Patient, test: (id: any) => boolean): string | undefined {
  const ids: any[] = Array.isArray(p.identifier) ? p.identifier : []
  return ids.find(test)?.value
}

export const isSsnIdentifier = (id: any): boolean =>
  id?.system === 'http://hl7.org/fhir/sid/us-ssn' ||
  (id?.type?.coding ?? []).some((c: any) => c.code === 'SS' || c.code === 'SB')

/** A Patient standardized for matching. `ignore` names fields to leave out (e.g. ssn, for a run without it). */
export function standardizePatient(p: Patient, ignore: ReadonlySet<string> = new Set()): StdRecord {
  const n = officialName(p) ?? {}
  const given: string[] = Array.isArray(n.given) ? n.given : []
  const {family, parts} = standardizeFamily(n.family)
  const telecom: any[] = Array.isArray(p.telecom) ? p.telecom : []
  const addresses: any[] = Array.isArray(p.address) ? p.address : []
  const a = addresses.find((x) => x.use === 'home') ?? addresses.find((x) => x.use !== 'old') ?? addresses[0] ?? {}
  const lines: string[] = Array.isArray(a.line) ? a.line : []
  const lineExt: any[] = Array.isArray(a._line) ? a._line : []
  const ext0: any[] = lineExt[0]?.extension ?? []
  let house: string | undefined = ext0.find((e) => e.url === HOUSE_NUMBER_URL)?.valueString
  let street: string | undefined = ext0.find((e) => e.url === STREET_NAME_URL)?.valueString
  if (house === undefined && street === undefined && lines[0]) {
    const m = String(lines[0]).trim().match(/^(\d+[a-z]?(?:[-/]\d+)?)\s+(.*)$/i)
    if (m) [house, street] = [m[1], m[2]]
    else street = lines[0]
  }
  const sexMap: Record<string, string> = {male: 'm', female: 'f', other: 'o'}
  const r: StdRecord = {
    given: standardizeName(given[0]),
    middle: standardizeName(given[1]),
    family,
    familyParts: parts,
    suffix: nameSuffix(...(Array.isArray(n.suffix) ? n.suffix : []), given[0], n.family),
    dob: standardizeDate(p.birthDate),
    sex: sexMap[p.gender as string],
    ssn: standardizeSsn(identifierOfType(p, isSsnIdentifier)),
    phone: standardizePhone(telecom.find((t) => t.system === 'phone')?.value),
    email: standardizeEmail(telecom.find((t) => t.system === 'email')?.value),
    houseNumber: foldText(house).replace(/ /g, '') || undefined,
    street: standardizeStreet(street),
    locality: standardizeStreet(lines[1]),
    city: standardizeName(a.city),
    state: foldText(a.state) || undefined,
    zip: standardizeZip(a.postalCode),
  }
  if (r.family === 'doe' && (r.given === 'john' || r.given === 'jane')) {
    r.given = undefined
    r.family = undefined
    r.familyParts = []
  }
  return withoutFields(r, ignore)
}

/** A standardized record with some fields left out (e.g. ssn, for a run without it). */
export function withoutFields(r: StdRecord, ignore: ReadonlySet<string>): StdRecord {
  if (ignore.size === 0) return r
  const out: any = {...r}
  for (const f of ignore) {
    if (f === 'familyParts') continue
    out[f] = undefined
    if (f === 'family') out.familyParts = []
  }
  return out
}
