/** MLLP (HL7 v2 Minimal Lower Layer Protocol) framing: 0x0B + message + 0x1C 0x0D. */
export const START_BLOCK = 0x0b
export const END_BLOCK = 0x1c
export const CARRIAGE_RETURN = 0x0d

/** Frames larger than this are refused (a peer that never sends an end block cannot fill memory). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export function frame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message
  const out = Buffer.allocUnsafe(body.length + 3)
  out[0] = START_BLOCK
  body.copy(out, 1)
  out[body.length + 1] = END_BLOCK
  out[body.length + 2] = CARRIAGE_RETURN
  return out
}

export class MllpFrameError extends Error {
  constructor(readonly code: 'MLLP_FRAME_TOO_LARGE', message: string) {
    super(message)
  }
}

/**
 * Turns the bytes of a connection, as they arrive, into message payloads: several frames in one read and one
 * frame over several reads both work. Bytes outside a frame (stray CR/LF between frames) are skipped.
 */
export class MllpDecoder {
  private buf: Buffer = Buffer.alloc(0)
  /** Bytes between frames that were skipped (for diagnostics). */
  skipped = 0

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const out: Buffer[] = []
    for (;;) {
      const start = this.buf.indexOf(START_BLOCK)
      if (start === -1) {
        this.skipped += this.buf.length
        this.buf = Buffer.alloc(0)
        break
      }
      if (start > 0) {
        this.skipped += start
        this.buf = this.buf.subarray(start)
      }
      let end = this.buf.indexOf(END_BLOCK, 1)
      // An end block must be followed by CR; one at the very end of what we have waits for the next read.
      while (end !== -1 && end + 1 < this.buf.length && this.buf[end + 1] !== CARRIAGE_RETURN) end = this.buf.indexOf(END_BLOCK, end + 1)
      if (end === -1 || end + 1 >= this.buf.length) {
        if (this.buf.length > this.maxFrameBytes) {
          this.buf = Buffer.alloc(0)
          throw new MllpFrameError('MLLP_FRAME_TOO_LARGE', `an MLLP frame larger than ${this.maxFrameBytes} bytes`)
        }
        break
      }
      out.push(Buffer.from(this.buf.subarray(1, end)))
      this.buf = this.buf.subarray(end + 2)
    }
    return out
  }

  /** True when part of a frame has arrived and its end has not. */
  get pending(): boolean {
    return this.buf.length > 0
  }
}
