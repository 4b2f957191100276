/**
 * Where an export lands before it is written out: a private temporary folder (mode 0700, removed at the end, also
 * on failure) holding the NDJSON files as they came from the server, one or more per resource type. Downloads and
 * search pages are written here first, so the output is made only from a complete export, and a retried
 * download starts its file again instead of appending to half of it.
 */
import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'
import {rm} from 'node:fs/promises'
import {join} from 'node:path'

import {privateTempDir} from '../io/private-temp.js'

export interface StagedFile {
  type: string
  path: string
  /** Lines written. */
  lines: number
}

export class StagedWriter {
  private readonly stream: WriteStream
  private buf: string[] = []
  private len = 0
  lines = 0

  constructor(readonly file: StagedFile) {
    this.stream = createWriteStream(file.path, {encoding: 'utf8', mode: 0o600})
  }

  /** One NDJSON line (without its newline). */
  async line(text: string): Promise<void> {
    this.buf.push(text, '\n')
    this.len += text.length + 1
    this.lines++
    if (this.len >= 256 * 1024) await this.flush()
  }

  private async flush() {
    if (!this.len) return
    const chunk = this.buf.join('')
    this.buf = []
    this.len = 0
    if (!this.stream.write(chunk)) await once(this.stream, 'drain')
  }

  async close(): Promise<StagedFile> {
    await this.flush()
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())))
    this.file.lines = this.lines
    return this.file
  }

  /** Give up on this file (a download to be tried again): it is not part of the export. */
  async discard(): Promise<void> {
    this.buf = []
    this.len = 0
    await new Promise<void>((res) => this.stream.end(() => res()))
    await rm(this.file.path, {force: true})
  }
}

export class Staging {
  readonly files: StagedFile[] = []
  private n = 0

  private constructor(readonly dir: string) {}

  static async create(): Promise<Staging> {
    return new Staging(await privateTempDir('himkit-export'))
  }

  /** A new file for resources of `type`; it joins the export only when closed (not when discarded). */
  open(type: string): StagedWriter {
    const file: StagedFile = {type, path: join(this.dir, `${++this.n}-${type.replace(/[^A-Za-z0-9]/g, '_')}.ndjson`), lines: 0}
    const w = new StagedWriter(file)
    const close = w.close.bind(w)
    w.close = async () => {
      const f = await close()
      this.files.push(f)
      return f
    }
    return w
  }

  /** The resource types staged, in the order first seen. */
  types(): string[] {
    return [...new Set(this.files.map((f) => f.type))]
  }

  async remove(): Promise<void> {
    await rm(this.dir, {recursive: true, force: true})
  }
}

/** The lines of a byte stream (UTF-8), without their line ends, each with its 1-based number. */
export async function* streamLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<{text: string; line: number}> {
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let rest = ''
  let line = 0
  for await (const chunk of body) {
    const text = rest + decoder.decode(chunk, {stream: true})
    let start = 0
    let nl: number
    while ((nl = text.indexOf('\n', start)) >= 0) {
      line++
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      yield {text: text.slice(start, end), line}
      start = nl + 1
    }
    rest = text.slice(start)
  }
  rest += decoder.decode()
  if (rest.length) yield {text: rest.replace(/\r$/, ''), line: line + 1}
}
