/**
 * FHIR R4 -> HL7 v2.5.1 (pure): a Patient (with its Encounter when given) -> ADT^A28 / A31 / A04, and
 * Observations (with their DiagnosticReport when given) -> ORU^R01. No published FHIR -> v2 ADT mapping exists;
 * this one is the reverse of to-fhir.ts, so v2 -> FHIR -> v2 keeps what the FHIR side holds. MSH-7 and MSH-10
 * come from a clock and a control-id source passed in, so the output is otherwise deterministic.
 */
import {BCP47, bcp47ToLanguage, maritalStatusToCwe} from './concept-maps.js'
import {attachmentToObxValue, codingSystemName, type Json, SSN_SYSTEM} from './datatypes.js'
import {fromFhirDateTime, hl7Now} from './datetime.js'
import {DEFAULT_DELIMITERS} from './delimiters.js'
import {buildMsh, type ComponentsInput, type FieldInput, Hl7Message, Hl7Segment} from './message.js'

export const ADT_EVENTS = ['A28', 'A31', 'A04'] as const
export type AdtEvent = (typeof ADT_EVENTS)[number]

export interface MshSettings {
  sendingApplication: string
  sendingFacility: string
  receivingApplication: string
  receivingFacility: string
}

export interface FromFhirOptions {
  /** MSH-3..6 (the config's `hl7` section). */
  msh: MshSettings
  /** System of the organisation's MRNs: identifiers in it are written with type MR. */
  mrnSystem: string
  /** The clock for MSH-7 and EVN-2. */
  now: () => Date
  /** MSH-10 for each new message. */
  nextControlId: () => string
  /** MSH-11, P unless told (T for test). */
  processingId?: string
}

const STRUCTURE: Record<AdtEvent, string> = {A28: 'ADT_A05', A31: 'ADT_A05', A04: 'ADT_A01'}
const GENDER: Record<string, string> = {male: 'M', female: 'F', other: 'O', unknown: 'U'}
const NAME_USE: Record<string, string> = {official: 'L', usual: 'D', maiden: 'M', nickname: 'N', anonymous: 'S', temp: 'T', old: 'NOUSE'}
const ADDRESS_TYPE: Record<string, string> = {home: 'H', work: 'B', temp: 'C', old: 'BA', billing: 'M'}
const CLASS: Record<string, string> = {IMP: 'I', ACUTE: 'I', NONAC: 'I', AMB: 'O', EMER: 'E', PRENC: 'P', SS: 'O', HH: 'O', VR: 'O', OBSENC: 'O'}
const OBS_STATUS: Record<string, string> = {final: 'F', amended: 'C', corrected: 'C', preliminary: 'P', registered: 'I', cancelled: 'X', 'entered-in-error': 'W', unknown: ''}
const REPORT_STATUS: Record<string, string> = {final: 'F', amended: 'C', corrected: 'C', appended: 'C', preliminary: 'P', partial: 'A', registered: 'I', cancelled: 'X', unknown: ''}
const D = DEFAULT_DELIMITERS
/** MSH-18 says UNICODE UTF-8 when the message holds any non-ASCII character (empty MSH-18 means ASCII). */
function utf8Labelled(m: Hl7Message): Hl7Message {
  if (/[^\x00-\x7f]/.test(m.toString())) m.msh.set(18, 'UNICODE UTF-8')
  return m
}

const PERSON_PREFIXES = new Set(['DR', 'MR', 'MRS', 'MS', 'MISS', 'PROF', 'REV', 'SR'])

function header(type: {code: string; event: string; structure: string}, opts: FromFhirOptions): Hl7Segment[] {
  const when = hl7Now(opts.now())
  const msh = buildMsh({...opts.msh, dateTime: when, type, controlId: opts.nextControlId(), processingId: opts.processingId ?? 'P', version: '2.5.1'})
  return [msh, Hl7Segment.build('EVN', [type.event, when])]
}

/** Identifier -> CX: value^^^authority^type. The authority carries an OID/URI system as its universal id. */
function cx(i: Json, mrnSystem: string): ComponentsInput | undefined {
  if (!i?.value) return undefined
  const system: string | undefined = i.system
  const type = i.type?.coding?.[0]?.code ?? (system === mrnSystem ? 'MR' : system === SSN_SYSTEM ? 'SS' : '')
  const ns = i.assigner?.display ?? ''
  let auth: string | string[] = ns
  if (system?.startsWith('urn:oid:')) auth = [ns, system.slice(8), 'ISO']
  else if (system && system !== mrnSystem && system !== SSN_SYSTEM) auth = [ns, system, 'URI']
  return [i.value, '', '', auth, type]
}

function xpn(n: Json): ComponentsInput | undefined {
  const given: string[] = n.given ?? []
  const suffix: string[] = n.suffix ?? []
  // suffixes were read from XPN.4, XPN.6 (degree) and XPN.14 (professional suffix), in that order
  const c = [n.family ?? '', given[0] ?? '', given.slice(1).join(' '), suffix[0] ?? '', (n.prefix ?? []).join(' '), suffix[1] ?? '', NAME_USE[n.use] ?? '']
  if (n.period?.start || n.period?.end || suffix.length > 2) c.push('', '', '', '', fromFhirDateTime(n.period?.start ?? ''), fromFhirDateTime(n.period?.end ?? ''), suffix.slice(2).join(' '))
  return c.some(Boolean) ? c : undefined
}

function xad(a: Json): ComponentsInput | undefined {
  const line: string[] = a.line ?? []
  const type = a.type === 'postal' ? 'M' : ADDRESS_TYPE[a.use] ?? ''
  const c = [line[0] ?? '', line.slice(1).join(', '), a.city ?? '', a.state ?? '', a.postalCode ?? '', a.country ?? '', type, '', a.district ?? '']
  if (a.period?.start || a.period?.end) c.push('', '', '', fromFhirDateTime(a.period.start ?? ''), fromFhirDateTime(a.period.end ?? ''))
  return c.some(Boolean) ? c : undefined
}

/** ContactPoint -> XTN: phone in XTN.1 (read by v2.3 receivers) and XTN.12, e-mail in XTN.4. */
function xtn(t: Json): ComponentsInput | undefined {
  if (!t?.value) return undefined
  if (t.system === 'email' || t.system === 'url') return ['', 'NET', 'Internet', t.value]
  // 'other' stands for TDD, TTY, modem or satellite phone (the IG maps them all to it): which one is not known, so no PH
  const equip = t.use === 'mobile' || t.system === 'sms' ? 'CP' : t.system === 'fax' ? 'FX' : t.system === 'pager' ? 'BP' : t.system === 'other' ? '' : 'PH'
  const use = t.use === 'work' ? 'WPN' : 'PRN'
  return [t.value, use, equip, '', '', '', '', '', '', '', '', t.value]
}

function cwe(cc: Json | undefined): ComponentsInput | undefined {
  if (!cc) return undefined
  const c0 = cc.coding?.[0]
  const c1 = cc.coding?.[1]
  const out = [c0?.code ?? '', c0?.display ?? (c0 ? '' : cc.text ?? ''), codingSystemName(c0?.system)]
  if (c1) out.push(c1.code ?? '', c1.display ?? '', codingSystemName(c1.system))
  if (cc.text && c0) {
    while (out.length < 8) out.push('')
    out.push(cc.text)
  }
  return out.some(Boolean) ? out : undefined
}

/** Patient.communication.language with its BCP-47 codings written as table 0296 (ISO 639-2) codes. */
function languageAsTable0296(cc: Json | undefined): Json | undefined {
  if (!cc?.coding) return cc
  return {...cc, coding: cc.coding.map((c: Json) => (c.system === BCP47 && c.code ? {...c, system: 'HL70296', code: bcp47ToLanguage(c.code)} : c))}
}

const present = <T>(xs: Array<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined)

export function pidSegment(p: Json, mrnSystem: string): Hl7Segment {
  const telecom: Json[] = p.telecom ?? []
  const birthTime = p._birthDate?.extension?.find((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/patient-birthTime')?.valueDateTime
  const mother = p.extension?.find((e: Json) => e.url === 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName')?.valueString
  const f: FieldInput[] = []
  f[0] = '1'
  f[2] = present((p.identifier ?? []).map((i: Json) => cx(i, mrnSystem))) as FieldInput
  f[4] = present((p.name ?? []).map(xpn)) as FieldInput
  if (mother) f[5] = [[[mother]]]
  f[6] = birthTime ? fromFhirDateTime(birthTime) : p.birthDate ? fromFhirDateTime(p.birthDate) : ''
  f[7] = GENDER[p.gender] ?? ''
  f[10] = present((p.address ?? []).map(xad)) as FieldInput
  f[12] = present(telecom.filter((t) => t.use !== 'work').map(xtn)) as FieldInput
  f[13] = present(telecom.filter((t) => t.use === 'work').map(xtn)) as FieldInput
  const category = (url: string) =>
    (p.extension?.find((e: Json) => e.url === url)?.extension ?? [])
      .filter((e: Json) => (e.url === 'ombCategory' || e.url === 'detailed') && e.valueCoding?.code)
      .map((e: Json) => [e.valueCoding.code, e.valueCoding.display ?? '', 'CDCREC'])
  const race = category('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race')
  if (race.length) f[9] = race
  const ethnicity = category('http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity')
  if (ethnicity.length) f[21] = ethnicity
  const language = cwe(languageAsTable0296(p.communication?.[0]?.language))
  if (language) f[14] = [language]
  const marital = maritalStatusToCwe(p.maritalStatus)
  if (marital) f[15] = [marital]
  if (p.deceasedDateTime) {
    f[28] = fromFhirDateTime(p.deceasedDateTime)
    f[29] = 'Y'
  } else if (p.deceasedBoolean !== undefined) f[29] = p.deceasedBoolean ? 'Y' : 'N'
  if (p.multipleBirthInteger !== undefined || p.multipleBirthBoolean !== undefined) {
    f[23] = p.multipleBirthInteger !== undefined || p.multipleBirthBoolean ? 'Y' : 'N'
    if (p.multipleBirthInteger !== undefined) f[24] = String(p.multipleBirthInteger)
  }
  return Hl7Segment.build('PID', f)
}

/** Patient.generalPractitioner -> PD1-3 (organisations) and PD1-4 (practitioners), when there are any. */
function pd1Segment(p: Json): Hl7Segment | undefined {
  const gps: Json[] = p.generalPractitioner ?? []
  const orgs = gps.filter((g) => g.type === 'Organization' || g.reference?.startsWith('Organization/'))
  const people = gps.filter((g) => !orgs.includes(g)).map(xcn)
  if (!orgs.length && !people.length) return undefined
  const f: FieldInput[] = []
  if (orgs.length) f[2] = orgs.map((o) => [o.display ?? '', '', o.identifier?.value ?? ''])
  if (people.length) f[3] = present(people)
  return Hl7Segment.build('PD1', f)
}

function nk1Segments(p: Json): Hl7Segment[] {
  return (p.contact ?? []).map((c: Json, i: number) => {
    const f: FieldInput[] = [String(i + 1)]
    const name = c.name && xpn(c.name)
    if (name) f[1] = [name]
    const rel = cwe(c.relationship?.[0])
    if (rel) f[2] = [rel]
    const role = cwe(c.relationship?.[1])
    if (role) f[6] = [role]
    const addr = c.address && xad(c.address)
    if (addr) f[3] = [addr]
    const tel: Json[] = c.telecom ?? []
    f[4] = present(tel.filter((t) => t.use !== 'work').map(xtn)) as FieldInput
    f[5] = present(tel.filter((t) => t.use === 'work').map(xtn)) as FieldInput
    return Hl7Segment.build('NK1', f)
  })
}

function xcn(r: Json | undefined): ComponentsInput | undefined {
  if (!r) return undefined
  const id = r.identifier?.value ?? ''
  const display: string = r.display ?? ''
  if (!id && !display) return undefined
  // display was written prefix given middle family: "DR GREGORY HOUSE" -> family HOUSE, given GREGORY, prefix DR
  const parts = display.split(' ').filter(Boolean)
  const prefix = parts.length > 2 && PERSON_PREFIXES.has(parts[0].replace(/\.$/, '').toUpperCase()) ? parts.shift()! : ''
  const family = parts.pop() ?? ''
  return [id, family, parts.shift() ?? '', parts.join(' '), '', prefix]
}

export function pv1Segment(e: Json | undefined, event: AdtEvent): Hl7Segment {
  if (!e) return Hl7Segment.build('PV1', ['1', event === 'A04' ? 'O' : 'N'])
  const f: FieldInput[] = ['1']
  f[1] = CLASS[e.class?.code] ?? e.class?.code ?? 'U'
  const where: string | undefined = e.location?.[0]?.location?.display
  if (where) {
    const parts = where.split(', ')
    f[2] = [parts.length <= 4 ? parts : [where]]
  }
  const byType = (code: string) => (e.participant ?? []).filter((p: Json) => p.type?.[0]?.coding?.[0]?.code === code).map((p: Json) => xcn(p.individual))
  f[6] = present(byType('ATND')) as FieldInput
  f[7] = present(byType('REF')) as FieldInput
  f[8] = present(byType('CON')) as FieldInput
  f[16] = present(byType('ADM')) as FieldInput
  const admitSource = e.hospitalization?.admitSource?.coding?.[0]?.code
  if (admitSource) f[13] = admitSource
  const visit = e.identifier?.[0]
  if (visit) f[18] = [cx(visit, '') ?? ['']]
  const disposition = e.hospitalization?.dischargeDisposition?.coding?.[0]?.code
  if (disposition) f[35] = disposition
  if (e.period?.start) f[43] = fromFhirDateTime(e.period.start)
  if (e.period?.end) f[44] = fromFhirDateTime(e.period.end)
  return Hl7Segment.build('PV1', f)
}

const ALLERGY_CATEGORY: Record<string, string> = {medication: 'DA', food: 'FA', environment: 'EA'}
const ALLERGY_SEVERITY: Record<string, string> = {high: 'SV', low: 'MI', 'unable-to-assess': 'U'}

/** AllergyIntolerance -> AL1 (category, code, severity, reactions as text, onset). */
export function al1Segment(a: Json, n: number): Hl7Segment {
  const f: FieldInput[] = [String(n), ALLERGY_CATEGORY[a.category?.[0]] ?? '', [cwe(a.code) ?? ['']], ALLERGY_SEVERITY[a.criticality] ?? '']
  const reactions = (a.reaction?.[0]?.manifestation ?? []).map((m: Json) => m.text ?? m.coding?.[0]?.display ?? m.coding?.[0]?.code).filter(Boolean)
  f[4] = reactions.length ? reactions.map((r: string) => [r]) : undefined
  if (a.onsetDateTime) f[5] = fromFhirDateTime(a.onsetDateTime)
  return Hl7Segment.build('AL1', f)
}

/** Condition -> DG1 (code, onset, type F when confirmed, else W working). */
export function dg1Segment(c: Json, n: number): Hl7Segment {
  const f: FieldInput[] = [String(n), undefined, [cwe(c.code) ?? ['']]]
  if (c.onsetDateTime) f[4] = fromFhirDateTime(c.onsetDateTime)
  f[5] = c.verificationStatus?.coding?.[0]?.code === 'confirmed' ? 'F' : 'W'
  return Hl7Segment.build('DG1', f)
}

/**
 * A Patient (and its Encounter) as ADT^A28 (add person), A31 (update person) or A04 (register a visit), with OBX,
 * AL1 and DG1 for the Observations, AllergyIntolerances and Conditions given with it.
 */
export function patientToAdt(patient: Json, encounter: Json | undefined, event: AdtEvent, opts: FromFhirOptions, related: Json[] = []): Hl7Message {
  const segs = [...header({code: 'ADT', event, structure: STRUCTURE[event]}, opts), pidSegment(patient, opts.mrnSystem)]
  const pd1 = pd1Segment(patient)
  if (pd1) segs.push(pd1)
  segs.push(...nk1Segments(patient))
  segs.push(pv1Segment(event === 'A04' ? encounter : undefined, event))
  if (event === 'A04' && encounter?.reasonCode?.[0]) segs.push(Hl7Segment.build('PV2', [undefined, undefined, [cwe(encounter.reasonCode[0])!]]))
  related.filter((r) => r.resourceType === 'Observation').forEach((o, i) => segs.push(...obxSegments(o, i + 1)))
  related.filter((r) => r.resourceType === 'AllergyIntolerance').forEach((a, i) => segs.push(al1Segment(a, i + 1)))
  related.filter((r) => r.resourceType === 'Condition').forEach((c, i) => segs.push(dg1Segment(c, i + 1)))
  return utf8Labelled(new Hl7Message(segs, D))
}

/** OBX-2 and OBX-5 (and OBX-6) from an Observation's value[x]. */
function obxValue(o: Json): {type: string; value: FieldInput; units?: FieldInput} {
  const unitOf = (q: Json): FieldInput | undefined =>
    q.code || q.unit ? [[q.code ?? q.unit, q.unit ?? q.code, q.system === 'http://unitsofmeasure.org' ? 'UCUM' : '']] : undefined
  if (o.valueQuantity) {
    const q = o.valueQuantity
    if (q.comparator) return {type: 'SN', value: [[q.comparator, String(q.value)]], units: unitOf(q)}
    return {type: 'NM', value: String(q.value ?? ''), units: unitOf(q)}
  }
  if (o.valueString !== undefined) return {type: String(o.valueString).includes('\n') ? 'FT' : 'ST', value: String(o.valueString)}
  if (o.valueCodeableConcept) return {type: 'CWE', value: [cwe(o.valueCodeableConcept) ?? ['']]}
  if (o.valueDateTime) return {type: o.valueDateTime.length <= 10 ? 'DT' : 'DTM', value: fromFhirDateTime(o.valueDateTime)}
  if (o.valueTime) return {type: 'TM', value: o.valueTime.replace(/:/g, '')}
  if (o.valueInteger !== undefined) return {type: 'NM', value: String(o.valueInteger)}
  if (o.valueBoolean !== undefined) return {type: 'ST', value: o.valueBoolean ? 'true' : 'false'}
  if (o.valueRange) return {type: 'SN', value: [['', String(o.valueRange.low?.value ?? ''), '-', String(o.valueRange.high?.value ?? '')]], units: unitOf(o.valueRange.low ?? {})}
  if (o.valueRatio) return {type: 'SN', value: [['', String(o.valueRatio.numerator?.value ?? ''), ':', String(o.valueRatio.denominator?.value ?? '')]]}
  return {type: '', value: ''}
}

function obxSegments(o: Json, n: number): Hl7Segment[] {
  const v = obxValue(o)
  const f: FieldInput[] = [String(n), v.type, [cwe(o.code) ?? ['']], undefined, v.value, v.units]
  const rr = o.referenceRange?.[0]
  if (rr) f[6] = rr.text ?? (rr.low || rr.high ? `${rr.low?.value ?? ''}-${rr.high?.value ?? ''}` : '')
  const interp = (o.interpretation ?? []).map((i: Json) => i.coding?.[0]?.code).filter(Boolean)
  if (interp.length) f[7] = interp.map((c: string) => [c])
  f[10] = OBS_STATUS[o.status] ?? ''
  if (o.effectiveDateTime) f[13] = fromFhirDateTime(o.effectiveDateTime)
  const segs = [Hl7Segment.build('OBX', f)]
  ;(o.note ?? []).forEach((note: Json, i: number) => segs.push(Hl7Segment.build('NTE', [String(i + 1), '', note.text ?? ''])))
  return segs
}

const DOC_STATUS: Record<string, string> = {final: 'F', amended: 'C', preliminary: 'P'}

/** A DocumentReference (as messageToFhir makes from OBX ED/RP) -> OBX with its first attachment as ED or RP, and NTE. */
function documentObxSegments(d: Json, n: number): Hl7Segment[] {
  const v = attachmentToObxValue(d.content?.[0]?.attachment ?? {})
  const f: FieldInput[] = [String(n), v.type, [cwe(d.type) ?? ['']], undefined, [v.components]]
  f[10] = d.status === 'entered-in-error' ? 'W' : DOC_STATUS[d.docStatus] ?? ''
  if (d.context?.period?.start) f[13] = fromFhirDateTime(d.context.period.start)
  const segs = [Hl7Segment.build('OBX', f)]
  if (d.description) segs.push(Hl7Segment.build('NTE', ['1', '', d.description]))
  return segs
}

/** An OBR for a DiagnosticReport (or a plain one for Observations without a report), with its NTE. */
function obrSegments(report: Json | undefined, observations: Json[], n: number): Hl7Segment[] {
  const idOf = (code: string) => report?.identifier?.find((i: Json) => i.type?.coding?.[0]?.code === code)
  const placer = idOf('PLAC')
  const filler = idOf('FILL')
  const obr: FieldInput[] = [String(n)]
  if (placer) obr[1] = [[placer.value, placer.assigner?.display ?? '']]
  if (filler) obr[2] = [[filler.value, filler.assigner?.display ?? '']]
  obr[3] = [cwe(report?.code) ?? ['', 'Observation results']]
  const when = report?.effectiveDateTime ?? observations.find((o) => o.effectiveDateTime)?.effectiveDateTime
  if (when) obr[6] = fromFhirDateTime(when)
  if (report?.issued) obr[21] = fromFhirDateTime(report.issued)
  const section = report?.category?.[0]?.coding?.[0]?.code
  if (section) obr[23] = section
  obr[24] = report ? REPORT_STATUS[report.status] ?? '' : 'F'
  const segs = [Hl7Segment.build('OBR', obr)]
  if (report?.conclusion) segs.push(Hl7Segment.build('NTE', ['1', '', report.conclusion]))
  return segs
}

/**
 * Observations of one patient as ORU^R01: an OBR per DiagnosticReport followed by the Observations it lists as
 * results, then an OBR for the Observations no report lists.
 */
export function observationsToOru(patient: Json, observations: Json[], reports: Json[], opts: FromFhirOptions, encounter?: Json, documents: Json[] = []): Hl7Message {
  const segs = [header({code: 'ORU', event: 'R01', structure: 'ORU_R01'}, opts)[0], pidSegment(patient, opts.mrnSystem)]
  if (encounter) segs.push(pv1Segment(encounter, 'A04'))
  const placed = new Set<Json>()
  let n = 0
  for (const report of reports) {
    const refs = new Set((report.result ?? []).map((r: Json) => r.reference))
    const mine = observations.filter((o) => refs.has(`Observation/${o.id}`))
    mine.forEach((o) => placed.add(o))
    segs.push(...obrSegments(report, mine, ++n))
    mine.forEach((o, i) => segs.push(...obxSegments(o, i + 1)))
    const docs = documents.filter((d) => d.context?.related?.some((r: Json) => r.reference === `DiagnosticReport/${report.id}`))
    docs.forEach((d) => placed.add(d))
    docs.forEach((d, i) => segs.push(...documentObxSegments(d, mine.length + i + 1)))
  }
  const rest = observations.filter((o) => !placed.has(o))
  const restDocs = documents.filter((d) => !placed.has(d))
  if (rest.length || restDocs.length || !reports.length) {
    segs.push(...obrSegments(undefined, rest, ++n))
    rest.forEach((o, i) => segs.push(...obxSegments(o, i + 1)))
    restDocs.forEach((d, i) => segs.push(...documentObxSegments(d, rest.length + i + 1)))
  }
  return utf8Labelled(new Hl7Message(segs, D))
}

/** A merge (the survivor and the Patients it replaces, as messageToFhir makes from A40) as ADT^A40: PID + MRG per merged patient. */
export function mergeToA40(survivor: Json, merged: Json[], opts: FromFhirOptions): Hl7Message {
  const segs = [...header({code: 'ADT', event: 'A40', structure: 'ADT_A39'}, opts)]
  for (const old of merged) {
    segs.push(pidSegment(survivor, opts.mrnSystem))
    segs.push(Hl7Segment.build('MRG', [present((old.identifier ?? []).map((i: Json) => cx(i, opts.mrnSystem))) as FieldInput]))
  }
  return utf8Labelled(new Hl7Message(segs, D))
}

export type FromFhirResult = {messages: Hl7Message[]} | {code: string; reason: string}

/**
 * The resources of one record (e.g. everything converted from one message, or one CSV row's Patient) as messages:
 * an ADT for the Patient (ADT^A40 when it comes with the Patients it replaces), and an ORU^R01 for its
 * Observations when there are any. `knownPatients` lets a record
 * holding only Observations or an Encounter use a Patient that came earlier in the input.
 */
export function resourcesToHl7(resources: Json[], event: AdtEvent, opts: FromFhirOptions, knownPatients?: Map<string, Json>): FromFhirResult {
  const patient = resources.find((r) => r.resourceType === 'Patient' && r.active !== false) ?? resources.find((r) => r.resourceType === 'Patient')
  if (patient?.id) knownPatients?.set(`Patient/${patient.id}`, patient)
  const encounter = resources.find((r) => r.resourceType === 'Encounter')
  const observations = resources.filter((r) => r.resourceType === 'Observation')
  const reports = resources.filter((r) => r.resourceType === 'DiagnosticReport')
  const documents = resources.filter((r) => r.resourceType === 'DocumentReference' && r.content?.[0]?.attachment)
  const subjectRef: string | undefined = (observations[0] ?? reports[0] ?? documents[0] ?? encounter)?.subject?.reference
  const who = patient ?? (subjectRef ? knownPatients?.get(subjectRef) : undefined)
  if (!who) {
    const types = [...new Set(resources.map((r) => r.resourceType))].join(', ') || 'nothing'
    return subjectRef
      ? {code: 'HL7_PATIENT_UNKNOWN', reason: `${types}: its subject ${subjectRef.slice(0, 60)} is not among the Patients read before it, and HL7 v2 needs the patient (PID)`}
      : {code: 'HL7_NOT_WRITABLE', reason: `${types}: HL7 v2 output is written from a Patient (ADT) or Observations with their Patient (ORU^R01)`}
  }
  const messages: Hl7Message[] = []
  const merged = patient ? resources.filter((r) => r.resourceType === 'Patient' && r !== patient && r.link?.some((l: Json) => l.type === 'replaced-by' && l.other?.reference === `Patient/${patient.id}`)) : []
  if (patient && merged.length) {
    messages.push(mergeToA40(patient, merged, opts))
    return {messages}
  }
  // With a Patient, Observations that no report lists travel as OBX in the ADT; reports go as ORU^R01.
  const listed = new Set(reports.flatMap((r) => (r.result ?? []).map((x: Json) => x.reference)))
  const loose = patient ? observations.filter((o) => !listed.has(`Observation/${o.id}`)) : []
  const related = [...resources.filter((r) => r.resourceType === 'AllergyIntolerance' || r.resourceType === 'Condition'), ...loose]
  if (patient) messages.push(patientToAdt(patient, encounter, event, opts, related))
  else if (encounter && !observations.length && !reports.length) messages.push(patientToAdt(who, encounter, 'A04', opts))
  const forOru = observations.filter((o) => !loose.includes(o))
  if (forOru.length || reports.length || documents.length) messages.push(observationsToOru(who, forOru, reports, opts, encounter, documents))
  return {messages}
}
