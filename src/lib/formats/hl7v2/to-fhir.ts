/**
 * HL7 v2 message -> FHIR R4 transaction Bundle (pure). ADT A01 A02 A03 A04 A05 A08 A11 A13 A28 A31 A40 and ORU^R01,
 * segments MSH EVN PID PD1 NK1 PV1 PV2 AL1 DG1 OBR OBX NTE MRG, after the HL7 v2-to-FHIR IG segment maps.
 * Ids are name-based UUIDs of what identifies each thing (a Patient from its identifier, as the CSV mapping does),
 * so converting the same message twice gives the same Bundle and posting it twice creates nothing twice.
 */
import {idFromIdentifier, uuidV5} from '../../fhir/ids.js'
import {
  cweToCodeableConcept,
  cxToIdentifier,
  edToAttachment,
  rpToAttachment,
  type Json,
  SSN_SYSTEM,
  V2_0203,
  xadToAddress,
  xcnToReference,
  xonToReference,
  xpnToHumanName,
  xtnToContactPoint,
} from './datatypes.js'
import {admitSourceToCodeableConcept, languageToCodeableConcept, maritalStatusToCodeableConcept} from './concept-maps.js'
import {OMB_SYSTEM, US_CORE_ETHNICITY, US_CORE_RACE} from '../csv/mapping/schema.js'
import {hasTime, parseHl7DateTime, toFhirDate, toFhirDateTime} from './datetime.js'
import {type Hl7Message, type Hl7Segment} from './message.js'

export interface ToFhirOptions {
  /** System of MRNs whose assigning authority has no universal id (config defaults.mrnSystem). */
  mrnSystem: string
  /** Offset for times sent without one (FHIR requires one): `Z` unless told, e.g. `-05:00`. */
  defaultOffset?: string
}

export type ToFhirResult = {bundle: Json; resources: Json[]} | {code: string; reason: string; field?: string}

/** The message types converted, by MSH-9.1^MSH-9.2. */
export const SUPPORTED_TYPES = ['ADT^A01', 'ADT^A02', 'ADT^A03', 'ADT^A04', 'ADT^A05', 'ADT^A08', 'ADT^A11', 'ADT^A13', 'ADT^A28', 'ADT^A31', 'ADT^A40', 'ORU^R01']

/** Encounter.status by ADT event (A08 and ORU: from PV1-45, discharged or not). */
const ENCOUNTER_STATUS: Record<string, string> = {
  A01: 'in-progress', A02: 'in-progress', A03: 'finished', A04: 'arrived', A05: 'planned', A11: 'cancelled', A13: 'in-progress',
}
/** Events about the person only: a PV1 in them describes no visit. */
const PATIENT_ONLY = new Set(['A28', 'A31', 'A40'])

const ENCOUNTER_CLASS: Record<string, [string, string]> = {
  E: ['EMER', 'emergency'], I: ['IMP', 'inpatient encounter'], O: ['AMB', 'ambulatory'], P: ['PRENC', 'pre-admission'],
  R: ['AMB', 'ambulatory'], B: ['IMP', 'inpatient encounter'], C: ['AMB', 'ambulatory'],
}
const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'
const GENDER: Record<string, string> = {M: 'male', F: 'female', O: 'other', A: 'other', N: 'other', U: 'unknown'}
const OBS_STATUS: Record<string, string> = {F: 'final', C: 'corrected', P: 'preliminary', R: 'preliminary', S: 'preliminary', I: 'registered', O: 'registered', X: 'cancelled', D: 'entered-in-error', W: 'entered-in-error', N: 'unknown', U: 'final'}
const REPORT_STATUS: Record<string, string> = {F: 'final', C: 'corrected', P: 'preliminary', A: 'partial', R: 'partial', S: 'partial', I: 'registered', O: 'registered', X: 'cancelled', Y: 'unknown', Z: 'unknown'}
const DOC_STATUS: Record<string, string> = {F: 'final', C: 'amended', P: 'preliminary', R: 'preliminary', S: 'preliminary', I: 'preliminary'}
const ALLERGY_CATEGORY: Record<string, string> = {DA: 'medication', FA: 'food', EA: 'environment', AA: 'environment', PA: 'environment', LA: 'environment'}
const ALLERGY_CRITICALITY: Record<string, string> = {SV: 'high', MO: 'low', MI: 'low', U: 'unable-to-assess'}

const ref = (r: Json) => ({reference: `${r.resourceType}/${r.id}`})

/** Convert one message, or say why not (unsupported type, no patient identifier). */
export function messageToFhir(msg: Hl7Message, opts: ToFhirOptions): ToFhirResult {
  const {code, event} = msg.type
  const type = `${code}^${event}`
  if (!SUPPORTED_TYPES.includes(type))
    return {code: 'HL7_UNSUPPORTED_MESSAGE_TYPE', field: 'MSH-9', reason: `message type ${type.replace(/[^A-Z0-9^]/g, '?').slice(0, 16)} is not converted to FHIR (converted: ADT A01 A02 A03 A04 A05 A08 A11 A13 A28 A31 A40, ORU^R01)`}
  const c = new Conversion(msg, opts, event)
  const problem = c.run()
  if (problem) return problem
  const resources = [...c.out.values()]
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({fullUrl: `urn:uuid:${r.id}`, resource: r, request: {method: 'PUT', url: `${r.resourceType}/${r.id}`}})),
  }
  return {bundle, resources}
}

class Conversion {
  /** Resources by Type/id, in the order first made: a resource appears once per transaction. */
  readonly out = new Map<string, Json>()
  private patient?: Json
  private encounter?: Json
  private report?: Json
  /** The resource an NTE segment annotates. */
  private noteTarget?: Json
  private readonly seen = new Map<string, number>()
  private readonly cx

  constructor(
    private readonly msg: Hl7Message,
    private readonly opts: ToFhirOptions,
    private readonly event: string,
  ) {
    this.cx = {mrnSystem: opts.mrnSystem}
  }

  private dt(s: string): string | undefined {
    return toFhirDateTime(s, this.opts.defaultOffset ?? 'Z')
  }

  private add(r: Json): Json {
    const key = `${r.resourceType}/${r.id}`
    const had = this.out.get(key)
    if (had) Object.assign(had, r)
    else this.out.set(key, r)
    return had ?? r
  }

  /** A name-based id unique within this message (the n-th thing with the same key gets its number added). */
  private uniqueId(name: string): string {
    const n = (this.seen.get(name) ?? 0) + 1
    this.seen.set(name, n)
    return uuidV5(n === 1 ? name : `${name}#${n}`)
  }

  run(): {code: string; reason: string; field?: string} | undefined {
    if (!this.msg.segment('PID')) return {code: 'HL7_NO_PID', field: 'PID', reason: `${this.msg.type.code}^${this.event} without a PID segment: no patient to convert`}
    for (const seg of this.msg.segments) {
      switch (seg.name) {
        case 'PID': {
          const problem = this.pid(seg)
          if (problem) return problem
          this.encounter = undefined
          this.report = undefined
          break
        }
        case 'PD1': this.pd1(seg); break
        case 'NK1': this.nk1(seg); break
        case 'PV1': if (!PATIENT_ONLY.has(this.event)) this.pv1(seg); break
        case 'PV2': this.pv2(seg); break
        case 'AL1': this.al1(seg); break
        case 'DG1': this.dg1(seg); break
        case 'MRG': this.mrg(seg); break
        case 'OBR': this.obr(seg); break
        case 'OBX': this.obx(seg); break
        case 'NTE': this.nte(seg); break
        default: // MSH, EVN, Z-segments and the rest carry nothing mapped here
      }
    }
    return undefined
  }

  private pid(seg: Hl7Segment) {
    const ids = seg.repetitions(3).map((r) => cxToIdentifier(r, this.cx)).filter((x): x is Json => x !== undefined)
    const ssn = seg.get(19)
    if (ssn && !ids.some((i) => i.system === SSN_SYSTEM)) ids.push({type: {coding: [{system: V2_0203, code: 'SS'}]}, system: SSN_SYSTEM, value: ssn})
    if (ids.length === 0)
      return {code: 'HL7_NO_PATIENT_ID', field: 'PID-3', reason: 'PID-3 holds no patient identifier, so the Patient cannot be given a stable id'}
    const key = ids.find((i) => i.type?.coding?.[0]?.code === 'MR') ?? ids[0]
    const p: Json = {resourceType: 'Patient', id: idFromIdentifier('Patient', key.system, key.value), identifier: ids}
    const names = seg.repetitions(5).map(xpnToHumanName).filter(Boolean)
    if (names.length) p.name = names
    const telecom = [
      ...seg.repetitions(13).map((r) => xtnToContactPoint(r, 'home')),
      ...seg.repetitions(14).map((r) => xtnToContactPoint(r, 'work')),
    ].filter(Boolean)
    if (telecom.length) p.telecom = telecom
    const gender = GENDER[seg.get(8).toUpperCase()]
    if (gender) p.gender = gender
    const dob = seg.get(7)
    const birthDate = toFhirDate(dob)
    if (birthDate) {
      p.birthDate = birthDate
      if (hasTime(dob)) p._birthDate = {extension: [{url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: this.dt(dob)}]}
    }
    const death = this.dt(seg.get(29))
    if (death) p.deceasedDateTime = death
    else if (seg.get(30) === 'Y') p.deceasedBoolean = true
    else if (seg.get(30) === 'N') p.deceasedBoolean = false
    const addresses = seg.repetitions(11).map(xadToAddress).filter(Boolean)
    if (addresses.length) p.address = addresses
    const maritalStatus = maritalStatusToCodeableConcept(seg.field(16))
    if (maritalStatus) p.maritalStatus = maritalStatus
    if (seg.get(24) === 'Y') p.multipleBirthInteger = Number(seg.get(25)) || undefined
    if (seg.get(24) === 'Y' && p.multipleBirthInteger === undefined) p.multipleBirthBoolean = true
    if (p.multipleBirthInteger === undefined) delete p.multipleBirthInteger
    const lang = languageToCodeableConcept(seg.field(15))
    if (lang) p.communication = [{language: lang}]
    const ext = [usCoreCategory(US_CORE_RACE, seg.repetitions(10), OMB_RACE), usCoreCategory(US_CORE_ETHNICITY, seg.repetitions(22), OMB_ETHNICITY)].filter(Boolean)
    const mother = seg.get(6, 1, 1)
    if (mother) ext.push({url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: mother})
    if (ext.length) p.extension = ext
    this.patient = this.add(p)
    this.noteTarget = undefined
    return undefined
  }

  private pd1(seg: Hl7Segment) {
    if (!this.patient) return
    const gps = [...seg.repetitions(4).map(xcnToReference), ...seg.repetitions(3).map(xonToReference)].filter(Boolean)
    if (gps.length) this.patient.generalPractitioner = gps
  }

  private nk1(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const name = seg.repetitions(2).map(xpnToHumanName).filter(Boolean)
    const relationship = [cweToCodeableConcept(seg.field(3)), cweToCodeableConcept(seg.field(7))].filter(Boolean)
    const telecom = [...seg.repetitions(5).map((r) => xtnToContactPoint(r, 'home')), ...seg.repetitions(6).map((r) => xtnToContactPoint(r, 'work')), ...seg.repetitions(40).map((r) => xtnToContactPoint(r))].filter(Boolean)
    const address = seg.repetitions(4).map(xadToAddress).filter(Boolean)
    if (!name.length && !telecom.length && !address.length) return
    const contact: Json = {}
    if (relationship.length) contact.relationship = relationship
    if (name.length) contact.name = name[0]
    if (telecom.length) contact.telecom = telecom
    if (address.length) contact.address = address[0]
    ;(patient.contact ??= []).push(contact)
    const rp: Json = {resourceType: 'RelatedPerson', id: this.uniqueId(`RelatedPerson|${patient.id}|${seg.get(1) || 'nk1'}`), patient: ref(patient)}
    if (relationship.length) rp.relationship = relationship
    if (name.length) rp.name = name
    if (telecom.length) rp.telecom = telecom
    if (address.length) rp.address = address
    this.add(rp)
  }

  private pv1(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const visit = cxToIdentifier(seg.field(19), this.cx)
    const admit = seg.get(44)
    const idKey = visit ? `${visit.system ?? ''}|${visit.value}` : admit ? `admit|${admit}` : `message|${this.msg.msh.get(3)}|${this.msg.controlId}`
    const e: Json = {resourceType: 'Encounter', id: uuidV5(`Encounter|${patient.id}|${idKey}`)}
    if (visit) e.identifier = [visit]
    const discharged = seg.get(45) !== ''
    e.status = ENCOUNTER_STATUS[this.event] ?? (discharged ? 'finished' : 'in-progress')
    const cls = seg.get(2, 1).toUpperCase()
    const mapped = ENCOUNTER_CLASS[cls]
    e.class = mapped
      ? {system: V3_ACT_CODE, code: mapped[0], display: mapped[1]}
      : cls
        ? {system: 'http://terminology.hl7.org/CodeSystem/v2-0004', code: cls}
        : {system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK'}
    e.subject = ref(patient)
    const participants: Json[] = []
    for (const [field, code] of [[7, 'ATND'], [8, 'REF'], [9, 'CON'], [17, 'ADM']] as const) {
      for (const r of seg.repetitions(field)) {
        const who = xcnToReference(r)
        if (who) participants.push({type: [{coding: [{system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code}]}], individual: who})
      }
    }
    if (participants.length) e.participant = participants
    const start = this.dt(admit)
    const end = this.dt(seg.get(45))
    if (start || end) e.period = {...(start && {start}), ...(end && {end})}
    const loc = seg.field(3)
    const where = [loc.get(1), loc.get(2), loc.get(3), loc.get(4, 1)].filter(Boolean).join(', ')
    if (where) e.location = [{location: {display: where}, status: this.event === 'A02' ? 'active' : undefined}]
    if (e.location && !e.location[0].status) delete e.location[0].status
    const admitSource = seg.get(14)
    const disposition = seg.get(36)
    if (admitSource || disposition) {
      e.hospitalization = {}
      if (admitSource) e.hospitalization.admitSource = admitSourceToCodeableConcept(admitSource)
      if (disposition) e.hospitalization.dischargeDisposition = {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0112', code: disposition}]}
    }
    this.encounter = this.add(e)
    this.noteTarget = undefined
  }

  private pv2(seg: Hl7Segment) {
    if (!this.encounter) return
    const reason = cweToCodeableConcept(seg.field(3))
    if (reason) this.encounter.reasonCode = [reason]
  }

  private al1(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const code = cweToCodeableConcept(seg.field(3))
    if (!code) return
    const key = code.coding?.[0] ? `${code.coding[0].system ?? ''}|${code.coding[0].code}` : `text|${code.text}`
    const a: Json = {
      resourceType: 'AllergyIntolerance',
      id: this.uniqueId(`AllergyIntolerance|${patient.id}|${key}`),
      clinicalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active'}]},
    }
    const category = ALLERGY_CATEGORY[seg.get(2, 1).toUpperCase()]
    if (category) a.category = [category]
    const crit = ALLERGY_CRITICALITY[seg.get(4, 1).toUpperCase()]
    if (crit) a.criticality = crit
    a.code = code
    a.patient = ref(patient)
    const onset = this.dt(seg.get(6))
    if (onset) a.onsetDateTime = onset
    // AL1-5 is ST up to v2.6 and CWE after: plain text unless it has components.
    const manifestations = seg.repetitions(5).map((r) => (r.raw.includes(seg.delimiters.component) ? cweToCodeableConcept(r) : r.text ? {text: r.text} : undefined)).filter(Boolean)
    if (manifestations.length) a.reaction = [{manifestation: manifestations}]
    this.add(a)
  }

  private dg1(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const code = cweToCodeableConcept(seg.field(3)) ?? (seg.get(4) ? {text: seg.get(4)} : undefined)
    if (!code) return
    if (!code.text && seg.get(4)) code.text = seg.get(4)
    const key = code.coding?.[0] ? `${code.coding[0].system ?? ''}|${code.coding[0].code}` : `text|${code.text}`
    const c: Json = {
      resourceType: 'Condition',
      id: this.uniqueId(`Condition|${patient.id}|${this.encounter?.id ?? ''}|${key}`),
      category: [{coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis'}]}],
    }
    const type = seg.get(6).toUpperCase()
    c.verificationStatus = {coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: type === 'F' ? 'confirmed' : 'provisional'}]}
    c.code = code
    c.subject = ref(patient)
    if (this.encounter) c.encounter = ref(this.encounter)
    const onset = this.dt(seg.get(5))
    if (onset) c.onsetDateTime = onset
    this.add(c)
  }

  private mrg(seg: Hl7Segment) {
    const survivor = this.patient
    if (!survivor) return
    const old = seg.repetitions(1).map((r) => cxToIdentifier(r, this.cx)).filter((x): x is Json => x !== undefined)
    if (!old.length) return
    const key = old.find((i) => i.type?.coding?.[0]?.code === 'MR') ?? old[0]
    const oldId = idFromIdentifier('Patient', key.system, key.value)
    if (oldId === survivor.id) return
    this.add({resourceType: 'Patient', id: oldId, identifier: old, active: false, link: [{other: ref(survivor), type: 'replaced-by'}]})
    ;(survivor.link ??= []).push({other: {reference: `Patient/${oldId}`}, type: 'replaces'})
  }

  private obr(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const placer = seg.field(2)
    const filler = seg.field(3)
    const code = cweToCodeableConcept(seg.field(4)) ?? {text: 'unknown'}
    const key = filler.get(1) ? `filler|${filler.get(2)}|${filler.get(1)}` : placer.get(1) ? `placer|${placer.get(2)}|${placer.get(1)}` : `message|${this.msg.controlId}|${seg.get(1)}`
    const r: Json = {resourceType: 'DiagnosticReport', id: this.uniqueId(`DiagnosticReport|${patient.id}|${key}`)}
    const ids: Json[] = []
    if (placer.get(1)) ids.push({type: {coding: [{system: V2_0203, code: 'PLAC'}]}, value: placer.get(1), ...(placer.get(2) && {assigner: {display: placer.get(2)}})})
    if (filler.get(1)) ids.push({type: {coding: [{system: V2_0203, code: 'FILL'}]}, value: filler.get(1), ...(filler.get(2) && {assigner: {display: filler.get(2)}})})
    if (ids.length) r.identifier = ids
    r.status = REPORT_STATUS[seg.get(25).toUpperCase()] ?? 'unknown'
    const section = seg.get(24)
    if (section) r.category = [{coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: section}]}]
    r.code = code
    r.subject = ref(patient)
    if (this.encounter) r.encounter = ref(this.encounter)
    const when = this.dt(seg.get(7))
    if (when) r.effectiveDateTime = when
    const issued = seg.get(22)
    if (parseHl7DateTime(issued)?.second) r.issued = this.dt(issued)
    this.report = this.add(r)
    this.noteTarget = this.report
  }

  private obx(seg: Hl7Segment) {
    const patient = this.patient
    if (!patient) return
    const code = cweToCodeableConcept(seg.field(3)) ?? {text: 'unknown'}
    const codeKey = code.coding?.[0] ? `${code.coding[0].system ?? ''}|${code.coding[0].code}` : `text|${code.text}`
    // The same result (report, or patient + visit + time when outside a report; code; n-th of that code) gets the
    // same id whichever message carries it, so a corrected result updates the one sent before.
    const parent = this.report?.id ?? `${patient.id}|${this.encounter?.id ?? ''}|${seg.get(14)}`
    const valueType = seg.get(2).toUpperCase()
    if (valueType === 'ED' || valueType === 'RP') return this.obxDocument(seg, valueType, code, `${parent}|${codeKey}`)
    const o: Json = {resourceType: 'Observation', id: this.uniqueId(`Observation|${parent}|${codeKey}`)}
    o.status = OBS_STATUS[seg.get(11).toUpperCase()] ?? 'unknown'
    if (this.report?.category) o.category = this.report.category
    o.code = code
    o.subject = ref(patient)
    if (this.encounter) o.encounter = ref(this.encounter)
    const when = this.dt(seg.get(14)) ?? this.report?.effectiveDateTime
    if (when) o.effectiveDateTime = when
    Object.assign(o, this.obxValue(seg))
    const interp = seg.repetitions(8).map((r) => r.get(1)).filter(Boolean)
    if (interp.length) o.interpretation = interp.map((c) => ({coding: [{system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: c}]}))
    const range = seg.get(7)
    if (range) o.referenceRange = [referenceRange(range, seg.field(6).get(2) || seg.field(6).get(1))]
    this.add(o)
    if (this.report) (this.report.result ??= []).push(ref(o))
    this.noteTarget = o
  }

  /**
   * OBX with ED (encapsulated data) or RP (reference pointer) -> DocumentReference with the value as its
   * attachment, as the IG's OBX[DocumentReference] map does (R4 Observation has no Attachment value). It points
   * to its DiagnosticReport through context.related, as DiagnosticReport.result holds Observations only.
   */
  private obxDocument(seg: Hl7Segment, type: 'ED' | 'RP', code: Json, key: string) {
    const patient = this.patient!
    const attachments = seg.repetitions(5).map((r) => (type === 'ED' ? edToAttachment(r) : rpToAttachment(r))).filter(Boolean)
    const d: Json = {resourceType: 'DocumentReference', id: this.uniqueId(`DocumentReference|${key}`), status: seg.get(11).toUpperCase() === 'W' ? 'entered-in-error' : 'current'}
    const docStatus = DOC_STATUS[seg.get(11).toUpperCase()]
    if (docStatus) d.docStatus = docStatus
    d.type = code
    d.subject = ref(patient)
    d.content = attachments.length ? attachments.map((attachment) => ({attachment})) : [{attachment: {title: `OBX-5 (${type}) was empty`}}]
    const context: Json = {}
    if (this.encounter) context.encounter = [ref(this.encounter)]
    const when = this.dt(seg.get(14)) ?? this.report?.effectiveDateTime
    if (when) context.period = {start: when}
    if (this.report) context.related = [ref(this.report)]
    if (Object.keys(context).length) d.context = context
    this.add(d)
    this.noteTarget = d
  }

  /** OBX-5 by OBX-2: NM -> Quantity, ST/TX/FT -> string, CWE/CE/CNE/CF -> CodeableConcept, DT/TS/DTM -> dateTime, SN -> Quantity/Range/Ratio, TM -> time. */
  private obxValue(seg: Hl7Segment): Json {
    const type = seg.get(2).toUpperCase()
    const reps = seg.repetitions(5)
    const v = reps[0]
    if (!v || v.isEmpty || v.isNull) return {}
    const unit = seg.field(6)
    const quantity = (value: number) => {
      const q: Json = {value}
      const u = unit.get(2) || unit.get(1)
      if (u) q.unit = u
      if (unit.get(1) && unit.get(3).toUpperCase() === 'UCUM') Object.assign(q, {system: 'http://unitsofmeasure.org', code: unit.get(1)})
      return q
    }
    switch (type) {
      case 'NM': {
        const n = Number(v.text.trim())
        return v.text.trim() !== '' && Number.isFinite(n) ? {valueQuantity: quantity(n)} : {valueString: v.text}
      }
      case 'ST': case 'TX': case 'FT':
        return {valueString: reps.map((r) => r.text).join('\n')}
      case 'CWE': case 'CE': case 'CNE': case 'CF': {
        const cc = cweToCodeableConcept(v)
        return cc ? {valueCodeableConcept: cc} : {}
      }
      case 'DT': case 'TS': case 'DTM': {
        const d = this.dt(v.get(1))
        return d ? {valueDateTime: d} : {valueString: v.text}
      }
      case 'TM': {
        const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(v.text)
        return m ? {valueTime: `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}`} : {valueString: v.text}
      }
      case 'SN': {
        const [cmp, n1, sep, n2] = [v.get(1), v.get(2), v.get(3), v.get(4)]
        const a = Number(n1)
        const b = Number(n2)
        if (sep === '-' && n1 && n2 && Number.isFinite(a) && Number.isFinite(b)) return {valueRange: {low: quantity(a), high: quantity(b)}}
        if ((sep === ':' || sep === '/') && n1 && n2 && Number.isFinite(a) && Number.isFinite(b)) return {valueRatio: {numerator: {value: a}, denominator: {value: b}}}
        if (!sep && n1 && Number.isFinite(a)) {
          const q = quantity(a)
          if (['<', '>', '<=', '>='].includes(cmp)) q.comparator = cmp
          return {valueQuantity: q}
        }
        return {valueString: v.text}
      }
      default:
        return {dataAbsentReason: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unsupported'}], text: `OBX-2 value type ${type.slice(0, 8)} is not converted`}}
    }
  }

  private nte(seg: Hl7Segment) {
    const target = this.noteTarget
    if (!target) return
    const text = seg.repetitions(3).map((r) => r.text).join('\n')
    if (!text) return
    if (target.resourceType === 'DiagnosticReport') target.conclusion = target.conclusion ? `${target.conclusion}\n${text}` : text
    else if (target.resourceType === 'DocumentReference') target.description = target.description ? `${target.description}\n${text}` : text
    else (target.note ??= []).push({text})
  }
}

const OMB_RACE = new Set(['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', 'UNK', 'ASKU'])
const OMB_ETHNICITY = new Set(['2135-2', '2186-5', 'UNK', 'ASKU'])
/** HL7 table 0189 (ethnic group) codes to the CDC race and ethnicity codes US Core uses. */
const ETHNIC_0189: Record<string, string> = {H: '2135-2', N: '2186-5', U: 'UNK'}

/** PID-10 race / PID-22 ethnic group (CWE, CDCREC or HL7 tables) -> the US Core race or ethnicity extension. */
function usCoreCategory(url: string, reps: Array<{get(i: number): string}>, omb: Set<string>): Json | undefined {
  const parts: Json[] = []
  const texts: string[] = []
  for (const r of reps) {
    const raw = r.get(1)
    const code = url === US_CORE_ETHNICITY ? ETHNIC_0189[raw.toUpperCase()] ?? raw : raw
    if (!code) continue
    const display = r.get(2)
    parts.push({url: omb.has(code) ? 'ombCategory' : 'detailed', valueCoding: {system: OMB_SYSTEM, code, ...(display && {display})}})
    texts.push(display || code)
  }
  if (!parts.length) return undefined
  return {url, extension: [...parts, {url: 'text', valueString: texts.join(', ')}]}
}

function referenceRange(text: string, unit: string): Json {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text)
  const q = (n: string) => ({value: Number(n), ...(unit && {unit})})
  if (m) return {low: q(m[1]), high: q(m[2]), text}
  return {text}
}
