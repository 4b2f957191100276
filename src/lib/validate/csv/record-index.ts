/**
 * Remembers which record first had a key (an MRN, a whole row), in about 12 bytes a key: 53-bit hashes in an
 * open-addressing table of typed arrays, instead of a Map of strings (about 100 bytes a key). With a million
 * distinct keys the chance that two different keys share a hash is about 1 in 10,000.
 */
export class RecordIndex {
  private keys = new Float64Array(1 << 16)
  private records = new Int32Array(1 << 16)
  private used = 0

  /** The record that first had this hash, or -1 after remembering `record` for it. */
  firstOrAdd(hash: number, record: number): number {
    const k = hash === 0 ? 1 : hash // 0 marks an empty slot
    let mask = this.keys.length - 1
    let i = (k % 4294967296) & mask
    for (;;) {
      const at = this.keys[i]
      if (at === 0) break
      if (at === k) return this.records[i]
      i = (i + 1) & mask
    }
    this.keys[i] = k
    this.records[i] = record
    if (++this.used * 2 > this.keys.length) {
      this.grow()
      mask = this.keys.length - 1
    }
    return -1
  }

  get size(): number {
    return this.used
  }

  private grow(): void {
    const oldKeys = this.keys
    const oldRecords = this.records
    this.keys = new Float64Array(oldKeys.length * 2)
    this.records = new Int32Array(oldKeys.length * 2)
    const mask = this.keys.length - 1
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]
      if (k === 0) continue
      let i = (k % 4294967296) & mask
      while (this.keys[i] !== 0) i = (i + 1) & mask
      this.keys[i] = k
      this.records[i] = oldRecords[j]
    }
  }
}

/** cyrb53 (public domain) over strings, with a separator between them so ["ab", "c"] and ["a", "bc"] differ. */
export function hashStrings(parts: string[]): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let c = 0; c < parts.length; c++) {
    const s = parts[c]
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ ch, 2654435761)
      h2 = Math.imul(h2 ^ ch, 1597334677)
    }
    h1 = Math.imul(h1 ^ 0x1f, 2654435761)
    h2 = Math.imul(h2 ^ 0x1f, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
