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
 * A Bundle written as its entries arrive (a million entries never sit in memory), one entry per line.
 * No id or timestamp: converting the same input twice gives the same bytes. transaction and batch entries are
 * PUTs to Type/id, so posting the Bundle twice creates nothing twice.
 */
export function bundleWriter(sink: Sink, type: BundleType = 'collection'): ResourceWriter & {written(): number} {
  let n = 0
  return {
    write(r) {
      sink.push((n === 0 ? bundleOpen(type) : ',\n') + bundleEntryJson(r, type))
      n++
    },
    written: () => n,
    async close() {
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
