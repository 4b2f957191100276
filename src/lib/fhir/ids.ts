import {hash} from 'node:crypto'

/** The himkit UUID namespace for name-based (v5) ids. Never change it: every id we have written depends on it. */
const NAMESPACE = Buffer.from('6f1b2c1e8a7d4f3b9c5e2d7a1b4c8e90', 'hex')

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same name always gives the same id. */
export function uuidV5(name: string): string {
  const h = hash('sha1', Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]), 'buffer')
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

/** The id of a resource of `type` identified by `system|value`. */
export const idFromIdentifier = (type: string, system: string | undefined, value: string) =>
  uuidV5(`${type}|${system ?? ''}|${value}`)
