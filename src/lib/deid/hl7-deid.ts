import {decodeEscapes, encodeEscapes} from '../formats/hl7v2/escape.js'
import {type Hl7Message, type Hl7Segment} from '../formats/hl7v2/message.js'
import {type Category} from './categories.js'
import {AGE_TOP_CODE} from './generalize.js'
import {HL7_PHI_MAP, type Hl7FieldRule, TEXT_VALUE_TYPES} from './hl7-phi-map.js'
import {applyMethod, type DeidSettings, type RecordScope} from './methods.js'
import {patientKeyOf} from './patient-key.js'
import {type Method} from './presets.js'
import {scrubText, type Sweep, sweepPattern} from './scrub.js'

/** XAD components by category: 1-2 street, 3 city, 4 state, 5 ZIP, 6 country, 9 county. */
const XAD: Record<number, Category> = {1: 'street', 2: 'street', 3: 'city', 4: 'state', 5: 'zip', 6: 'state', 8: 'street', 9: 'county'}

interface Ctx {
  s: DeidSettings
  scope: RecordScope
}

/**
 * The patient of a message (PID-3 of type MR, else the first PID-3), and every name and id the PHI map finds in
 * the message (patient, relatives, guarantor, insured, providers, order and visit numbers): its free text and its
 * other fields are swept for them.
 */
export function hl7MessageScope(msg: Hl7Message, needSweep: boolean): RecordScope {
  const pid = msg.segment('PID')
  const ids = pid?.repetitions(3) ?? []
  const mr = ids.find((r) => r.get(5) === 'MR') ?? ids[0]
  const patientKey = pid ? patientKeyOf({mrn: mr?.get(1), name: `${pid.get(5, 2)} ${pid.get(5, 1, 1)}`, birthDate: pid.get(7, 1)}) : undefined
  if (!needSweep) return {patientKey}
  const names: string[] = []
  const values: string[] = []
  for (const seg of msg.segments) {
    const map = HL7_PHI_MAP[seg.name]
    if (!map) continue
    for (const key of Object.keys(map)) {
      const n = Number(key)
      const rule = map[n]
      if (rule.category === 'freeText' || seg.raw(n) === '') continue
      for (const rep of seg.repetitions(n)) {
        switch (rule.shape) {
          case 'XPN':
            names.push(rep.get(1, 1), rep.get(2), rep.get(3))
            break
          case 'XCN':
            names.push(rep.get(2, 1), rep.get(3), rep.get(4))
            values.push(rep.get(1))
            break
          case 'XAD':
            values.push(rep.get(1, 1))
            break
          case 'XTN':
            values.push(rep.get(1), rep.get(4), `${rep.get(6)}${rep.get(7)}`)
            break
          case 'CX':
            values.push(rep.get(1))
            break
          case 'TS':
            if (rule.category === 'birthDate' || rule.category === 'deathDate') values.push(rep.get(1).slice(0, 8))
            break
          default:
            if (rule.category === 'name') names.push(...rep.components().map((c) => decodeEscapes(c, msg.delimiters)))
            else if (rule.category !== 'county' && rule.category !== 'city') values.push(rep.text)
        }
      }
    }
  }
  return {patientKey, sweep: sweepPattern({names: names.filter(Boolean), values: values.filter(Boolean)})}
}

/**
 * De-identify an HL7 v2 message in place, field by field with the PHI map: the message keeps its segments, its
 * delimiters and every field the map does not name. Z-segments keep only their name.
 */
export function deidentifyHl7Message(msg: Hl7Message, s: DeidSettings): Hl7Message {
  const scope = hl7MessageScope(msg, true)
  const ctx: Ctx = {s, scope}
  for (const seg of msg.segments) {
    const name = seg.name
    if (name.startsWith('Z')) {
      if (seg.length > 0) {
        for (let n = 1; n <= seg.length; n++) if (seg.raw(n) !== '') seg.set(n, '', 'raw')
        s.audit.count(`${name} (Z-segment)`, 'redact', 'unknown')
      }
      continue
    }
    const map = HL7_PHI_MAP[name]
    const textObx = name === 'OBX' && TEXT_VALUE_TYPES.has(seg.get(2))
    if (textObx) scrubField(seg, 5, `OBX-5 (${seg.get(2)})`, ctx)
    if (map)
      for (const key of Object.keys(map)) {
        const n = Number(key)
        if (seg.raw(n) === '' || seg.raw(n) === '""') continue
        const rule = map[n]
        if (rule.category === 'freeText') scrubField(seg, n, `${name}-${n}`, ctx)
        else applyField(seg, n, rule, `${name}-${n}`, ctx)
      }
    // Every other field: the names and ids of this message's patient, relatives and guarantor, wherever they
    // turn up (a guarantor's name in IN2, an MRN in PV1-5, a name in a vendor field).
    sweepFields(seg, map, textObx, scope.sweep, ctx)
  }
  return msg
}

const TS_LIKE = /^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d{2,6}(?:\.\d+)?)?(?:[+-]\d{4})?$/
const TS_LIKE_ANYWHERE = /(?:^|[|^~&])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/

/** MSH fields that hold the message's structure, never swept. */
const MSH_STRUCTURE = new Set([1, 2, 9, 10, 11, 12])

function sweepFields(seg: Hl7Segment, map: Record<number, Hl7FieldRule> | undefined, textObx: boolean, sweep: Sweep | undefined, ctx: Ctx): void {
  const d = seg.delimiters
  const header = seg.name === 'MSH' || seg.name === 'FHS' || seg.name === 'BHS'
  let n = 0
  for (let i = 1; i <= seg.length; i++) {
    if ((map && map[i]) || (textObx && i === 5) || (header && MSH_STRUCTURE.has(i))) continue
    const raw = seg.raw(i)
    if (raw === '' || (!sweep?.mayHold(raw) && !TS_LIKE_ANYWHERE.test(raw))) continue
    const swept = raw
      .split(d.repetition)
      .map((rep) => rep.split(d.component).map((c) => c.split(d.subcomponent).map((sc) => {
        if (sc === '') return sc
        if (TS_LIKE.test(sc)) {
          // A timestamp in a field the map does not name is still a date tied to the person.
          const v = ctx.s.preset.methods.date === 'keep' ? sc : one(sc, ctx.s.preset.methods.date, 'date', ctx)
          return v
        }
        const t = decodeEscapes(sc, d)
        if (!sweep) return sc
        const r = scrubText(t, sweep, true).text
        return r === t ? sc : encodeEscapes(r, d)
      }).join(d.subcomponent)).join(d.component))
      .join(d.repetition)
    if (swept !== raw) {
      seg.set(i, swept, 'raw')
      n++
    }
  }
  if (n) ctx.s.audit.count(`${seg.name} (other fields: known identifiers swept, timestamps as dates)`, 'scrub', 'otherId', n)
}

function scrubField(seg: Hl7Segment, n: number, label: string, ctx: Ctx): void {
  const raw = seg.raw(n)
  if (raw === '') return
  const d = seg.delimiters
  const method = ctx.s.preset.methods.freeText
  const reps = raw.split(d.repetition).map((rep) =>
    rep
      .split(d.component)
      .map((c) => (method === 'keep' ? c : method === 'scrub' ? encodeEscapes(scrubText(decodeEscapes(c, d), ctx.scope.sweep).text, d) : ''))
      .join(d.component),
  )
  seg.set(n, reps.join(d.repetition), 'raw')
  ctx.s.audit.count(label, method, 'freeText')
}

/** Apply a method to one text component; '' when removed. */
function one(text: string, method: Method, category: Category, ctx: Ctx, part?: 'given' | 'family'): string {
  if (text === '' || text === '""') return text
  const v = applyMethod(text, method, category, ctx.s, ctx.scope, part)
  if (v === undefined) return ''
  // HL7 dates cannot say "90 or older": such a birth date is emptied.
  return v === AGE_TOP_CODE && (category === 'birthDate' || category === 'deathDate') ? '' : v
}

function applyField(seg: Hl7Segment, n: number, rule: Hl7FieldRule, label: string, ctx: Ctx): void {
  const d = seg.delimiters
  const preset = ctx.s.preset
  const method = preset.methods[rule.category]
  if (method === 'keep') return
  const enc = (t: string) => encodeEscapes(t, d)
  const dec = (t: string) => decodeEscapes(t, d)
  const reps = seg.raw(n).split(d.repetition)
  const out = reps.map((rep) => {
    const comps = rep.split(d.component)
    switch (rule.shape) {
      case 'XAD':
        return comps
          .map((c, i) => {
            const cat = XAD[i + 1] ?? 'street'
            const m = preset.methods[cat]
            return m === 'keep' ? c : enc(one(dec(c.split(d.subcomponent)[0]), m, cat, ctx))
          })
          .join(d.component)
      case 'TS':
        return enc(one(dec(comps[0]), method, rule.category, ctx))
      case 'CX':
      case 'XTN':
      case 'TEXT':
        if (method === 'redact') return ''
        if (rule.shape === 'XTN') return enc(one(dec(comps[0] || comps[3] || `${comps[5] ?? ''}${comps[6] ?? ''}`), method, rule.category, ctx))
        if (rule.shape === 'TEXT') return enc(one(dec(rep), method, rule.category, ctx))
        // CX: the id is replaced, its type and assigning authority stay.
        comps[0] = enc(one(dec(comps[0]), method, rule.category, ctx))
        return comps.join(d.component)
      case 'XPN':
      case 'XCN': {
        if (method !== 'substitute') return method === 'redact' ? '' : comps.map((c) => enc(one(dec(c), method, rule.category, ctx))).join(d.component)
        const off = rule.shape === 'XCN' ? 1 : 0 // XCN-1 is the person's id, the name starts at XCN-2
        if (off && comps[0]) comps[0] = enc(one(dec(comps[0]), 'pseudonym', 'otherId', ctx))
        const family = comps[off]?.split(d.subcomponent)[0] ?? ''
        if (family) comps[off] = enc(one(dec(family), 'substitute', 'name', ctx, 'family'))
        for (const i of [off + 1, off + 2]) if (comps[i]) comps[i] = enc(one(dec(comps[i]), 'substitute', 'name', ctx, 'given'))
        return comps.join(d.component)
      }
    }
  })
  seg.set(n, out.filter((r) => r.split(d.component).join('').split(d.subcomponent).join('') !== '').join(d.repetition), 'raw')
  ctx.s.audit.count(label, method, rule.category)
}
