import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'

import {type Reject} from './types.js'

/**
 * The rejects file: one JSON object per line with location, code, reason and the raw record, so a person can
 * fix the records and feed the file's `raw` values back. Opened only when the first reject arrives.
 */
export class RejectSink {
  private stream?: WriteStream
  count = 0
  /** The first few rejects, for the console (locations and reasons only, never values). */
  readonly sample: Reject[] = []

  constructor(
    readonly path: string | undefined,
    private readonly sampleSize = 10,
    /** Append to an existing file (an import resumed) rather than replace it. */
    private readonly append = false,
  ) {}

  async write(r: Reject): Promise<void> {
    this.count++
    if (this.sample.length < this.sampleSize) this.sample.push({loc: r.loc, code: r.code, reason: r.reason})
    if (!this.path) return
    if (!this.stream) this.stream = createWriteStream(this.path, {encoding: 'utf8', flags: this.append ? 'a' : 'w'})
    const line = JSON.stringify({...r.loc, code: r.code, reason: r.reason, raw: r.raw}) + '\n'
    if (!this.stream.write(line)) await once(this.stream, 'drain')
  }

  get written(): boolean {
    return this.stream !== undefined
  }

  async close(): Promise<void> {
    if (!this.stream) return
    const s = this.stream
    await new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}
