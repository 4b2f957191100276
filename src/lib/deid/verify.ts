import {readCsv, type CsvHeader} from '../formats/csv/reader.js'
import {readFhir} from '../formats/fhir/reader.js'
import {decodeEscapes} from '../formats/hl7v2/escape.js'
import {type Hl7Message} from '../formats/hl7v2/message.js'
import {readHl7} from '../formats/hl7v2/reader.js'
import {detectFormat, type InputFormat, openSource, type Source} from '../io/source.js'
import {type SourceLocation} from '../records/types.js'
import {planCsvColumns} from './csv-columns.js'
import {parseDateText} from './date-shift.js'
import {HL7_PHI_MAP} from './hl7-phi-map.js'
import {PRESETS} from './presets.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Where an original identifier came from: its category and field, never its value. */
export interface Origin {
  category: string
  source: string
}

export interface Leak {
  loc: SourceLocation
  category: string
  /** Where the value was in the original: `column SSN`, `Patient.identifier`, `PID-19`. */
  origin: string
  /** Only with showValues. */
  value?: string
}

export interface VerifyResult {
  original: string
  deidentified: string
  identifiersCollected: number
  byCategory: Record<string, number>
  recordsScanned: number
  leaks: Leak[]
  leakCount: number
  exitCode: number
}

const MIN_NAME = 3

/**
 * Every identifier value of the original, kept in forms that survive re-formatting: name words, ids without
 * punctuation, digit strings of phones and SSNs, emails, house number + street word, full dates as YYYYMMDD.
 */
export class IdentifierIndex {
  readonly names = new Map<string, Origin>()
  readonly ids = new Map<string, Origin>()
  readonly digits = new Map<string, Origin>()
  readonly emails = new Map<string, Origin>()
  readonly streets = new Map<string, Origin>()
  readonly dates = new Map<string, Origin>()

  get size(): number {
    return this.names.size + this.ids.size + this.digits.size + this.emails.size + this.streets.size + this.dates.size
  }

  add(value: string | undefined, category: string, source: string): void {
    if (!value) return
    const v = value.trim()
    if (v === '' || v === '""') return
    const o = {category, source}
    switch (category) {
      case 'name':
        for (const w of v.toLowerCase().split(/[^\p{L}]+/u)) if (w.length >= MIN_NAME) this.names.set(w, o)
        return
      case 'email':
        this.emails.set(v.toLowerCase(), o)
        return
      case 'street': {
        const m = /(\d+[a-z]?)\s+([\p{L}]{2,})/iu.exec(v)
        if (m) this.streets.set(`${m[1]} ${m[2]}`.toLowerCase(), o)
        return
      }
      case 'birthDate':
      case 'deathDate':
      case 'date': {
        const d = parseDateText(v)
        if (d?.day !== undefined) this.dates.set(`${d.year}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`, o)
        return
      }
      case 'phone':
      case 'fax':
      case 'ssn': {
        const dg = v.replace(/\D/g, '')
        if (dg.length >= 7) this.digits.set(dg, o)
        else this.addId(v, o)
        return
      }
      default:
        this.addId(v, o)
    }
  }

  private addId(v: string, o: Origin): void {
    const a = v.toUpperCase().replace(/[^A-Z0-9]/g, '')
    if (a.length >= 4) this.ids.set(a, o)
    const dg = v.replace(/\D/g, '')
    if (dg.length >= 7 && dg.length === a.length) this.digits.set(dg, o)
  }

  /** The identifiers a text holds: [origin, matched form]. */
  find(text: string): Array<[Origin, string]> {
    const out: Array<[Origin, string]> = []
    if (text.length < 3) return out
    const hit = (m: Map<string, Origin>, k: string) => {
      const o = m.get(k)
      if (o) out.push([o, k])
    }
    if (this.names.size) for (const w of text.toLowerCase().split(/[^\p{L}]+/u)) if (w.length >= MIN_NAME) hit(this.names, w)
    if (this.emails.size) for (const m of text.matchAll(/[\w.%+-]+@[\w.-]+/g)) hit(this.emails, m[0].toLowerCase().replace(/\.$/, ''))
    if (this.ids.size) {
      const toks = text.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean)
      const seen = new Set<string>()
      for (let i = 0; i < toks.length; i++) {
        let acc = ''
        for (let j = i; j < Math.min(toks.length, i + 4); j++) {
          acc += toks[j]
          if (!seen.has(acc)) {
            seen.add(acc)
            hit(this.ids, acc)
          }
        }
      }
    }
    if (this.digits.size) for (const m of text.matchAll(/\d[\d\s().-]{5,}\d/g)) hit(this.digits, m[0].replace(/\D/g, ''))
    if (this.streets.size) for (const m of text.matchAll(/(\d+[a-z]?)\s+([\p{L}]{2,})/giu)) hit(this.streets, `${m[1]} ${m[2]}`.toLowerCase())
    if (this.dates.size)
      for (const m of text.matchAll(/\b\d{4}-\d{2}-\d{2}|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b|\b(?:19|20)\d{6}/g)) {
        const d = parseDateText(m[0])
        if (d?.day !== undefined) hit(this.dates, `${d.year}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`)
      }
    return out
  }
}

/** A text of an input, with where it is. */
interface Cell {
  loc: SourceLocation
  text: string
}

// ---- collect identifiers from the original ----

async function collectCsv(src: Source, idx: IdentifierIndex): Promise<number> {
  let plan: ReturnType<typeof planCsvColumns>['plan'] = []
  let n = 0
  for await (const item of readCsv(src)) {
    if ('header' in item) {
      plan = planCsvColumns((item as CsvHeader).header, PRESETS['safe-harbor']).plan
      continue
    }
    for (const row of item) {
      if (!row.ok) continue
      n++
      for (const c of plan) {
        if (['quasi', 'clinical', 'state', 'freeText', 'unknown', 'city', 'county', 'zip', 'age'].includes(c.category)) continue
        if (c.category === 'date') continue // visit dates: reported by the year, not as identifiers of a person
        idx.add(row.value[c.index], c.category, `column ${c.column}`)
      }
    }
  }
  return n
}

function collectResource(r: any, idx: IdentifierIndex): void {
  const rt = r.resourceType
  const walk = (v: any, path: string) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, path))
    if (!v || typeof v !== 'object') return
    if (typeof v.resourceType === 'string' && v !== r) return collectResource(v, idx)
    if (typeof v.family === 'string' || Array.isArray(v.given)) {
      idx.add(v.family, 'name', `${path} (HumanName)`)
      for (const g of Array.isArray(v.given) ? v.given : []) idx.add(g, 'name', `${path} (HumanName)`)
    }
    if (typeof v.value === 'string' && (v.system !== undefined || v.type !== undefined) && !('code' in v)) {
      const sys = String(v.system)
      const cat = ['phone', 'fax', 'sms', 'pager'].includes(sys) ? 'phone' : sys === 'email' ? 'email' : sys === 'url' ? 'url' : sys.includes('us-ssn') ? 'ssn' : 'otherId'
      idx.add(v.value, cat, path)
    }
    if (Array.isArray(v.line)) for (const l of v.line) idx.add(l, 'street', `${path}.line`)
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`)
  }
  if (typeof r.birthDate === 'string') idx.add(r.birthDate, 'birthDate', `${rt}.birthDate`)
  if (rt === 'Coverage' && typeof r.subscriberId === 'string') idx.add(r.subscriberId, 'healthPlan', 'Coverage.subscriberId')
  if (rt === 'Device' && typeof r.serialNumber === 'string') idx.add(r.serialNumber, 'device', 'Device.serialNumber')
  walk(r, rt)
}

function collectHl7(msg: Hl7Message, idx: IdentifierIndex): void {
  for (const seg of msg.segments) {
    const map = HL7_PHI_MAP[seg.name]
    if (!map) continue
    for (const [k, rule] of Object.entries(map)) {
      const n = Number(k)
      if (rule.category === 'freeText' || rule.category === 'date') continue
      const src = `${seg.name}-${n}`
      for (const rep of seg.repetitions(n)) {
        const comps = rep.components().map((c) => decodeEscapes(c.split(seg.delimiters.subcomponent)[0], seg.delimiters))
        if (rule.shape === 'XPN') comps.slice(0, 3).forEach((c) => idx.add(c, 'name', src))
        else if (rule.shape === 'XCN') comps.slice(1, 4).forEach((c) => idx.add(c, 'name', src))
        else if (rule.shape === 'XAD') idx.add(comps[0], 'street', src)
        else if (rule.shape === 'XTN') {
          idx.add(comps[0], 'phone', src)
          if (comps[3]?.includes('@')) idx.add(comps[3], 'email', src)
          if (comps[5] && comps[6]) idx.add(`${comps[5]}${comps[6]}`, 'phone', src)
        } else if (rule.shape === 'CX') idx.add(comps[0], rule.category, src)
        else if (rule.shape === 'TS') idx.add(comps[0]?.slice(0, 8), rule.category, src)
        else if (rule.category !== 'county' && rule.category !== 'city') idx.add(rep.text, rule.category, src)
      }
    }
  }
}

export async function collectIdentifiers(src: Source, format: InputFormat, idx: IdentifierIndex): Promise<number> {
  if (format === 'csv') return collectCsv(src, idx)
  let n = 0
  if (format === 'fhir') {
    for await (const item of readFhir(src)) if (item.ok) {
      n++
      collectResource(item.value, idx)
    }
    return n
  }
  for await (const item of readHl7(src)) if (item.ok) {
    n++
    collectHl7(item.value, idx)
  }
  return n
}

// ---- scan the de-identified output ----

async function* cellsOf(src: Source, format: InputFormat): AsyncGenerator<Cell> {
  if (format === 'csv') {
    let header: string[] = []
    for await (const item of readCsv(src)) {
      if ('header' in item) {
        header = (item as CsvHeader).header
        continue
      }
      for (const row of item) {
        if (!row.ok) {
          if (Array.isArray(row.raw)) for (const t of row.raw as string[]) yield {loc: row.loc, text: String(t)}
          continue
        }
        for (let i = 0; i < row.value.length; i++) if (row.value[i]) yield {loc: {...row.loc, field: header[i]}, text: row.value[i]}
      }
    }
    return
  }
  if (format === 'fhir') {
    for await (const item of readFhir(src)) {
      if (!item.ok) continue
      const stack: Array<[any, string]> = [[item.value, item.value.resourceType]]
      while (stack.length) {
        const [v, path] = stack.pop()!
        if (typeof v === 'string') yield {loc: {...item.loc, field: path}, text: v}
        else if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${path}[${i}]`]))
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push([x, `${path}.${k}`])
      }
    }
    return
  }
  for await (const item of readHl7(src)) {
    if (!item.ok) continue
    const counts = new Map<string, number>()
    for (const seg of item.value.segments) {
      const k = (counts.get(seg.name) ?? 0) + 1
      counts.set(seg.name, k)
      for (let n = 1; n <= seg.length; n++) {
        const raw = seg.raw(n)
        if (raw) yield {loc: {...item.loc, field: `${seg.name}${k > 1 ? `[${k}]` : ''}-${n}`}, text: decodeEscapes(raw, seg.delimiters)}
      }
    }
  }
}

/**
 * Collect every identifier value of ORIGINAL (names, SSNs, MRNs and other ids, phones, emails, street addresses,
 * full dates of birth) and search DEIDENTIFIED for them, whatever either file's format. A leak is reported with
 * its location and what kind of identifier it is, not its value (unless showValues).
 */
export async function verifyDeidentified(o: {original: string; deidentified: string; showValues?: boolean; maxLeaks?: number}): Promise<VerifyResult> {
  const orig = await openSource(o.original)
  const out = await openSource(o.deidentified)
  const idx = new IdentifierIndex()
  await collectIdentifiers(orig, detectFormat(orig), idx)
  const byCategory: Record<string, number> = {}
  for (const m of [idx.names, idx.ids, idx.digits, idx.emails, idx.streets, idx.dates])
    for (const v of m.values()) byCategory[v.category] = (byCategory[v.category] ?? 0) + 1
  const leaks: Leak[] = []
  let leakCount = 0
  const records = new Set<string>()
  const max = o.maxLeaks ?? 1000
  for await (const cell of cellsOf(out, detectFormat(out))) {
    records.add(`${cell.loc.line ?? ''}:${cell.loc.record ?? ''}`)
    for (const [origin, form] of idx.find(cell.text)) {
      leakCount++
      if (leaks.length < max) leaks.push({loc: cell.loc, category: origin.category, origin: origin.source, ...(o.showValues ? {value: form} : {})})
    }
  }
  return {
    original: orig.name,
    deidentified: out.name,
    identifiersCollected: idx.size,
    byCategory,
    recordsScanned: records.size,
    leaks,
    leakCount,
    exitCode: leakCount > 0 ? 1 : 0,
  }
}
