import {isUtf8} from 'node:buffer'

import iconv from 'iconv-lite'

/** MSH-18 character sets (HL7 table 0211) that are single-byte, to iconv-lite names. */
const SINGLE_BYTE: Record<string, string> = {
  '8859/1': 'latin1', '8859/2': 'iso-8859-2', '8859/3': 'iso-8859-3', '8859/4': 'iso-8859-4', '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6', '8859/7': 'iso-8859-7', '8859/8': 'iso-8859-8', '8859/9': 'iso-8859-9', '8859/15': 'iso-8859-15',
}

/**
 * The encoding of a message's bytes: UTF-8 when they are valid UTF-8 (whatever MSH-18 says: mislabelled UTF-8 is
 * common), else the single-byte character set MSH-18 names, else windows-1252, so no byte ever becomes a
 * replacement character. `charset` is MSH-18's first repetition.
 */
export function messageEncoding(bytes: Buffer, charset: string): string {
  if (isUtf8(bytes)) return 'utf8'
  return SINGLE_BYTE[charset.trim().toUpperCase()] ?? 'windows-1252'
}

export function decodeBytes(bytes: Buffer, encoding: string): string {
  return encoding === 'utf8' ? bytes.toString('utf8') : iconv.decode(bytes, encoding)
}

/** MSH-18 of an MSH segment's text, without parsing the message ('' when absent). */
export function charsetOfMsh(msh: string): string {
  const sep = msh[3]
  if (!sep) return ''
  // split on the field separator: [MSH, MSH-2, MSH-3, ...], so MSH-n is at index n - 1
  const f = msh.split(sep)[17] ?? ''
  return f.split(msh[5] ?? '~')[0]
}
