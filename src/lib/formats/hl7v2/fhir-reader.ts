import {type Source} from '../../io/source.js'
import {type ReadResult} from '../../records/types.js'
import {type Resource} from '../fhir/reader.js'
import {readHl7} from './reader.js'
import {messageToFhir, type ToFhirOptions} from './to-fhir.js'

/**
 * The HL7 v2 reader of `him convert`, in batches: one record per message, the record being the FHIR resources of
 * that message; a message that cannot be read or converted is a reject with its location (file, line of its MSH,
 * message number), its raw text kept for the rejects file.
 */
export async function* readHl7AsFhir(src: Source, opts: ToFhirOptions, batchSize = 256): AsyncGenerator<Array<ReadResult<Resource[]>>> {
  let batch: Array<ReadResult<Resource[]>> = []
  for await (const item of readHl7(src)) {
    if (!item.ok) batch.push(item)
    else {
      const r = messageToFhir(item.value, opts)
      if ('bundle' in r) batch.push({ok: true, value: r.resources as Resource[], loc: item.loc})
      else batch.push({ok: false, loc: {...item.loc, field: r.field}, code: r.code, reason: r.reason, raw: item.value.toString()})
    }
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  if (batch.length) yield batch
}
