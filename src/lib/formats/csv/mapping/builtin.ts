import {HimError} from '../../../cli/errors.js'
import {ExitCode} from '../../../cli/exit-codes.js'
import {type ColumnSpec, type Mapping} from './schema.js'

/** Header names compared without case, spaces or punctuation. */
export const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '')

const US_DATES = ['MM/DD/YYYY', 'YYYY-MM-DD', 'M/D/YYYY', 'MM-DD-YYYY', 'YYYYMMDD']
const SEX_CODES = {M: 'male', F: 'female', U: 'unknown', O: 'other', Male: 'male', Female: 'female', Unknown: 'unknown', Other: 'other', X: 'other'}

/** The generic hospital export: each role with the header names it is known by. */
const GENERIC_ROLES: Array<{names: string[]; spec: Omit<ColumnSpec, 'column'>}> = [
  {names: ['mrn', 'medicalrecordnumber', 'patientid', 'patientmrn', 'mrnumber', 'chartnumber', 'medrecno'], spec: {to: 'identifier', system: 'mrn', type: 'MR'}},
  {names: ['prefix', 'title', 'nameprefix'], spec: {to: 'name.prefix'}},
  {names: ['firstname', 'first', 'givenname', 'fname', 'patientfirstname'], spec: {to: 'name.given'}},
  {names: ['middlename', 'middle', 'middleinitial', 'mi', 'mname'], spec: {to: 'name.middle'}},
  {names: ['lastname', 'last', 'surname', 'familyname', 'lname', 'patientlastname'], spec: {to: 'name.family'}},
  {names: ['suffix', 'namesuffix'], spec: {to: 'name.suffix'}},
  {names: ['dob', 'dateofbirth', 'birthdate', 'birthdt', 'bday'], spec: {to: 'birthDate', dateFormats: US_DATES}},
  {names: ['sex', 'gender', 'administrativesex'], spec: {to: 'gender', codes: SEX_CODES}},
  {names: ['ssn', 'socialsecuritynumber', 'socsecno', 'ss'], spec: {to: 'identifier', system: 'ssn', type: 'SS'}},
  {names: ['address', 'street', 'address1', 'addressline1', 'streetaddress', 'street1'], spec: {to: 'address.line'}},
  {names: ['address2', 'addressline2', 'street2', 'apt', 'unit'], spec: {to: 'address.line2'}},
  {names: ['city', 'town'], spec: {to: 'address.city'}},
  {names: ['state', 'st', 'province'], spec: {to: 'address.state'}},
  {names: ['zip', 'zipcode', 'postalcode', 'zip5', 'postcode'], spec: {to: 'address.postalCode'}},
  {names: ['phone', 'homephone', 'phonenumber', 'telephone', 'phonehome'], spec: {to: 'telecom.phone', use: 'home'}},
  {names: ['mobile', 'cellphone', 'mobilephone', 'cell', 'phonemobile'], spec: {to: 'telecom.phone', use: 'mobile'}},
  {names: ['workphone', 'phonework', 'businessphone'], spec: {to: 'telecom.phone', use: 'work'}},
  {names: ['email', 'emailaddress', 'mail'], spec: {to: 'telecom.email'}},
  {names: ['dod', 'dateofdeath', 'deathdate', 'deceaseddate'], spec: {to: 'deceasedDate', dateFormats: US_DATES}},
]

export const SYNTHEA: Mapping = {
  name: 'synthea',
  description: "Synthea's patients.csv (CSV exporter); columns not listed here are not carried into FHIR.",
  columns: [
    {column: 'Id', to: 'identifier', system: 'https://github.com/synthetichealth/synthea'},
    {column: 'BIRTHDATE', to: 'birthDate', dateFormats: ['YYYY-MM-DD']},
    {column: 'DEATHDATE', to: 'deceasedDate', dateFormats: ['YYYY-MM-DD']},
    {column: 'SSN', to: 'identifier', system: 'ssn', type: 'SS'},
    {column: 'DRIVERS', to: 'identifier', system: 'urn:oid:2.16.840.1.113883.4.3.25', type: 'DL'},
    {column: 'PASSPORT', to: 'identifier', system: 'http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber', type: 'PPN'},
    {column: 'PREFIX', to: 'name.prefix'},
    {column: 'FIRST', to: 'name.given'},
    {column: 'MIDDLE', to: 'name.middle'},
    {column: 'LAST', to: 'name.family'},
    {column: 'SUFFIX', to: 'name.suffix'},
    {column: 'MAIDEN', to: 'name.maiden'},
    {column: 'MARITAL', to: 'maritalStatus', codes: {M: 'M', S: 'S', D: 'D', W: 'W', N: 'U'}},
    {column: 'RACE', to: 'race', codes: {white: '2106-3', black: '2054-5', asian: '2028-9', native: '1002-5', hawaiian: '2076-8', other: '2131-1'}},
    {column: 'ETHNICITY', to: 'ethnicity', codes: {hispanic: '2135-2', nonhispanic: '2186-5'}},
    {column: 'GENDER', to: 'gender', codes: {M: 'male', F: 'female'}},
    {column: 'ADDRESS', to: 'address.line'},
    {column: 'CITY', to: 'address.city'},
    {column: 'STATE', to: 'address.state'},
    {column: 'COUNTY', to: 'address.district'},
    {column: 'ZIP', to: 'address.postalCode'},
  ],
}

export const FEBRL: Mapping = {
  name: 'febrl',
  description: 'FEBRL record-linkage benchmark files (rec_id, given_name, surname, ..., soc_sec_id).',
  columns: [
    {column: 'rec_id', to: 'identifier', system: 'urn:febrl:rec_id', type: 'MR'},
    {column: 'given_name', to: 'name.given'},
    {column: 'surname', to: 'name.family'},
    {column: 'street_number', to: 'address.houseNumber'},
    {column: 'address_1', to: 'address.streetName'},
    {column: 'address_2', to: 'address.line2'},
    {column: 'suburb', to: 'address.city'},
    {column: 'postcode', to: 'address.postalCode'},
    {column: 'state', to: 'address.state'},
    {column: 'date_of_birth', to: 'birthDate', dateFormats: ['YYYYMMDD']},
    {column: 'soc_sec_id', to: 'identifier', system: 'urn:febrl:soc_sec_id', type: 'SB'},
  ],
}

/** The generic mapping as a file: one column per role, under the first header name it is known by. */
export function genericTemplate(): Mapping {
  return {
    name: 'generic',
    description: 'A generic hospital patient export. Header names are matched without case or punctuation.',
    columns: GENERIC_ROLES.map((r) => ({column: canonicalGenericName(r.names[0]), ...r.spec})),
  }
}

function canonicalGenericName(n: string): string {
  const names: Record<string, string> = {
    mrn: 'MRN', prefix: 'Prefix', firstname: 'First Name', middlename: 'Middle Name', lastname: 'Last Name', suffix: 'Suffix',
    dob: 'DOB', sex: 'Sex', ssn: 'SSN', address: 'Address', address2: 'Address 2', city: 'City', state: 'State', zip: 'ZIP',
    phone: 'Phone', mobile: 'Mobile', workphone: 'Work Phone', email: 'Email', dod: 'Date of Death',
  }
  return names[n] ?? n
}

/** The generic mapping fitted to a header: each recognised column mapped, under its own name. */
export function genericFor(header: string[]): Mapping | undefined {
  const columns: ColumnSpec[] = []
  const used = new Set<number>()
  for (const role of GENERIC_ROLES) {
    const idx = header.findIndex((h, i) => !used.has(i) && role.names.includes(normalizeHeader(h)))
    if (idx === -1) continue
    used.add(idx)
    columns.push({column: header[idx], ...role.spec})
  }
  const hasName = columns.some((c) => c.to === 'name.family' || c.to === 'name.given')
  const hasId = columns.some((c) => c.to === 'identifier')
  if (!hasName && !hasId) return undefined
  if (columns.length < 2) return undefined
  return {name: 'generic', description: genericTemplate().description, columns}
}

function fitsBuiltin(m: Mapping, header: string[], needed: string[]): boolean {
  const have = new Set(header.map(normalizeHeader))
  return needed.every((n) => have.has(normalizeHeader(n))) && m.columns.length > 0
}

export const BUILTIN_NAMES = ['generic', 'synthea', 'febrl'] as const

/** Recognise a header as one of the built-in layouts. */
export function recognise(header: string[]): Mapping | undefined {
  if (fitsBuiltin(SYNTHEA, header, ['Id', 'BIRTHDATE', 'FIRST', 'LAST', 'GENDER'])) return SYNTHEA
  if (fitsBuiltin(FEBRL, header, ['rec_id', 'given_name', 'surname', 'date_of_birth'])) return FEBRL
  return genericFor(header)
}

export function builtin(name: string): Mapping | undefined {
  if (name === 'synthea') return SYNTHEA
  if (name === 'febrl') return FEBRL
  if (name === 'generic') return genericTemplate()
  return undefined
}

/**
 * The mapping for a CSV file's header: the one given, else the built-in layout the header is recognised as; a file
 * of no known layout is an error that says how to write a mapping.
 */
export function mappingForHeader(file: string, header: string[], given?: Mapping): Mapping {
  const mapping = given ?? recognise(header)
  if (mapping) return mapping
  throw new HimError(`${file}:line 1: the columns are not a layout him knows (generic hospital export, Synthea, FEBRL)`, {
    code: 'CSV_UNKNOWN_LAYOUT',
    exit: ExitCode.DATA,
    suggestion: `write a mapping: him convert ${file} --print-mapping > mapping.yaml, edit it, then add --mapping mapping.yaml`,
  })
}
