import {z} from 'zod'

/** Where a column goes in a FHIR Patient. */
export const TARGETS = [
  'identifier',
  'name.prefix',
  'name.given',
  'name.middle',
  'name.family',
  'name.suffix',
  'name.maiden',
  'birthDate',
  'deceasedDate',
  'gender',
  'address.line',
  'address.line2',
  'address.houseNumber',
  'address.streetName',
  'address.city',
  'address.district',
  'address.state',
  'address.postalCode',
  'address.country',
  'telecom.phone',
  'telecom.email',
  'maritalStatus',
  'race',
  'ethnicity',
] as const
export type Target = (typeof TARGETS)[number]

export const DATE_FORMAT = /^(YYYY|MM|M|DD|D|[-/. ])+$/

export const ColumnSpec = z
  .object({
    column: z.string().min(1),
    to: z.enum(TARGETS),
    /** identifier: the system URI; `mrn` and `ssn` name the configured MRN system and the US SSN system. */
    system: z.string().min(1).optional(),
    /** identifier: the v2-0203 type code (MR, SS, DL, PPN, ...). */
    type: z.string().min(1).optional(),
    /** telecom.phone: home, work or mobile. */
    use: z.enum(['home', 'work', 'mobile']).optional(),
    /** birthDate / deceasedDate: accepted formats, first one is used when writing CSV. */
    dateFormats: z.array(z.string().regex(DATE_FORMAT, 'a date format such as MM/DD/YYYY or YYYY-MM-DD')).min(1).optional(),
    /** gender / maritalStatus / race / ethnicity: CSV code -> FHIR code; the first key for a FHIR code is written back. */
    codes: z.record(z.string(), z.string()).optional(),
    required: z.boolean().optional(),
  })
  .strict()
export type ColumnSpec = z.infer<typeof ColumnSpec>

export const MappingFile = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** CSV delimiter when writing; reading sniffs it. */
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    columns: z.array(ColumnSpec).min(1),
  })
  .strict()
export type Mapping = z.infer<typeof MappingFile>

export const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn'
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203'
export const MARITAL_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus'
export const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race'
export const US_CORE_ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity'
export const OMB_SYSTEM = 'urn:oid:2.16.840.1.113883.6.238'
export const ADXP_HOUSE_NUMBER = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber'
export const ADXP_STREET_NAME = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName'
export const DEFAULT_MRN_SYSTEM = 'http://hospital.example.org/mrn'
