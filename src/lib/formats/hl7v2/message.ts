import {DEFAULT_DELIMITERS, type Delimiters, delimitersOf, encodingCharacters, HEADER_SEGMENTS} from './delimiters.js'
import {decodeEscapes, encodeEscapes} from './escape.js'
import {parsePath} from './path.js'

/** HL7's explicit null: the field is to be deleted, which is not the same as empty (no change). */
export const HL7_NULL = '""'

/**
 * One value at any level (a repetition of a field, a component or a subcomponent), kept as its raw wire text and
 * decoded only when asked. 1-based indices, as in HL7 notation.
 */
export class Hl7Value {
  constructor(
    readonly raw: string,
    readonly delimiters: Delimiters,
  ) {}

  /** `""`: an explicit null (delete the value), distinct from empty. */
  get isNull(): boolean {
    return this.raw === HL7_NULL
  }

  get isEmpty(): boolean {
    return this.raw === ''
  }

  /** The decoded text of the whole value ('' for empty and for `""`). */
  get text(): string {
    return this.raw === HL7_NULL ? '' : decodeEscapes(this.raw, this.delimiters)
  }

  /** Raw components, [] when empty. */
  components(): string[] {
    return this.raw === '' ? [] : this.raw.split(this.delimiters.component)
  }

  component(i: number): Hl7Value {
    return new Hl7Value(nth(this.raw, this.delimiters.component, i), this.delimiters)
  }

  /** Decoded text of component i (and subcomponent j). */
  get(i: number, j?: number): string {
    const c = nth(this.raw, this.delimiters.component, i)
    const v = j === undefined ? c : nth(c, this.delimiters.subcomponent, j)
    return v === HL7_NULL ? '' : decodeEscapes(v, this.delimiters)
  }

  /** Every component decoded, in one pass ('' for empty and `""`). Subcomponent separators stay in the text. */
  componentTexts(): string[] {
    if (this.raw === '') return []
    if (this.raw.indexOf(this.delimiters.component) === -1) return [this.raw === HL7_NULL ? '' : decodeEscapes(this.raw, this.delimiters)]
    const parts = this.raw.split(this.delimiters.component)
    for (let i = 0; i < parts.length; i++) parts[i] = parts[i] === HL7_NULL ? '' : decodeEscapes(parts[i], this.delimiters)
    return parts
  }

  /** Raw subcomponents of this value, [] when empty. */
  subcomponents(): string[] {
    return this.raw === '' ? [] : this.raw.split(this.delimiters.subcomponent)
  }
}

/** The i-th (1-based) piece of `raw` split on `sep`, without splitting all of it. */
function nth(raw: string, sep: string, i: number): string {
  if (raw === '') return ''
  let start = 0
  for (let k = 1; k < i; k++) {
    const p = raw.indexOf(sep, start)
    if (p === -1) return ''
    start = p + sep.length
  }
  const end = raw.indexOf(sep, start)
  return end === -1 ? raw.slice(start) : raw.slice(start, end)
}

/** A field value to build: text, or repetitions of components of subcomponents (all plain text, encoded here). */
export type ComponentsInput = Array<string | null | undefined | Array<string | null | undefined>>
export type FieldInput = string | null | undefined | ComponentsInput[]

/**
 * A segment: its raw text, split into fields on first access. Unchanged segments serialise to exactly their
 * input text. For MSH/FHS/BHS, field 1 is the field separator and field 2 the encoding characters, as in HL7.
 */
export class Hl7Segment {
  private fieldsCache?: string[]
  private rawText?: string

  constructor(raw: string, readonly delimiters: Delimiters = DEFAULT_DELIMITERS) {
    this.rawText = raw
  }

  /** A new segment from field values; text is escaped, `null` becomes `""`. */
  static build(name: string, fields: FieldInput[], delimiters: Delimiters = DEFAULT_DELIMITERS): Hl7Segment {
    const s = new Hl7Segment(name, delimiters)
    fields.forEach((f, i) => {
      if (f !== undefined) s.set(i + 1, f)
    })
    return s
  }

  private nameCache?: string
  private headerCache?: boolean

  get name(): string {
    if (this.nameCache !== undefined) return this.nameCache
    const raw = this.rawText
    if (raw !== undefined) {
      const p = raw.indexOf(this.delimiters.field)
      this.nameCache = p === -1 ? raw : raw.slice(0, p)
    } else this.nameCache = this.fieldsCache![0]
    return this.nameCache
  }

  private get isHeader(): boolean {
    return (this.headerCache ??= HEADER_SEGMENTS.has(this.name))
  }

  /** Raw fields, index = HL7 field number (0 = segment name). */
  fields(): string[] {
    if (this.fieldsCache) return this.fieldsCache
    const parts = this.rawText!.split(this.delimiters.field)
    if (HEADER_SEGMENTS.has(parts[0])) parts.splice(1, 0, this.delimiters.field)
    this.fieldsCache = parts
    return parts
  }

  /** How many fields the segment holds (the highest field number present). */
  get length(): number {
    return this.fields().length - 1
  }

  /** The raw text of field n ('' when absent). */
  raw(n: number): string {
    return this.fields()[n] ?? ''
  }

  /** Repetition `rep` (1-based) of field n. MSH-1 and MSH-2 are never split or decoded. */
  field(n: number, rep = 1): Hl7Value {
    const raw = this.raw(n)
    if (this.isHeader && n <= 2) return new Hl7Value(rep === 1 ? raw : '', NO_ESCAPES)
    return new Hl7Value(nth(raw, this.delimiters.repetition, rep), this.delimiters)
  }

  /** Every repetition of field n, [] when it is empty. */
  repetitions(n: number): Hl7Value[] {
    const raw = this.raw(n)
    if (raw === '') return []
    if (this.isHeader && n <= 2) return [new Hl7Value(raw, NO_ESCAPES)]
    if (raw.indexOf(this.delimiters.repetition) === -1) return [new Hl7Value(raw, this.delimiters)]
    return raw.split(this.delimiters.repetition).map((r) => new Hl7Value(r, this.delimiters))
  }

  /** Decoded text of field n (component c, subcomponent s) of its repetition `rep`. */
  get(n: number, c?: number, s?: number, rep = 1): string {
    const v = this.field(n, rep)
    return c === undefined ? v.text : v.get(c, s)
  }

  /** Set field n from text or structured input (escaped here), or from `raw` wire text as is. */
  set(n: number, value: FieldInput, mode: 'text' | 'raw' = 'text'): this {
    const fields = [...this.fields()]
    while (fields.length <= n) fields.push('')
    fields[n] = mode === 'raw' ? String(value ?? '') : encodeField(value, this.delimiters)
    this.fieldsCache = fields
    this.rawText = undefined
    return this
  }

  toString(): string {
    if (this.rawText !== undefined) return this.rawText
    const f = this.fieldsCache!
    let end = f.length
    while (end > 1 && f[end - 1] === '') end--
    if (this.isHeader) return f[0] + this.delimiters.field + f.slice(2, Math.max(end, 3)).join(this.delimiters.field)
    return f.slice(0, end).join(this.delimiters.field)
  }
}

const NO_ESCAPES: Delimiters = {field: '\u0000', component: '\u0000', repetition: '\u0000', escape: '', subcomponent: '\u0000', truncation: ''}

function encodeText(t: string | null | undefined, d: Delimiters): string {
  if (t === null) return HL7_NULL
  return t === undefined ? '' : encodeEscapes(t, d)
}

function trimJoin(parts: string[], sep: string): string {
  let end = parts.length
  while (end > 0 && parts[end - 1] === '') end--
  return parts.slice(0, end).join(sep)
}

function encodeField(v: FieldInput, d: Delimiters): string {
  if (v === null || v === undefined || typeof v === 'string') return encodeText(v, d)
  return trimJoin(
    v.map((rep) => trimJoin(rep.map((c) => (Array.isArray(c) ? trimJoin(c.map((s) => encodeText(s, d)), d.subcomponent) : encodeText(c, d))), d.component)),
    d.repetition,
  )
}

/** MSH-9 read in any version: `ADT^A01` (2.3) or `ADT^A01^ADT_A01` (2.3.1+). */
export interface MessageType {
  code: string
  event: string
  structure: string
}

/** One HL7 v2 message: its segments in order. Parse then toString() gives the input back with CR terminators. */
export class Hl7Message {
  constructor(
    readonly segments: Hl7Segment[],
    readonly delimiters: Delimiters = DEFAULT_DELIMITERS,
  ) {}

  /**
   * Parse one message. A UTF-8 BOM is stripped; CR, LF and CRLF all end a segment; blank lines are skipped.
   * Throws when the text does not start with an MSH segment with readable delimiters (readers turn that into a
   * reject).
   */
  static parse(text: string): Hl7Message {
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    const lines = splitSegments(text)
    if (lines.length === 0 || !lines[0].startsWith('MSH')) throw new Hl7ParseError('HL7_NO_MSH', 'the message does not start with an MSH segment')
    const d = delimitersOf(lines[0])
    if (!d) throw new Hl7ParseError('HL7_BAD_MSH', 'MSH-1/MSH-2 do not hold valid delimiters', 'MSH-2')
    return new Hl7Message(
      lines.map((l) => new Hl7Segment(l, d)),
      d,
    )
  }

  get msh(): Hl7Segment {
    return this.segments[0]
  }

  /** The n-th (1-based) segment with this name. */
  segment(name: string, n = 1): Hl7Segment | undefined {
    let k = 0
    for (const s of this.segments) if (s.name === name && ++k === n) return s
    return undefined
  }

  segmentsNamed(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name)
  }

  /** Decoded text at an HL7 path: `PID-5.1`, `OBX[2]-5`, `PID-3[2].4.2`, `PID-5` (the whole first repetition). */
  get(path: string): string {
    const p = parsePath(path)
    const seg = this.segment(p.segment, p.segmentIndex)
    if (!seg || p.field === undefined) return ''
    return seg.get(p.field, p.component, p.subcomponent, p.repetition)
  }

  /** True when the value at the path is the explicit null `""`. */
  isNull(path: string): boolean {
    const p = parsePath(path)
    const seg = this.segment(p.segment, p.segmentIndex)
    if (!seg || p.field === undefined) return false
    const v = seg.field(p.field, p.repetition)
    if (p.component === undefined) return v.isNull
    const c = v.component(p.component)
    return p.subcomponent === undefined ? c.isNull : c.get(p.subcomponent) === '' && nth(c.raw, this.delimiters.subcomponent, p.subcomponent) === HL7_NULL
  }

  get type(): MessageType {
    const f = this.msh.field(9)
    return {code: f.get(1), event: f.get(2), structure: f.get(3)}
  }

  get controlId(): string {
    return this.msh.get(10)
  }

  get version(): string {
    return this.msh.get(12, 1)
  }

  /** Segments terminated by CR, the last one too. */
  toString(): string {
    let out = ''
    for (const s of this.segments) out += s.toString() + '\r'
    return out
  }
}

export class Hl7ParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/** Split text into segments on CR, LF or CRLF, dropping blank lines. */
export function splitSegments(text: string): string[] {
  const out: string[] = []
  let start = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 13 || c === 10) {
      if (i > start) out.push(text.slice(start, i))
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++
      start = i + 1
    }
  }
  if (start < n) out.push(text.slice(start))
  return out
}

/** An MSH segment for a new message. */
export function buildMsh(
  fields: {sendingApplication?: string; sendingFacility?: string; receivingApplication?: string; receivingFacility?: string; dateTime: string; type: MessageType; controlId: string; processingId?: string; version?: string},
  d: Delimiters = DEFAULT_DELIMITERS,
): Hl7Segment {
  const msh = new Hl7Segment(`MSH${d.field}${encodingCharacters(d)}`, d)
  msh.set(3, fields.sendingApplication ?? '')
  msh.set(4, fields.sendingFacility ?? '')
  msh.set(5, fields.receivingApplication ?? '')
  msh.set(6, fields.receivingFacility ?? '')
  msh.set(7, fields.dateTime)
  msh.set(9, [[fields.type.code, fields.type.event, fields.type.structure]])
  msh.set(10, fields.controlId)
  msh.set(11, fields.processingId ?? 'P')
  msh.set(12, fields.version ?? '2.5.1')
  return msh
}
