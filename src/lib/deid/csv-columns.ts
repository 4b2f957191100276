import {normalizeHeader, recognise} from '../formats/csv/mapping/builtin.js'
import {matchColumns} from '../formats/csv/mapping/patient-mapping.js'
import {type ColumnSpec, type Mapping, type Target} from '../formats/csv/mapping/schema.js'
import {type Category} from './categories.js'
import {type Method, type Preset} from './presets.js'

/** How a CSV column is treated, and why: the mapping said so, its header name did, or nothing did. */
export interface ColumnPlan {
  index: number
  column: string
  category: Category
  method: Method
  /** `mapping generic: identifier`, `header name`, `--keep-column`, `not recognised`. */
  decidedBy: string
  /** Name part, for substitute. */
  part?: 'given' | 'family'
}

export function categoryOfTarget(spec: ColumnSpec): {category: Category; part?: 'given' | 'family'} {
  const t: Target = spec.to
  if (t === 'identifier') {
    const sys = (spec.system ?? '').toLowerCase()
    if (spec.type === 'SS' || spec.type === 'SB' || sys === 'ssn' || sys.includes('us-ssn')) return {category: 'ssn'}
    if (spec.type === 'MR' || sys === 'mrn') return {category: 'mrn'}
    if (spec.type === 'DL' || spec.type === 'PPN') return {category: 'license'}
    return {category: 'otherId'}
  }
  if (t === 'name.given' || t === 'name.middle') return {category: 'name', part: 'given'}
  if (t === 'name.family' || t === 'name.maiden') return {category: 'name', part: 'family'}
  if (t.startsWith('name.')) return {category: 'quasi'} // prefix, suffix: Mr, Dr, Jr
  if (t === 'birthDate') return {category: 'birthDate'}
  if (t === 'deceasedDate') return {category: 'deathDate'}
  if (t === 'address.city') return {category: 'city'}
  if (t === 'address.district') return {category: 'county'}
  if (t === 'address.state' || t === 'address.country') return {category: 'state'}
  if (t === 'address.postalCode') return {category: 'zip'}
  if (t.startsWith('address.')) return {category: 'street'}
  if (t === 'telecom.phone') return {category: 'phone'}
  if (t === 'telecom.email') return {category: 'email'}
  return {category: 'quasi'} // gender, marital status, race, ethnicity
}

const has = (h: string, ...parts: string[]) => parts.some((p) => h.includes(p))

/**
 * A column the mapping does not know, judged by its header name. Identifier-like names win over harmless-looking
 * ones ("phone type" is treated as a phone); a name that says nothing is `unknown`.
 */
export function categoryOfHeader(header: string): Category {
  const h = normalizeHeader(header)
  if (has(h, 'note', 'comment', 'narrative', 'remark', 'description', 'freetext', 'text', 'reason', 'history')) return 'freeText'
  if (has(h, 'fax')) return 'fax'
  if (has(h, 'email', 'mail')) return 'email'
  if (has(h, 'phone', 'tel', 'mobile', 'cell', 'pager')) return 'phone'
  if (has(h, 'ssn', 'socialsecurity', 'socsec')) return 'ssn'
  if (has(h, 'mrn', 'medicalrecord', 'chart')) return 'mrn'
  if (has(h, 'account', 'acct', 'billing', 'invoice')) return 'account'
  if (has(h, 'insurance', 'member', 'policy', 'subscriber', 'medicaid', 'medicare', 'payer', 'plan', 'beneficiary', 'groupnumber')) return 'healthPlan'
  if (has(h, 'licen', 'driver', 'passport', 'certificate', 'dea')) return 'license'
  if (has(h, 'vin', 'vehicle', 'plate')) return 'vehicle'
  if (has(h, 'device', 'serial', 'udi', 'implant')) return 'device'
  if (has(h, 'url', 'website', 'webpage', 'link')) return 'url'
  if (['ip', 'ipaddress', 'ipaddr', 'ipv4', 'ipv6'].includes(h)) return 'ip'
  if (has(h, 'photo', 'image', 'picture', 'face')) return 'photo'
  if (has(h, 'biometric', 'fingerprint', 'voiceprint', 'retina', 'iris')) return 'biometric'
  if (has(h, 'zip', 'postal', 'postcode')) return 'zip'
  if (has(h, 'county', 'fips', 'district')) return 'county'
  if (has(h, 'city', 'town', 'birthplace', 'municipality')) return 'city'
  if (has(h, 'address', 'street', 'addr') || ['lat', 'lon', 'lng', 'latitude', 'longitude', 'geo', 'geolocation', 'coordinates'].includes(h)) return 'street'
  if (['state', 'country', 'province', 'region', 'statecode'].includes(h)) return 'state'
  if (has(h, 'name', 'contact', 'guardian', 'spouse', 'mother', 'father', 'nextofkin', 'relative', 'employer', 'emergency', 'guarantor'))
    return 'name'
  if (['age', 'ageyears', 'ageyrs', 'patientage', 'ageatvisit', 'ageatadmission', 'ageatdeath', 'ageatdiagnosis'].includes(h)) return 'age'
  if (has(h, 'birth', 'dob')) return 'birthDate'
  if (has(h, 'death', 'dod', 'deceased', 'expired')) return 'deathDate'
  if (has(h, 'date', 'time', 'admit', 'discharge', 'dos', 'timestamp') || h.endsWith('dt') || h.endsWith('at')) return 'date'
  if (h === 'id' || h.endsWith('id') || h.endsWith('no') || h.endsWith('number') || h.endsWith('num') || h.endsWith('identifier')) return 'otherId'
  if (has(h, 'gender', 'sex', 'race', 'ethnic', 'marital', 'language', 'religion', 'income', 'expense', 'coverage', 'veteran', 'smok'))
    return 'quasi'
  if (
    has(h, 'diagnos', 'icd', 'cpt', 'hcpcs', 'loinc', 'snomed', 'rxnorm', 'ndc', 'drg', 'procedure', 'code', 'result', 'value', 'unit',
      'status', 'type', 'category', 'class', 'severity', 'weight', 'height', 'bmi', 'systolic', 'diastolic', 'pulse', 'temperature',
      'count', 'amount', 'cost', 'charge', 'lengthofstay', 'los', 'dose', 'medication', 'drug', 'test', 'specialty', 'department', 'encounterclass')
  )
    return 'clinical'
  return 'unknown'
}

export interface CsvPlanOptions {
  mapping?: Mapping
  /** Columns the user vouches are not identifying: kept as they are. */
  keepColumns?: string[]
  /** Columns to treat as free text (scrubbed). */
  scrubColumns?: string[]
}

/**
 * Decide each column's category and method: first by the CSV mapping's roles (so `MRN` or `Patient ID` is known to
 * be an identifier), then by its header name, then by the user's --keep-column / --scrub-column. A column nothing
 * recognises is `unknown`, which every preset redacts: a release cannot keep what it does not understand.
 */
export function planCsvColumns(header: string[], preset: Preset, opts: CsvPlanOptions = {}): {plan: ColumnPlan[]; mapping?: string} {
  const mapping = opts.mapping ?? recognise(header)
  const byIndex = new Map<number, {category: Category; part?: 'given' | 'family'; decidedBy: string}>()
  if (mapping) {
    for (const [spec, idx] of matchColumns(mapping, header).found)
      if (!byIndex.has(idx)) byIndex.set(idx, {...categoryOfTarget(spec), decidedBy: `mapping ${mapping.name}: ${spec.to}`})
  }
  const norm = (s: string) => normalizeHeader(s)
  const keep = new Set((opts.keepColumns ?? []).map(norm))
  const scrub = new Set((opts.scrubColumns ?? []).map(norm))
  const plan = header.map((column, index): ColumnPlan => {
    let d = byIndex.get(index)
    if (keep.has(norm(column))) d = {category: 'quasi', decidedBy: '--keep-column'}
    else if (scrub.has(norm(column))) d = {category: 'freeText', decidedBy: '--scrub-column'}
    else if (!d) {
      const category = categoryOfHeader(column)
      d = {category, decidedBy: category === 'unknown' ? 'not recognised' : 'header name'}
    }
    return {index, column, category: d.category, part: d.part, method: preset.methods[d.category], decidedBy: d.decidedBy}
  })
  return {plan, mapping: mapping?.name}
}
