import {open, stat} from 'node:fs/promises'
import {createReadStream} from 'node:fs'
import {Readable} from 'node:stream'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

export const HEAD_BYTES = 64 * 1024

/** An input, opened and peeked at: its first bytes for sniffing, and a stream of all of its bytes. */
export interface Source {
  /** The name used in messages: the path as given, or `stdin`. */
  name: string
  path?: string
  size?: number
  head: Buffer
  open(): Readable
}

export async function openSource(path: string): Promise<Source> {
  if (path === '-') return openStdin()
  let st
  try {
    st = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot open (${code})`
    throw new HimError(`${path}: ${why}`, {code: 'INPUT_MISSING', exit: ExitCode.NO_INPUT})
  }
  if (st.isDirectory())
    throw new HimError(`${path}: is a directory, not a file`, {
      code: 'INPUT_IS_DIRECTORY',
      exit: ExitCode.NO_INPUT,
      suggestion: `name the files inside it, e.g. ${path.replace(/\/$/, '')}/*.csv`,
    })
  let head: Buffer
  try {
    const fh = await open(path, 'r')
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, st.size))
      const {bytesRead} = await fh.read(buf, 0, buf.length, 0)
      head = buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new HimError(`${path}: cannot read (${code ?? 'error'})`, {code: 'INPUT_UNREADABLE', exit: ExitCode.NO_INPUT})
  }
  checkHead(path, head, st.size)
  return {name: path, path, size: st.size, head, open: () => createReadStream(path, {highWaterMark: 64 * 1024})}
}

async function openStdin(): Promise<Source> {
  const stdin = process.stdin
  const chunks: Buffer[] = []
  let got = 0
  const it = stdin[Symbol.asyncIterator]()
  let done = false
  while (got < HEAD_BYTES) {
    const n = await it.next()
    if (n.done) {
      done = true
      break
    }
    const b = Buffer.isBuffer(n.value) ? n.value : Buffer.from(n.value)
    chunks.push(b)
    got += b.length
  }
  const all = Buffer.concat(chunks)
  const head = all.subarray(0, HEAD_BYTES)
  checkHead('stdin', head, done ? all.length : undefined)
  return {
    name: 'stdin',
    head,
    open: () =>
      Readable.from(
        (async function* () {
          yield all
          if (!done) for await (const c of {[Symbol.asyncIterator]: () => it}) yield c
        })(),
        {objectMode: false},
      ),
  }
}

function checkHead(name: string, head: Buffer, size?: number) {
  if (size === 0 || (size === undefined && head.length === 0))
    throw new HimError(`${name}: file is empty`, {code: 'INPUT_EMPTY', exit: ExitCode.DATA})
  if (head.toString('utf8').trim() === '' && size !== undefined && size <= head.length)
    throw new HimError(`${name}: file holds only white space`, {code: 'INPUT_EMPTY', exit: ExitCode.DATA})
  const nul = head.indexOf(0)
  if (nul !== -1) {
    const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)
    throw new HimError(
      utf16
        ? `${name}: file is UTF-16 encoded; him reads UTF-8, windows-1252 and latin1`
        : `${name}: binary file (a NUL byte at offset ${nul}), not CSV, FHIR JSON or HL7 v2`,
      {
        code: utf16 ? 'INPUT_UTF16' : 'INPUT_BINARY',
        exit: ExitCode.DATA,
        suggestion: utf16 ? 'save it again as UTF-8 (Excel: "CSV UTF-8")' : undefined,
      },
    )
  }
}

export type InputFormat = 'csv' | 'fhir' | 'hl7'

/** Decide the format of a source from its name, then its first bytes. */
export function detectFormat(src: Source): InputFormat {
  const lower = (src.path ?? '').toLowerCase()
  if (/\.(csv|tsv|txt|psv)$/.test(lower)) return 'csv'
  if (/\.(json|ndjson|jsonl)$/.test(lower)) return 'fhir'
  if (/\.(hl7|er7)$/.test(lower)) return 'hl7'
  const text = src.head.toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (text.startsWith('{') || text.startsWith('[')) return 'fhir'
  if (/^(MSH|FHS|BHS)./.test(text)) return 'hl7'
  return 'csv'
}
