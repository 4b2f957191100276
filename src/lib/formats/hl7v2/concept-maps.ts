/**
 * HL7 v2 table codes -> the FHIR R4 code systems their elements are bound to, after the HL7 v2-to-FHIR IG concept
 * maps: table 0296 (human language) -> BCP-47, table 0002 (marital status) -> v3 MaritalStatus, table 0023 (admit
 * source) kept in v2-0023 only when the table has the code. A code that does not map is never put into a system
 * that lacks it: it is kept as text (languages, whose element allows BCP-47 codes only) or as a coding without a
 * system, so the value sent is not lost.
 */
import {codingSystem, type Json} from './datatypes.js'
import {type Hl7Value} from './message.js'

export const BCP47 = 'urn:ietf:bcp:47'
export const V3_MARITAL_STATUS = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus'
export const V2_0002 = 'http://terminology.hl7.org/CodeSystem/v2-0002'
export const V2_0023 = 'http://terminology.hl7.org/CodeSystem/v2-0023'
const V3_NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor'

/**
 * ISO 639-2 (bibliographic and terminology codes) -> the BCP-47 primary language subtag (ISO 639-1 where it has
 * one, as BCP-47 requires the shortest code). Table 0296 is ISO 639 by reference; these are the languages seen in
 * US and European patient registration. Codes with no ISO 639-1 form are BCP-47 tags as they are (haw, hmn, chr).
 */
const ISO639_2_TO_BCP47: Record<string, string> = {
  ara: 'ar', ben: 'bn', bos: 'bs', bul: 'bg', cat: 'ca', ces: 'cs', cze: 'cs', chi: 'zh', zho: 'zh', cym: 'cy',
  wel: 'cy', dan: 'da', deu: 'de', ger: 'de', ell: 'el', gre: 'el', eng: 'en', est: 'et', eus: 'eu', baq: 'eu',
  fas: 'fa', per: 'fa', fin: 'fi', fra: 'fr', fre: 'fr', gle: 'ga', guj: 'gu', hat: 'ht', heb: 'he', hin: 'hi',
  hrv: 'hr', hun: 'hu', hye: 'hy', arm: 'hy', ind: 'id', isl: 'is', ice: 'is', ita: 'it', jpn: 'ja', kat: 'ka',
  geo: 'ka', khm: 'km', kor: 'ko', kur: 'ku', lao: 'lo', lav: 'lv', lit: 'lt', mal: 'ml', mar: 'mr', mkd: 'mk',
  mac: 'mk', msa: 'ms', may: 'ms', mya: 'my', bur: 'my', nep: 'ne', nld: 'nl', dut: 'nl', nor: 'no', nav: 'nv',
  pan: 'pa', pol: 'pl', por: 'pt', pus: 'ps', ron: 'ro', rum: 'ro', rus: 'ru', slk: 'sk', slo: 'sk', slv: 'sl',
  som: 'so', spa: 'es', sqi: 'sq', alb: 'sq', srp: 'sr', swa: 'sw', swe: 'sv', tam: 'ta', tel: 'te', tgl: 'tl',
  tha: 'th', tir: 'ti', tur: 'tr', ukr: 'uk', urd: 'ur', vie: 'vi', yid: 'yi', yor: 'yo', amh: 'am', aze: 'az',
  bel: 'be', kaz: 'kk', mon: 'mn', sin: 'si', uzb: 'uz', ibo: 'ig', hau: 'ha', zul: 'zu', xho: 'xh', sgn: 'sgn',
  haw: 'haw', hmn: 'hmn', chr: 'chr', yue: 'yue', cmn: 'cmn', ase: 'ase', fil: 'fil', smo: 'sm', ton: 'to',
}
const BCP47_PRIMARY = new Set(Object.values(ISO639_2_TO_BCP47))
const BCP47_TO_ISO639_2 = new Map<string, string>()
for (const [iso, tag] of Object.entries(ISO639_2_TO_BCP47)) if (!BCP47_TO_ISO639_2.has(tag)) BCP47_TO_ISO639_2.set(tag, iso)
/** Terminology (T) codes win over bibliographic (B) ones when writing back: ISO 639-3 uses them. */
for (const t of ['ces', 'zho', 'cym', 'deu', 'ell', 'eus', 'fas', 'fra', 'hye', 'isl', 'kat', 'mkd', 'msa', 'mya', 'nld', 'ron', 'slk', 'sqi'])
  BCP47_TO_ISO639_2.set(ISO639_2_TO_BCP47[t], t)
const BCP47_TAG = /^([a-zA-Z]{2,3})((-[a-zA-Z0-9]{1,8})*)$/

/** A language code as sent (ISO 639-1, 639-2 B/T, or a BCP-47 tag such as en-US) -> a BCP-47 tag, else undefined. */
export function languageToBcp47(code: string): string | undefined {
  const m = BCP47_TAG.exec(code.trim())
  if (!m) return undefined
  const primary = m[1].toLowerCase()
  const tag = ISO639_2_TO_BCP47[primary] ?? (BCP47_PRIMARY.has(primary) ? primary : undefined)
  if (!tag) return undefined
  const rest = m[2].split('-').filter(Boolean).map((s) => (s.length === 2 ? s.toUpperCase() : s.length === 4 ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s))
  return [tag, ...rest].join('-')
}

/** A BCP-47 tag -> the table 0296 (ISO 639-2) code for writing v2 back; the tag itself when there is none. */
export function bcp47ToLanguage(tag: string): string {
  return BCP47_TO_ISO639_2.get(tag.split('-')[0].toLowerCase()) ?? tag
}

/** Coding systems whose codes are language codes (CWE.3 of PID-15), or none named. */
const LANGUAGE_SYSTEMS = new Set(['', 'HL70296', 'ISO639', 'ISO639-1', 'ISO639-2', 'ISO 639', 'ISO+', 'IETF', 'BCP47', BCP47])

/**
 * PID-15 (CWE, table 0296) -> Patient.communication.language: every identifier triplet that names a language
 * becomes a BCP-47 coding; codes that do not (and the CWE.9 text) stay in text.
 */
export function languageToCodeableConcept(v: Hl7Value): Json | undefined {
  const coding: Json[] = []
  const unmapped: string[] = []
  for (const [c, d, s] of [[1, 2, 3], [4, 5, 6], [10, 11, 12]]) {
    const code = v.get(c)
    const display = v.get(d)
    if (!code) continue
    const tag = LANGUAGE_SYSTEMS.has(v.get(s).toUpperCase()) || LANGUAGE_SYSTEMS.has(v.get(s)) ? languageToBcp47(code) : undefined
    if (!tag) unmapped.push(display || code)
    else if (!coding.some((x) => x.code === tag)) coding.push({system: BCP47, code: tag, ...(display && {display})})
  }
  const text = v.get(9) || unmapped[0] || (coding.length === 0 ? v.get(2) : '')
  if (!coding.length && !text) return undefined
  return {...(coding.length && {coding}), ...(text && {text})}
}

/** Table 0002 -> v3 MaritalStatus (or v3 NullFlavor), per the IG's ConceptMap; C (common law) has no R4 code. */
const MARITAL_0002_TO_V3: Record<string, [string, string, string]> = {
  A: [V3_MARITAL_STATUS, 'L', 'Legally Separated'], B: [V3_MARITAL_STATUS, 'U', 'unmarried'], D: [V3_MARITAL_STATUS, 'D', 'Divorced'],
  E: [V3_MARITAL_STATUS, 'L', 'Legally Separated'], G: [V3_MARITAL_STATUS, 'T', 'Domestic partner'], I: [V3_MARITAL_STATUS, 'I', 'Interlocutory'],
  M: [V3_MARITAL_STATUS, 'M', 'Married'], N: [V3_MARITAL_STATUS, 'A', 'Annulled'], P: [V3_MARITAL_STATUS, 'T', 'Domestic partner'],
  R: [V3_MARITAL_STATUS, 'T', 'Domestic partner'], S: [V3_MARITAL_STATUS, 'S', 'Never Married'], W: [V3_MARITAL_STATUS, 'W', 'Widowed'],
  U: [V3_NULL_FLAVOR, 'UNK', 'unknown'], O: [V3_NULL_FLAVOR, 'OTH', 'other'], T: [V3_NULL_FLAVOR, 'UNK', 'unknown'],
}
const TABLE_0002 = new Set(['A', 'B', 'C', 'D', 'E', 'G', 'I', 'M', 'N', 'O', 'P', 'R', 'S', 'T', 'U', 'W'])
/** v3 -> table 0002 for writing v2 back when only the v3 coding is at hand. */
const MARITAL_V3_TO_0002: Record<string, string> = {A: 'N', D: 'D', I: 'I', L: 'E', M: 'M', S: 'S', T: 'P', U: 'B', W: 'W', UNK: 'U', OTH: 'O'}

/**
 * PID-16 (CWE, table 0002) -> Patient.maritalStatus: the mapped v3 coding first, then the v2-0002 coding as sent.
 * A code that table 0002 does not have becomes a coding without a system; a code from another named system keeps it.
 */
export function maritalStatusToCodeableConcept(v: Hl7Value): Json | undefined {
  const code = v.get(1)
  if (!code) return undefined
  const display = v.get(2)
  const named = v.get(3)
  const text = v.get(9)
  const coding: Json[] = []
  if (named && named.toUpperCase() !== 'HL70002') {
    const system = codingSystem(named)
    coding.push({...(system && {system}), code, ...(display && {display})})
  } else if (TABLE_0002.has(code.toUpperCase())) {
    const up = code.toUpperCase()
    const mapped = MARITAL_0002_TO_V3[up]
    if (mapped) coding.push({system: mapped[0], code: mapped[1], display: mapped[2]})
    coding.push({system: V2_0002, code: up, ...(display && {display})})
  } else coding.push({code, ...(display && {display})})
  return {coding, ...(text && {text})}
}

/** Patient.maritalStatus -> PID-16 components: the v2-0002 coding, else the v3 one mapped back, else the code alone. */
export function maritalStatusToCwe(cc: Json | undefined): string[] | undefined {
  const codings: Json[] = cc?.coding ?? []
  const v2 = codings.find((c) => c.system === V2_0002 && c.code)
  if (v2) return [v2.code, v2.display ?? '', 'HL70002']
  for (const c of codings) {
    const back = (c.system === V3_MARITAL_STATUS || c.system === V3_NULL_FLAVOR) && MARITAL_V3_TO_0002[c.code]
    if (back) return [back, c.display ?? '', 'HL70002']
  }
  const first = codings.find((c) => c.code)
  return first ? [first.code, first.display ?? ''] : undefined
}

const TABLE_0023 = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9'])

/** PV1-14 (table 0023) -> Encounter.hospitalization.admitSource: v2-0023 when the table has the code, else no system. */
export function admitSourceToCodeableConcept(code: string): Json | undefined {
  if (!code) return undefined
  return {coding: [TABLE_0023.has(code) ? {system: V2_0023, code} : {code}]}
}
