import {delimitersOf} from './delimiters.js'
import {Hl7Message, Hl7ParseError, Hl7Segment} from './message.js'

/** Batch envelope segments: they sit between messages, never inside one. */
export const ENVELOPE_SEGMENTS = new Set(['FHS', 'BHS', 'BTS', 'FTS'])

/** A segment line and the 1-based physical line it starts on. */
export interface SegmentLine {
  text: string
  line: number
}

/**
 * Splits text arriving in chunks into segment lines on CR, LF or CRLF (a CRLF split across chunks counts once),
 * counting physical lines. A leading UTF-8 BOM is dropped, and MLLP framing bytes (0x0B, 0x1C) around segments.
 * Blank lines are skipped but counted.
 */
export class SegmentLineSplitter {
  private rest = ''
  private line = 1
  private restLine = 1
  private afterCr = false
  private started = false

  push(chunk: string): SegmentLine[] {
    if (!this.started) {
      if (chunk.length === 0) return []
      this.started = true
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
    }
    const out: SegmentLine[] = []
    let start = 0
    let i = 0
    if (this.afterCr && chunk.charCodeAt(0) === 10) {
      start = i = 1
    }
    this.afterCr = false
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i)
      if (c !== 13 && c !== 10) continue
      const text = unframe(this.rest + chunk.slice(start, i))
      if (text.length > 0) out.push({text, line: this.rest ? this.restLine : this.line})
      this.rest = ''
      this.line++
      if (c === 13) {
        if (i + 1 < chunk.length) {
          if (chunk.charCodeAt(i + 1) === 10) i++
        } else this.afterCr = true
      }
      start = i + 1
    }
    if (start < chunk.length) {
      if (this.rest === '') this.restLine = this.line
      this.rest += chunk.slice(start)
    }
    return out
  }

  end(): SegmentLine[] {
    const text = unframe(this.rest)
    const out = text.length > 0 ? [{text, line: this.restLine}] : []
    this.rest = ''
    return out
  }
}

/** A saved MLLP stream (as mllp_send reads) has 0x0B before each message and 0x1C after it: drop them. */
function unframe(text: string): string {
  if (text.length === 0) return text
  let a = 0
  let b = text.length
  if (text.charCodeAt(0) === 0x0b) a = 1
  if (text.charCodeAt(b - 1) === 0x1c) b--
  return a === 0 && b === text.length ? text : text.slice(a, b)
}

/** What a file holds, in order: messages (with the line of their MSH) and batch envelope segments. */
export type Hl7FileItem =
  | {kind: 'message'; lines: SegmentLine[]; line: number; number: number}
  | {kind: 'envelope'; segment: SegmentLine}
  | {kind: 'stray'; segment: SegmentLine}

/**
 * Groups segment lines into messages: a message starts at each segment line whose name is MSH (so "MSH" inside
 * a value never starts one) and ends at the next MSH or envelope segment (FHS, BHS, BTS, FTS). Segments before
 * the first MSH that are not envelope segments are strays.
 */
export class MessageAssembler {
  private current?: {lines: SegmentLine[]; line: number; number: number}
  private count = 0

  push(lines: SegmentLine[]): Hl7FileItem[] {
    const out: Hl7FileItem[] = []
    for (const l of lines) {
      const name = l.text.slice(0, 3)
      const named = l.text.length === 3 || !/[A-Za-z0-9]/.test(l.text[3])
      if (name === 'MSH' && named) {
        if (this.current) out.push({kind: 'message', ...this.current})
        this.current = {lines: [l], line: l.line, number: ++this.count}
      } else if (ENVELOPE_SEGMENTS.has(name) && named) {
        if (this.current) out.push({kind: 'message', ...this.current})
        this.current = undefined
        out.push({kind: 'envelope', segment: l})
      } else if (this.current) this.current.lines.push(l)
      else out.push({kind: 'stray', segment: l})
    }
    return out
  }

  end(): Hl7FileItem[] {
    const out: Hl7FileItem[] = this.current ? [{kind: 'message', ...this.current}] : []
    this.current = undefined
    return out
  }
}

/** A message built from assembled lines; throws Hl7ParseError when its MSH is unreadable. */
export function messageFromLines(lines: SegmentLine[]): Hl7Message {
  const d = delimitersOf(lines[0].text)
  if (!d) throw new Hl7ParseError('HL7_BAD_MSH', 'MSH-1/MSH-2 do not hold valid delimiters', 'MSH-2')
  return new Hl7Message(
    lines.map((l) => new Hl7Segment(l.text, d)),
    d,
  )
}

/** A whole file: messages and batch envelope segments in their order. toString() gives it back with CR endings. */
export class Hl7File {
  constructor(readonly items: Array<Hl7Message | Hl7Segment>) {}

  static parse(text: string): Hl7File {
    const splitter = new SegmentLineSplitter()
    const asm = new MessageAssembler()
    const all = [...asm.push(splitter.push(text)), ...asm.push(splitter.end()), ...asm.end()]
    const items: Array<Hl7Message | Hl7Segment> = []
    for (const it of all) {
      if (it.kind === 'message') items.push(messageFromLines(it.lines))
      else if (it.kind === 'envelope') {
        const own = it.segment.text.startsWith('FHS') || it.segment.text.startsWith('BHS') ? delimitersOf(it.segment.text) : undefined
        items.push(new Hl7Segment(it.segment.text, own ?? undefined))
      }
      else throw new Hl7ParseError('HL7_SEGMENT_OUTSIDE_MESSAGE', `line ${it.segment.line}: a ${it.segment.text.slice(0, 3)} segment before any MSH`)
    }
    return new Hl7File(items)
  }

  get messages(): Hl7Message[] {
    return this.items.filter((i): i is Hl7Message => i instanceof Hl7Message)
  }

  /** A batch file (FHS/BHS ... BTS/FTS) around messages. */
  static batch(messages: Hl7Message[], header: {fhs?: Hl7Segment; bhs?: Hl7Segment} = {}): Hl7File {
    const fhs = header.fhs ?? new Hl7Segment('FHS|^~\\&')
    const bhs = header.bhs ?? new Hl7Segment('BHS|^~\\&')
    const bts = Hl7Segment.build('BTS', [String(messages.length)])
    const fts = Hl7Segment.build('FTS', ['1'])
    return new Hl7File([fhs, bhs, ...messages, bts, fts])
  }

  toString(): string {
    let out = ''
    for (const i of this.items) out += i instanceof Hl7Message ? i.toString() : i.toString() + '\r'
    return out
  }
}
