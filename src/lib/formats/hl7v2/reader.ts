import {StringDecoder} from 'node:string_decoder'

import {type Source} from '../../io/source.js'
import {type ReadResult, type SourceLocation} from '../../records/types.js'
import {type Hl7FileItem, MessageAssembler, messageFromLines, SegmentLineSplitter} from './batch.js'
import {type Hl7Message, Hl7ParseError} from './message.js'

/**
 * Streams the messages of an HL7 v2 file (one message, many, or a FHS/BHS batch), one record per message with
 * the line of its MSH and its number in the file. Envelope segments are skipped; segments outside any message
 * and unreadable MSH segments become rejects. Text is read as UTF-8.
 */
export async function* readHl7(src: Source): AsyncGenerator<ReadResult<Hl7Message>> {
  const splitter = new SegmentLineSplitter()
  const asm = new MessageAssembler()
  const decoder = new StringDecoder('utf8')
  for await (const chunk of src.open()) {
    for (const item of asm.push(splitter.push(decoder.write(chunk as Buffer)))) yield* toResult(item, src.name)
  }
  for (const item of [...asm.push(splitter.push(decoder.end())), ...asm.push(splitter.end()), ...asm.end()]) yield* toResult(item, src.name)
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
