import {type Sink} from '../../io/sink.js'
import {type Resource} from './reader.js'

export type BundleType = 'collection' | 'transaction' | 'batch'

export interface ResourceWriter {
  /** Into the sink's buffer; the caller flushes. */
  write(r: Resource): void
  close(): Promise<void>
}

/** One resource per line. */
export function ndjsonWriter(sink: Sink): ResourceWriter {
  return {
    write: (r) => sink.push(JSON.stringify(r) + '\n'),
    close: async () => {},
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * A Bundle of entries, one per line, with no id or timestamp: converting the same input twice gives the same bytes.
 * A collection is written as its entries arrive (a million entries never sit in memory). A transaction or batch
 * may hold each resource only once (FHIR R4 http.html#transaction), so its entries are kept until the end and a
 * resource seen again (the same Type/id from a later message) replaces the earlier one in place: the last state
 * wins, as the messages would have had it. Its entries are PUTs to Type/id, so posting it twice creates nothing twice.
 */
export function bundleWriter(sink: Sink, type: BundleType = 'collection'): ResourceWriter & {written(): number; replaced(): number} {
  let n = 0
  let replaced = 0
  const keyed = new Map<string, string>()
  return {
    write(r) {
      if (type !== 'collection' && r.id) {
        const key = `${r.resourceType}/${r.id}`
        if (keyed.has(key)) replaced++
        keyed.set(key, bundleEntryJson(r, type))
        return
      }
      if (type !== 'collection') keyed.set(`#${n}`, bundleEntryJson(r, type))
      else sink.push((n === 0 ? bundleOpen(type) : ',\n') + bundleEntryJson(r, type))
      n++
    },
    written: () => n + keyed.size,
    replaced: () => replaced,
    async close() {
      if (type !== 'collection') {
        let i = 0
        for (const entry of keyed.values()) {
          sink.push((i === 0 ? bundleOpen(type) : ',\n') + entry)
          i++
          if ((i & 1023) === 0) await sink.flushIfFull()
        }
        n = i
        keyed.clear()
      }
      await sink.write(n === 0 ? bundleEmpty(type) : BUNDLE_CLOSE)
    },
  }
}

export const bundleOpen = (type: BundleType) => `{"resourceType":"Bundle","type":"${type}","entry":[\n`
export const bundleEmpty = (type: BundleType) => `{"resourceType":"Bundle","type":"${type}","entry":[]}\n`
export const BUNDLE_CLOSE = '\n]}\n'

/** One Bundle entry as JSON: fullUrl urn:uuid when the id is a UUID; a PUT request in transactions and batches. */
export function bundleEntryJson(r: Resource, type: BundleType): string {
  const entry: Record<string, unknown> = {}
  if (r.id && UUID.test(r.id)) entry.fullUrl = `urn:uuid:${r.id}`
  entry.resource = r
  if (type !== 'collection') entry.request = r.id ? {method: 'PUT', url: `${r.resourceType}/${r.id}`} : {method: 'POST', url: r.resourceType}
  return JSON.stringify(entry)
}
