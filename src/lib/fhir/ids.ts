import {hash} from 'node:crypto'

/** The himkit UUID namespace for name-based (v5) ids. Never change it: every id we have written depends on it. */
const NAMESPACE = Buffer.from('6f1b2c1e8a7d4f3b9c5e2d7a1b4c8e90', 'hex')

/** The namespace followed by room for a name: one buffer, reused (names of a few hundred bytes, one per record). */
const SCRATCH = Buffer.alloc(4096)
NAMESPACE.copy(SCRATCH)

/** The first hex digit of the variant byte (10xx xxxx) for the digest's first hex digit of that byte, by char code. */
const VARIANT: Record<number, string> = Object.fromEntries([...'0123456789abcdef'].map((c) => [c.charCodeAt(0), '89ab'[parseInt(c, 16) & 3]]))

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same name always gives the same id. */
export function uuidV5(name: string): string {
  if (name.length * 3 <= SCRATCH.length - 16) {
    // The same digest as below, without two buffers per call; version and variant set in the hex text.
    const x = hash('sha1', SCRATCH.subarray(0, 16 + SCRATCH.write(name, 16, 'utf8')), 'hex')
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-${VARIANT[x.charCodeAt(16)]}${x.slice(17, 20)}-${x.slice(20, 32)}`
  }
  const h = hash('sha1', Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]), 'buffer')
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

/** The id of a resource of `type` identified by `system|value`. */
export const idFromIdentifier = (type: string, system: string | undefined, value: string) =>
  uuidV5(`${type}|${system ?? ''}|${value}`)
