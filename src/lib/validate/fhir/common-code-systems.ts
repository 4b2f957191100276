import {createRequire} from 'node:module'

/**
 * The code systems behind three of the R4 required value sets that cannot be expanded from the definitions
 * (mimetypes, ucum-units, currencies), checked offline the way HAPI FHIR's validator does
 * (CommonCodeSystemsTerminologyService, HAPI 8.8.0): UCUM expressions by their grammar and unit table, ISO 4217
 * by HAPI's own list, mime types by their syntax (HAPI accepts any string there; see isMimeType).
 */

export const UCUM = 'http://unitsofmeasure.org'
export const ISO_4217 = 'urn:iso:std:iso:4217'
export const BCP13 = 'urn:ietf:bcp:13'
export const UCUM_UNITS_VS = 'http://hl7.org/fhir/ValueSet/ucum-units'
export const CURRENCIES_VS = 'http://hl7.org/fhir/ValueSet/currencies'
export const MIMETYPES_VS = 'http://hl7.org/fhir/ValueSet/mimetypes'

/**
 * ISO 4217 as HAPI FHIR 8.8.0 knows it (CommonCodeSystemsTerminologyService.ISO_4217_CODES, read by reflection):
 * 182 codes, case-sensitive. It keeps some withdrawn codes (HRK, SLL, VEF, CUC) and lacks some newer ones (SLE,
 * VES, VED, ZWG, XCG, UYW) that Node's Intl.supportedValuesOf('currency') has; HAPI's verdicts are the reference.
 */
const HAPI_ISO_4217 = new Set(
  ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF ' +
    'CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GGP GHS GIP ' +
    'GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS IMP INR IQD IRR ISK JEP JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD ' +
    'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD ' +
    'OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLL SOS SRD SSP STN SVC SYP SZL ' +
    'THB TJS TMT TND TOP TRY TTD TVD TWD TZS UAH UGX USD USN UYI UYU UZS VEF VND VUV WST XAF XAG XAU XBA XBB XBC XBD ' +
    'XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWL').split(' '),
)

/** Is this an ISO 4217 currency code HAPI accepts? */
export const isCurrency = (code: string): boolean => HAPI_ISO_4217.has(code)

// RFC 6838 restricted-name (type and subtype) and RFC 2045 parameters (attribute=token or quoted-string).
const NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"'
const MIME = new RegExp(`^${NAME}/${NAME}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`)

/**
 * A media type per RFC 6838 / RFC 2045: `type/subtype`, then optional `; attribute=value` parameters
 * (`text/plain; charset=UTF-8`). HAPI 8.8.0 accepts any string for urn:ietf:bcp:13 ("a pretty naive
 * implementation"), so him reports a malformed one as a warning, not an error.
 */
export const isMimeType = (code: string): boolean => MIME.test(code)

/** CapabilityStatement.format also takes the FHIR shorthands (R4: "xml, json and ttl are allowed"). */
export const FHIR_FORMAT_SHORTHANDS = new Set(['xml', 'json', 'ttl'])

interface UcumLhc {
  UcumLhcUtils: {getInstance(): {validateUnitString(unit: string, suggest?: boolean): {status: string}}}
  UnitTables: {getInstance(): {unitCodes_: Record<string, unknown>; getUnitByCode(code: string): {source_: string | null; isBase_: boolean; isMetric_: boolean} | null}}
}

let ucum: {validate: (unit: string) => boolean; atoms: Map<string, boolean>} | undefined

/** NLM's ucum-lhc, loaded on the first UCUM code (about 70 ms): its validator and the UCUM atoms (code -> metric). */
function ucumLibrary() {
  if (ucum) return ucum
  const lib = createRequire(import.meta.url)('@lhncbc/ucum-lhc') as UcumLhc
  const utils = lib.UcumLhcUtils.getInstance()
  const tables = lib.UnitTables.getInstance()
  // The table also holds LOINC's common compound units (kg/m2, kcal/d); the atoms are those from UCUM itself.
  const atoms = new Map<string, boolean>()
  for (const code of Object.keys(tables.unitCodes_)) {
    const u = tables.getUnitByCode(code)
    if (u?.source_ === 'UCUM') atoms.set(code, u.isBase_ || u.isMetric_)
  }
  ucum = {validate: (unit) => utils.validateUnitString(unit, false).status === 'valid', atoms}
  return ucum
}

const PREFIXES = ['Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'k', 'h', 'da', 'd', 'c', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y', 'Ki', 'Mi', 'Gi', 'Ti']

/**
 * UCUM allows prefixes on metric units only (kg, mL, but no kmin or mh); ucum-lhc accepts any prefix, the UCUM
 * Java library HAPI uses does not. Checks each simple unit of an expression ucum-lhc found valid.
 */
function prefixesOnMetricOnly(unit: string, atoms: Map<string, boolean>): boolean {
  const symbols = unit.replace(/\{[^}]*\}/g, '').match(/(?:[^./()[\]]|\[[^\]]*\])+/g) ?? []
  for (const sym of symbols) {
    if (/^\d+$/.test(sym)) continue // a factor
    const simple = atoms.has(sym) ? sym : sym.replace(/[+-]?\d+$/, '') // drop the exponent (m2, s-1, 10*3)
    if (simple === '' || atoms.has(simple)) continue
    const readings = PREFIXES.filter((p) => simple.startsWith(p) && atoms.has(simple.slice(p.length)))
    if (readings.length > 0 && !readings.some((p) => atoms.get(simple.slice(p.length)))) return false
  }
  return true
}

/** Verdicts on the units seen so far: a file uses a handful of units many times (about 5 us a check, 0.1 us cached). */
const ucumVerdicts = new Map<string, boolean>()

/** Is this a valid UCUM unit expression (case-sensitive codes, known units, prefixes on metric units only)? */
export function isUcumUnit(unit: string): boolean {
  let ok = ucumVerdicts.get(unit)
  if (ok !== undefined) return ok
  const lib = ucumLibrary()
  ok = lib.validate(unit) && prefixesOnMetricOnly(unit, lib.atoms)
  if (ucumVerdicts.size >= 10_000) ucumVerdicts.clear()
  ucumVerdicts.set(unit, ok)
  return ok
}

/** The check for a code of a code system him knows by rule rather than by list; undefined for other systems. */
export function commonSystemCheck(system: string): ((code: string) => boolean) | undefined {
  if (system === UCUM) return isUcumUnit
  if (system === ISO_4217) return isCurrency
  return undefined
}
