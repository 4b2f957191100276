import {type Source} from '../../io/source.js'
import {type ReadResult} from '../../records/types.js'
import {type Json} from './datatypes.js'
import {readHl7} from './reader.js'
import {messageToFhir, type ToFhirOptions} from './to-fhir.js'

/**
 * The HL7 v2 reader of `him convert`: one record per message, the record being the FHIR resources of that message;
 * a message that cannot be read or converted is a reject with its location (file, line of its MSH, message number).
 */
export async function* readHl7AsFhir(src: Source, opts: ToFhirOptions): AsyncGenerator<ReadResult<Json[]>> {
  for await (const item of readHl7(src)) {
    if (!item.ok) {
      yield item
      continue
    }
    const r = messageToFhir(item.value, opts)
    if ('bundle' in r) yield {ok: true, value: r.resources, loc: item.loc}
    else yield {ok: false, loc: {...item.loc, field: r.field}, code: r.code, reason: r.reason, raw: item.value.toString()}
  }
}
