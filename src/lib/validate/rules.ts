import {z} from 'zod'

import {type Finding, type FindingLocation, type Severity, SEVERITIES} from './findings.js'

export interface RuleDef {
  id: string
  severity: Severity
  description: string
}

/**
 * Every rule him validate knows, with its default severity. Ids are stable: they appear in reports and in
 * --rules files, so a rule is renamed only with a major version.
 */
export const RULES: RuleDef[] = [
  // CSV, through the mapping's roles
  {id: 'csv.column.missing', severity: 'warning', description: 'A required role (MRN, names, birth date, sex) has no column in the file'},
  {id: 'csv.column.unmapped', severity: 'info', description: 'A column the mapping does not carry into FHIR'},
  {id: 'csv.row.ragged', severity: 'error', description: 'A row with more or fewer fields than the header'},
  {id: 'csv.row.unreadable', severity: 'error', description: 'The CSV cannot be parsed from this row on (e.g. an unterminated quote)'},
  {id: 'csv.row.duplicate', severity: 'warning', description: 'A row identical to an earlier row'},
  {id: 'csv.required', severity: 'error', description: 'A required field is empty'},
  {id: 'csv.mrn.duplicate', severity: 'error', description: 'An MRN used by an earlier row of the same file'},
  {id: 'csv.date.invalid', severity: 'error', description: 'A date that is not a real day in the accepted formats'},
  {id: 'csv.date.future', severity: 'error', description: 'A birth or death date in the future'},
  {id: 'csv.date.before-1900', severity: 'warning', description: 'A birth or death date before 1900'},
  {id: 'csv.date.death-before-birth', severity: 'error', description: 'A death date before the birth date'},
  {id: 'csv.ssn.format', severity: 'error', description: 'An SSN that is not 9 digits (NNN-NN-NNNN)'},
  {id: 'csv.ssn.impossible', severity: 'error', description: 'An SSN never issued: area 000, 666 or 900-999, group 00 or serial 0000'},
  {id: 'csv.ssn.placeholder', severity: 'warning', description: 'A well-known placeholder SSN (123-45-6789, 111-11-1111, 078-05-1120, ...)'},
  {id: 'csv.phone.format', severity: 'warning', description: 'A phone number that is not a valid NANP number (10 digits, area and exchange not starting 0 or 1)'},
  {id: 'csv.zip.format', severity: 'error', description: 'A ZIP code that is not 5 or 9 digits'},
  {id: 'csv.state.code', severity: 'warning', description: 'A state that is not a USPS state or territory code'},
  {id: 'csv.email.format', severity: 'warning', description: 'An email address that is not name@domain.tld'},
  {id: 'csv.sex.code', severity: 'error', description: 'A sex code the mapping does not list'},
  {id: 'csv.code.unknown', severity: 'warning', description: 'A marital status, race or ethnicity code the mapping does not list'},
  {id: 'csv.name.digits', severity: 'warning', description: 'A name with digits in it'},
  {id: 'csv.name.placeholder', severity: 'warning', description: 'A placeholder name (BABY BOY, UNKNOWN, TEST PATIENT, JOHN DOE, ...)'},
  // FHIR R4
  {id: 'fhir.json.invalid', severity: 'error', description: 'Not JSON, or not a FHIR resource'},
  {id: 'fhir.resource.unknown-type', severity: 'error', description: 'A resourceType that is not an R4 resource'},
  {id: 'fhir.element.unknown', severity: 'error', description: 'An element the StructureDefinition does not define'},
  {id: 'fhir.cardinality.min', severity: 'error', description: 'A required element is missing (min cardinality)'},
  {id: 'fhir.cardinality.max', severity: 'error', description: 'More repetitions than the element allows, or an array for a single element'},
  {id: 'fhir.type', severity: 'error', description: 'A value of the wrong JSON type (object, string, number, boolean) for its FHIR type'},
  {id: 'fhir.primitive.format', severity: 'error', description: 'A primitive that does not match its FHIR format (date, dateTime, code, id, uri, ...)'},
  {id: 'fhir.primitive.empty', severity: 'error', description: 'An empty string, object or array (ele-1: all elements must have a value or children)'},
  {id: 'fhir.choice.multiple', severity: 'error', description: 'More than one type given for a choice element (value[x])'},
  {id: 'fhir.binding.required', severity: 'error', description: 'A code not in the required value set'},
  {id: 'fhir.code.unknown', severity: 'error', description: 'A code that its code system does not have (FHIR, HL7 v2 table and v3 code systems known offline; UCUM units, ISO 4217 currencies)'},
  {id: 'fhir.binding.mimetype', severity: 'warning', description: 'A mime type (Attachment.contentType, Binary.contentType, ...) that is not type/subtype with optional ; parameter=value (RFC 6838, RFC 2045); the HL7 validator accepts any'},
  {id: 'fhir.invariant', severity: 'error', description: 'A FHIRPath invariant of the StructureDefinition is not met (ele-1, dom-*, pat-1, ...)'},
  {id: 'fhir.invariant.warning', severity: 'warning', description: 'A best-practice invariant (severity warning in R4, e.g. dom-6) is not met'},
  {id: 'fhir.narrative.link', severity: 'error', description: 'A narrative image or link to #id that points to nothing in the resource (<img>: a contained resource; <a>: also an anchor)'},
  {id: 'fhir.reference.unresolved', severity: 'error', description: 'A reference inside a Bundle that points to no entry of the Bundle'},
  {id: 'fhir.reference.outside-bundle', severity: 'info', description: 'A relative reference inside a Bundle to a resource that is not in the Bundle (it may be on the server)'},
  {id: 'fhir.bundle.request-prohibited', severity: 'error', description: 'An entry with request in a Bundle that is not a transaction, batch or history (bdl-3)'},
  {id: 'fhir.bundle.fullurl-duplicate', severity: 'error', description: 'Two Bundle entries with the same fullUrl'},
  {id: 'fhir.bundle.request-missing', severity: 'error', description: 'A transaction or batch entry without request'},
  {id: 'us-core.patient.identifier', severity: 'error', description: 'US Core Patient: at least one identifier with system and value'},
  {id: 'us-core.patient.name', severity: 'error', description: 'US Core Patient: at least one name with family or given (us-core-6)'},
  {id: 'us-core.patient.gender', severity: 'error', description: 'US Core Patient: gender is required'},
  {id: 'us-core.patient.race', severity: 'error', description: 'US Core race extension: ombCategory / detailed codings and a text'},
  {id: 'us-core.patient.ethnicity', severity: 'error', description: 'US Core ethnicity extension: ombCategory / detailed codings and a text'},
  {id: 'us-core.patient.birthsex', severity: 'error', description: 'US Core birth sex extension: valueCode M, F or UNK'},
  // HL7 v2
  {id: 'hl7.message.unreadable', severity: 'error', description: 'A message that cannot be parsed (no MSH, bad delimiters)'},
  {id: 'hl7.segment.missing', severity: 'error', description: 'A segment the message structure requires is missing'},
  {id: 'hl7.field.required', severity: 'error', description: 'A required field is empty (MSH-9, MSH-10, MSH-12, PID-3, PID-5, ...)'},
  {id: 'hl7.datatype', severity: 'error', description: 'A value that does not fit its data type (DTM, NM, CX, XPN, ...)'},
  {id: 'hl7.name.digits', severity: 'warning', description: 'A patient name (PID-5) with digits in it (allowed by the XPN data type, but rarely right)'},
  {id: 'hl7.cx.authority', severity: 'warning', description: 'A patient identifier (CX) with neither assigning authority (CX.4) nor identifier type (CX.5)'},
  {id: 'hl7.table', severity: 'error', description: 'A coded value not in its HL7 table (e.g. 0001 administrative sex)'},
  {id: 'hl7.length', severity: 'warning', description: 'A field longer than HL7 v2.5 allows'},
  {id: 'hl7.event.unsupported', severity: 'info', description: 'A message type him has no structure rules for'},
]

const BY_ID = new Map(RULES.map((r) => [r.id, r]))
export const ruleDef = (id: string): RuleDef | undefined => BY_ID.get(id)

export const RuleSetting = z.union([z.enum(SEVERITIES), z.literal('off')])
export const RulesFile = z
  .object({
    /** Rule id (or a prefix ending in `*`, e.g. `csv.ssn.*`) -> severity or off. */
    rules: z.record(z.string(), RuleSetting),
  })
  .strict()
export type RulesFile = z.infer<typeof RulesFile>

/** Rule ids in a rules file that are neither a known id nor a prefix of one. */
export function unknownRuleIds(file: RulesFile): string[] {
  return Object.keys(file.rules).filter((k) => (k.endsWith('*') ? !RULES.some((r) => r.id.startsWith(k.slice(0, -1))) : !BY_ID.has(k)))
}

/** The severity of every rule after a rules file: exact ids win over prefixes, longer prefixes over shorter. */
export class RuleSet {
  private readonly level = new Map<string, Severity | 'off'>()

  constructor(file?: RulesFile) {
    const entries = Object.entries(file?.rules ?? {})
    const prefixes = entries.filter(([k]) => k.endsWith('*')).sort((a, b) => a[0].length - b[0].length)
    for (const r of RULES) {
      let s: Severity | 'off' = r.severity
      for (const [k, v] of prefixes) if (r.id.startsWith(k.slice(0, -1))) s = v
      const exact = file?.rules[r.id]
      if (exact) s = exact
      this.level.set(r.id, s)
    }
  }

  severity(id: string): Severity | 'off' {
    return this.level.get(id) ?? ruleDef(id)?.severity ?? 'error'
  }

  enabled(id: string): boolean {
    return this.severity(id) !== 'off'
  }

  describe(id: string): string {
    return ruleDef(id)?.description ?? id
  }
}

export interface EmitOptions {
  rules: RuleSet
  showValues: boolean
}

/** A function engines call to report a finding; it applies the rule's severity (or drops it when off). */
export type Emit = (rule: string, message: string, location: FindingLocation, value?: string) => void

export function makeEmit(opts: EmitOptions, sink: (f: Finding) => void): Emit {
  return (rule, message, location, value) => {
    const severity = opts.rules.severity(rule)
    if (severity === 'off') return
    const f: Finding = {severity, rule, message, location}
    if (opts.showValues && value !== undefined) f.value = value
    sink(f)
  }
}
