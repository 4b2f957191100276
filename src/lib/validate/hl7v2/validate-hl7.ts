import {StringDecoder} from 'node:string_decoder'

import {type Hl7FileItem, MessageAssembler, messageFromLines, SegmentLineSplitter} from '../../formats/hl7v2/batch.js'
import {Hl7ParseError} from '../../formats/hl7v2/message.js'
import {type Source} from '../../io/source.js'
import {type FormatValidatorContext} from '../validate.js'
import {CompletenessCounter} from '../completeness.js'
import {COMPLETENESS_FIELDS, validateHl7Message} from './hl7-rules.js'

/**
 * The streaming adapter for HL7 v2 input: messages (single, many, or in FHS/BHS batches) assembled with the
 * foundation's splitter, keeping each segment's line for the findings, then checked one by one.
 */
export async function validateHl7Source(src: Source, ctx: FormatValidatorContext): Promise<void> {
  const splitter = new SegmentLineSplitter()
  const asm = new MessageAssembler()
  const decoder = new StringDecoder('utf8')
  const required = new Set(COMPLETENESS_FIELDS.filter(([, req]) => req).map(([p, , label]) => `${p} ${label}`))
  const completeness = new CompletenessCounter((_, field) => required.has(field))
  const completenessKinds = new Set<string>()
  const handle = (items: Hl7FileItem[]) => {
    for (const item of items) {
      if (item.kind === 'envelope') continue
      ctx.input.records++
      if (item.kind === 'stray') {
        ctx.emit('hl7.message.unreadable', 'a segment outside any message (no MSH before it)', {file: src.name, line: item.segment.line, record: ctx.input.records})
        continue
      }
      try {
        const msg = messageFromLines(item.lines)
        validateHl7Message(msg, {file: src.name, record: item.number, segmentLines: item.lines.map((l) => l.line)}, ctx.emit)
        const kind = msg.type.code || '(no MSH-9)'
        completenessKinds.add(kind)
        completeness.record(kind, COMPLETENESS_FIELDS.filter(([path]) => msg.get(path) !== '').map(([path, , label]) => `${path} ${label}`))
      } catch (error) {
        if (!(error instanceof Hl7ParseError)) throw error
        ctx.emit('hl7.message.unreadable', error.message, {file: src.name, line: item.line, record: item.number, path: error.field})
      }
    }
  }
  for await (const chunk of src.open()) handle(asm.push(splitter.push(decoder.write(chunk as Buffer))))
  handle([...asm.push(splitter.push(decoder.end())), ...asm.push(splitter.end()), ...asm.end()])
  ctx.progress(ctx.input.records)
  const always = COMPLETENESS_FIELDS.map(([p, , label]) => `${p} ${label}`)
  ctx.completeness.push(...completeness.result(src.name, Object.fromEntries([...completenessKinds].map((k) => [k, always]))))
}
