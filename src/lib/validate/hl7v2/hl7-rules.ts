import {parseHl7DateTime} from '../../formats/hl7v2/datetime.js'
import {type Hl7Message, type Hl7Segment, type Hl7Value} from '../../formats/hl7v2/message.js'
import {type FindingLocation} from '../findings.js'
import {type Emit} from '../rules.js'
import {V251_COMPONENT_TYPES} from './v251-component-types.js'

/**
 * HL7 v2 rules (after v2.5.1) for the ADT and ORU messages him converts: required segments per message
 * structure, required fields, data types (DTM, NM, CX, XPN), table values and field lengths.
 */

/** Event -> message structure (v2.5.1 Chapter 3, 7), for messages that do not send MSH-9.3. */
const EVENT_STRUCTURE: Record<string, string> = {
  A01: 'ADT_A01', A04: 'ADT_A01', A08: 'ADT_A01', A13: 'ADT_A01',
  A02: 'ADT_A02', A03: 'ADT_A03',
  A05: 'ADT_A05', A14: 'ADT_A05', A28: 'ADT_A05', A31: 'ADT_A05',
  A06: 'ADT_A06', A07: 'ADT_A06',
  A09: 'ADT_A09', A10: 'ADT_A09', A11: 'ADT_A09', A12: 'ADT_A12',
  A15: 'ADT_A15', A16: 'ADT_A16', A17: 'ADT_A17',
  A21: 'ADT_A21', A22: 'ADT_A21', A23: 'ADT_A21', A25: 'ADT_A21', A26: 'ADT_A21', A27: 'ADT_A21', A29: 'ADT_A21', A32: 'ADT_A21', A33: 'ADT_A21',
  A24: 'ADT_A24', A37: 'ADT_A37', A38: 'ADT_A38',
  A30: 'ADT_A30', A34: 'ADT_A30', A35: 'ADT_A30', A36: 'ADT_A30', A46: 'ADT_A30', A47: 'ADT_A30', A48: 'ADT_A30', A49: 'ADT_A30',
  A39: 'ADT_A39', A40: 'ADT_A39', A41: 'ADT_A39', A42: 'ADT_A39',
  A45: 'ADT_A45', A50: 'ADT_A50', A60: 'ADT_A60',
  R01: 'ORU_R01',
}

/** Segments each structure requires, with how many at least. */
const STRUCTURE_SEGMENTS: Record<string, Array<[string, number]>> = {
  ADT_A01: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A02: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A03: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A05: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A06: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A09: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A12: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A15: [['EVN', 1], ['PID', 1]],
  ADT_A16: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A17: [['EVN', 1], ['PID', 2], ['PV1', 2]],
  ADT_A21: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A24: [['EVN', 1], ['PID', 2]],
  ADT_A30: [['EVN', 1], ['PID', 1], ['MRG', 1]],
  ADT_A37: [['EVN', 1], ['PID', 2]],
  ADT_A38: [['EVN', 1], ['PID', 1], ['PV1', 1]],
  ADT_A39: [['EVN', 1], ['PID', 1], ['MRG', 1]],
  ADT_A45: [['EVN', 1], ['PID', 1], ['MRG', 1]],
  ADT_A50: [['EVN', 1], ['PID', 1], ['MRG', 1], ['PV1', 1]],
  ADT_A60: [['EVN', 1], ['PID', 1]],
  ORU_R01: [['OBR', 1]],
}

/**
 * Fields that must hold a value, per segment: the fields marked R (required) in the v2.5.1 segment definitions
 * of the segments the ADT and ORU structures hold (Ch. 2 MSH, SFT; Ch. 3 EVN, PID, NK1, PV1, AL1, IAM, DB1, MRG;
 * Ch. 4 ORC; Ch. 6 DG1, PR1, GT1, IN1, IN3, FT1; Ch. 7 OBR, OBX, SPM, CTI; Ch. 11 CTD; Ch. 15 ROL), as HAPI v2's
 * v2.5.1 structures also mark them (checked by scripts/hl7v2-conformance). MSH-1 and MSH-2 are the delimiters.
 */
const REQUIRED_FIELDS: Record<string, number[]> = {
  MSH: [7, 9, 10, 11, 12],
  SFT: [1, 2, 3, 4],
  EVN: [2],
  PID: [3, 5],
  NK1: [1],
  PV1: [2],
  AL1: [1, 3],
  IAM: [1, 3, 6],
  DB1: [1],
  MRG: [1],
  ORC: [1],
  DG1: [1, 6],
  PR1: [1, 3, 5],
  GT1: [1, 3],
  IN1: [1, 2, 3],
  IN3: [1],
  FT1: [4, 6, 7],
  OBR: [4],
  OBX: [3, 11],
  SPM: [4],
  CTI: [1],
  CTD: [1],
  ROL: [2, 3, 4],
}

/** Fields of type DTM/TS. */
const DTM_FIELDS: Record<string, number[]> = {
  MSH: [7],
  EVN: [2, 3, 6],
  PID: [7, 29],
  PV1: [44, 45],
  OBR: [6, 7, 8, 14, 22],
  OBX: [12, 14, 19],
}

/** HL7 tables checked, with the field that uses each. */
const TABLES: Array<{segment: string; field: number; component?: number; table: string; values: Set<string>}> = [
  {segment: 'PID', field: 8, table: '0001 administrative sex', values: new Set(['A', 'F', 'M', 'N', 'O', 'U'])},
  {segment: 'PV1', field: 2, table: '0004 patient class', values: new Set(['B', 'C', 'E', 'I', 'N', 'O', 'P', 'R', 'U'])},
  {segment: 'MSH', field: 11, component: 1, table: '0103 processing ID', values: new Set(['D', 'P', 'T'])},
  {segment: 'MSH', field: 12, component: 1, table: '0104 version ID', values: new Set(['2.1', '2.2', '2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8', '2.8.1', '2.8.2', '2.9'])},
  {segment: 'OBX', field: 2, table: '0125 value type', values: new Set('AD CE CF CK CN CP CQ CWE CNE CX DR DT DTM ED EI FT HD ID MA MO NA NM NR PN RP SN ST TM TN TS TX XAD XCN XON XPN XTN'.split(' '))},
  {segment: 'OBX', field: 11, table: '0085 observation result status', values: new Set(['C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'W', 'X'])},
]

/** Maximum lengths (v2.5.1) of fields worth checking; longer values are warnings. */
const MAX_LENGTH: Record<string, Record<number, number>> = {
  MSH: {7: 26, 10: 20, 11: 3, 12: 60},
  EVN: {2: 26},
  PID: {3: 250, 5: 250, 7: 26, 8: 1, 11: 250, 13: 250, 18: 250, 19: 16, 29: 26},
  PV1: {2: 1, 19: 250, 44: 26, 45: 26},
  OBX: {3: 250, 11: 1},
  OBR: {4: 250},
}

/** Fields shown in the completeness chart, and whether a record should always have them. */
export const COMPLETENESS_FIELDS: Array<[string, boolean, string]> = [
  ['MSH-7', false, 'message date/time'], ['MSH-10', true, 'control ID'], ['PID-3', true, 'patient identifiers'],
  ['PID-5', true, 'patient name'], ['PID-7', false, 'birth date'], ['PID-8', false, 'sex'], ['PID-11', false, 'address'],
  ['PID-13', false, 'home phone'], ['PID-19', false, 'SSN'], ['PV1-2', false, 'patient class'], ['PV1-19', false, 'visit number'],
]

const NM = /^[+-]?(\d+(\.\d*)?|\.\d+)$/
/** v2.5.1 2.A.21 DT: YYYY[MM[DD]]. */
const DT = /^\d{4}(\d{2}(\d{2})?)?$/
/** v2.5.1 2.A.75 TM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]. */
const TM = /^([01]\d|2[0-3])([0-5]\d([0-5]\d(\.\d{1,4})?)?)?([+-]\d{4})?$/
/** v2.5.1 2.A.69 SI: a non-negative integer. */
const SI = /^\d+$/

/** Whether a component's text fits its v2.5.1 primitive type (DT and DTM must also be real days). */
const PRIMITIVE_CHECKS: Record<string, [(text: string) => boolean, string]> = {
  DTM: [(t) => parseHl7DateTime(t) !== undefined, 'a DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]) that is a real date'],
  DT: [(t) => DT.test(t) && parseHl7DateTime(t) !== undefined, 'a DT (YYYY[MM[DD]]) that is a real date'],
  TM: [(t) => TM.test(t), 'a TM (HH[MM[SS[.S]]][+/-ZZZZ])'],
  NM: [(t) => NM.test(t.trim()), 'a number (NM)'],
  SI: [(t) => SI.test(t), 'a sequence ID (SI, a non-negative integer)'],
}

/** The table of V251_COMPONENT_TYPES, parsed once: segment -> field -> [component, subcomponent?, type]. */
const COMPONENT_TYPES = new Map(
  Object.entries(V251_COMPONENT_TYPES).map(([seg, fields]) => [
    seg,
    Object.entries(fields).map(([f, list]) => [Number(f), list.split(',').map((e) => {
      const [path, typed] = e.split(' ')
      const [c, sub] = path.split('.').map(Number)
      return {path, c, sub, type: typed.replace('~', ''), sameInV28: !typed.endsWith('~')}
    })] as const),
  ]),
)
/** Messages of these versions get every component of the table checked. */
const V25 = new Set(['', '2.5', '2.5.1'])
/** Messages of these later versions get the components whose type v2.8 kept (XON.3, for one, is withdrawn). */
const LATER = new Set(['2.6', '2.7', '2.7.1', '2.8', '2.8.1', '2.8.2'])

export interface Hl7MessageSite {
  file: string
  /** The message's number in the file. */
  record: number
  /** The physical line of each segment, in order. */
  segmentLines: number[]
}

/** Check one parsed HL7 v2 message. Pure: findings go to `emit`; values only as the value argument. */
export function validateHl7Message(msg: Hl7Message, site: Hl7MessageSite, emit: Emit): void {
  const indexOf = new Map<Hl7Segment, number>()
  msg.segments.forEach((s, i) => indexOf.set(s, i))
  const counts = new Map<string, number>()
  const at = (seg: Hl7Segment | undefined, path: string): FindingLocation => ({
    file: site.file,
    line: seg ? site.segmentLines[indexOf.get(seg)!] : site.segmentLines[0],
    record: site.record,
    path,
  })
  const name = (seg: Hl7Segment) => {
    const n = (counts.get(seg.name) ?? 0) + 1
    counts.set(seg.name, n)
    return n === 1 ? seg.name : `${seg.name}[${n}]`
  }

  const type = msg.type
  // Some senders put the event's name in MSH-9.3 (ADT_A04) where v2.5 has the shared structure (ADT_A01).
  const structure = STRUCTURE_SEGMENTS[type.structure] ? type.structure : EVENT_STRUCTURE[type.event] ?? type.structure
  const segs = STRUCTURE_SEGMENTS[structure]
  if (type.code && !segs) emit('hl7.event.unsupported', `no structure rules for ${type.code}^${type.event}${type.structure ? ` (${type.structure})` : ''}; fields are still checked`, at(msg.msh, 'MSH-9'))
  for (const [seg, min] of segs ?? []) {
    const have = msg.segmentsNamed(seg).length
    if (have < min) emit('hl7.segment.missing', `${structure} requires ${min === 1 ? 'a' : min} ${seg} segment${min === 1 ? '' : 's'}; found ${have}`, at(undefined, seg))
  }

  // Component data types (DT, TM, NM, SI and DTM inside composites) as v2.5.1 defines them: all of them in v2.5.x
  // messages, those v2.8 kept in v2.6-v2.8 messages, none in older versions.
  const componentTypes = V25.has(msg.version) ? 'all' : LATER.has(msg.version) ? 'kept' : undefined
  for (const seg of msg.segments) {
    const label = name(seg)
    for (const f of REQUIRED_FIELDS[seg.name] ?? []) {
      const v = seg.field(f)
      if (v.isEmpty || v.isNull) emit('hl7.field.required', `${seg.name}-${f} is required`, at(seg, `${label}-${f}`))
    }
    for (const f of DTM_FIELDS[seg.name] ?? []) {
      for (const [r, v] of seg.repetitions(f).entries()) {
        const text = v.get(1)
        if (text && !parseHl7DateTime(text)) emit('hl7.datatype', `${seg.name}-${f} is not a DTM (YYYY[MM[DD[HHMM[SS]]]][+/-ZZZZ]) or not a real date`, at(seg, `${label}-${f}${r ? `[${r + 1}]` : ''}`), text)
      }
    }
    for (const t of TABLES) {
      if (t.segment !== seg.name) continue
      const v = t.component ? seg.get(t.field, t.component) : seg.get(t.field)
      if (v && !t.values.has(v)) emit('hl7.table', `not a value of HL7 table ${t.table}`, at(seg, `${label}-${t.field}${t.component ? `.${t.component}` : ''}`), v)
    }
    for (const [f, max] of Object.entries(MAX_LENGTH[seg.name] ?? {})) {
      const len = seg.field(Number(f)).text.length
      if (len > max) emit('hl7.length', `${seg.name}-${f} is ${len} characters; HL7 v2.5 allows ${max}`, at(seg, `${label}-${f}`))
    }
    if (componentTypes) {
      for (const [f, comps] of COMPONENT_TYPES.get(seg.name) ?? []) {
        if (DTM_FIELDS[seg.name]?.includes(f)) continue // checked above, in every version
        for (const [r, v] of seg.repetitions(f).entries()) {
          if (v.isEmpty || v.isNull) continue
          for (const {path, c, sub, type, sameInV28} of comps) {
            if (componentTypes === 'kept' && !sameInV28) continue
            const text = sub === undefined ? v.get(c) : v.get(c, sub)
            if (!text) continue
            const [ok, what] = PRIMITIVE_CHECKS[type]
            if (!ok(text)) emit('hl7.datatype', `${seg.name}-${f}${path === '1' ? '' : `.${path}`} is not ${what}`, at(seg, path === '1' ? `${label}-${f}${r ? `[${r + 1}]` : ''}` : `${label}-${f}[${r + 1}].${path}`), text)
          }
        }
      }
    }
    if (seg.name === 'PID') {
      for (const [r, cx] of seg.repetitions(3).entries()) {
        checkCx(cx, (msg2, comp) => emit('hl7.datatype', msg2, at(seg, `${label}-3[${r + 1}]${comp}`), cx.text))
        if (cx.get(1) && !cx.get(4) && !cx.get(5)) emit('hl7.cx.authority', 'the identifier says neither whose it is (CX.4) nor what it is (CX.5)', at(seg, `${label}-3[${r + 1}].4`))
      }
      for (const [r, xpn] of seg.repetitions(5).entries()) checkXpn(xpn, (rule, msg2, comp) => emit(rule, msg2, at(seg, `${label}-5[${r + 1}]${comp}`), xpn.text))
    }
    if (seg.name === 'OBX' && seg.get(2) === 'NM')
      for (const [r, v] of seg.repetitions(5).entries()) {
        const text = v.get(1)
        if (text && !NM.test(text.trim())) emit('hl7.datatype', 'OBX-5 is not a number (NM), as OBX-2 says it is', at(seg, `${label}-5${r ? `[${r + 1}]` : ''}`), text)
      }
  }
}

/** CX: the ID (CX.1) is required. */
function checkCx(v: Hl7Value, report: (message: string, component: string) => void): void {
  if (v.isEmpty || v.isNull) return
  if (!v.get(1)) report('CX.1 (the identifier) is empty', '.1')
}

/**
 * XPN: a family name (XPN.1) or a given name (XPN.2). Digits in a name are not a data type error (XPN.1.1 and
 * XPN.2 are ST in v2.5.1, 2.A.88), only a data quality warning.
 */
function checkXpn(v: Hl7Value, report: (rule: 'hl7.datatype' | 'hl7.name.digits', message: string, component: string) => void): void {
  if (v.isEmpty || v.isNull) return
  const family = v.get(1, 1)
  const given = v.get(2)
  if (!family && !given) report('hl7.datatype', 'XPN has neither a family name (XPN.1) nor a given name (XPN.2)', '')
  else if (/\d/.test(family + given)) report('hl7.name.digits', 'a name with digits in it', /\d/.test(family) ? '.1' : '.2')
}
