import {type Source} from '../../io/source.js'
import {type ReadResult, type SourceLocation} from '../../records/types.js'
import {type Hl7FileItem, MessageAssembler, messageFromLines, SegmentLineSplitter} from './batch.js'
import {charsetOfMsh, decodeBytes, messageEncoding} from './charset.js'
import {type Hl7Message, Hl7ParseError} from './message.js'

/**
 * Streams the messages of an HL7 v2 file (one message, many, or a FHS/BHS batch), one record per message with
 * the line of its MSH and its number in the file. Envelope segments are skipped; segments outside any message
 * and unreadable MSH segments become rejects. Each message is decoded on its own: UTF-8 when its bytes are valid
 * UTF-8, else the single-byte character set of MSH-18, else windows-1252 (never a replacement character).
 */
export async function* readHl7(src: Source): AsyncGenerator<ReadResult<Hl7Message>> {
  // Split as latin1 (one char per byte, CR and LF are single bytes in every charset we read), then decode each
  // message's bytes on their own (see messageEncoding).
  const splitter = new SegmentLineSplitter()
  const asm = new MessageAssembler()
  // The first 3 bytes are held until they can be told apart from a UTF-8 BOM, which is dropped.
  let head: Buffer | undefined = Buffer.alloc(0)
  const text = (data: Buffer): string => {
    if (!head) return data.toString('latin1')
    head = Buffer.concat([head, data])
    if (head.length < 3) return ''
    const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
    const out = head.subarray(start).toString('latin1')
    head = undefined
    return out
  }
  for await (const data of src.open()) {
    for (const item of asm.push(splitter.push(text(data as Buffer)))) yield* toResult(decoded(item), src.name)
  }
  const rest = head ? head.toString('latin1') : ''
  for (const item of [...asm.push(splitter.push(rest)), ...asm.push(splitter.end()), ...asm.end()]) yield* toResult(decoded(item), src.name)
}

const NON_ASCII = /[^\x00-\x7f]/

/** Lines split from latin1 text, decoded in the message's own encoding (see messageEncoding). */
function decoded(item: Hl7FileItem): Hl7FileItem {
  const lines = item.kind === 'message' ? item.lines : [item.segment]
  if (!lines.some((l) => NON_ASCII.test(l.text))) return item
  const encoding = messageEncoding(Buffer.from(lines.map((l) => l.text).join('\r'), 'latin1'), item.kind === 'message' ? charsetOfMsh(lines[0].text) : '')
  const out = lines.map((l) => (NON_ASCII.test(l.text) ? {...l, text: decodeBytes(Buffer.from(l.text, 'latin1'), encoding)} : l))
  return item.kind === 'message' ? {...item, lines: out} : {...item, segment: out[0]}
}

function* toResult(item: Hl7FileItem, file: string): Generator<ReadResult<Hl7Message>> {
  if (item.kind === 'envelope') return
  if (item.kind === 'stray') {
    yield {
      ok: false,
      loc: {file, line: item.segment.line},
      code: 'HL7_SEGMENT_OUTSIDE_MESSAGE',
      reason: `a ${item.segment.text.slice(0, 3).replace(/[^A-Za-z0-9]/g, '?')} segment outside any message (no MSH before it)`,
      raw: item.segment.text,
    }
    return
  }
  const loc: SourceLocation = {file, line: item.line, record: item.number}
  try {
    yield {ok: true, value: messageFromLines(item.lines), loc}
  } catch (error) {
    if (!(error instanceof Hl7ParseError)) throw error
    yield {ok: false, loc: {...loc, field: error.field}, code: error.code, reason: error.message, raw: item.lines.map((l) => l.text).join('\r')}
  }
}
