/**
 * The piece's NDJSON as UTF-8 bytes, each line encoded as soon as it is made: the line's text is garbage at once
 * (it never outlives a young-generation collection), and no string of the whole piece is ever built.
 */
export class NdjsonBytes {
  private buf: Buffer
  length = 0

  constructor(expected: number) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(expected, 1 << 16))
  }

  line(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need = this.length + text.length * 3 + 1
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2))
      this.buf.copy(bigger, 0, 0, this.length)
      this.buf = bigger
    }
    this.length += this.buf.write(text, this.length)
    this.buf[this.length++] = 0x0a
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
}
