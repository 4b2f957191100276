import {type Delimiters} from './delimiters.js'

/**
 * HL7 v2 escape sequences (v2.8 chapter 2.7): delimiters `\F\ \S\ \T\ \R\ \E\ \P\`, hex data `\Xhh..\`,
 * formatting `\.br\ \.sp\ \.in\ \.ti\ \.sk\ \.ce\ \.fi\ \.nf\`, highlighting `\H\ \N\`, character set changes
 * `\Cxxyy\ \Mxxyyzz\` and local `\Zxx\`.
 *
 * Decoding turns a raw (wire) value into text. What has no plain-text meaning is dropped (highlighting, character
 * set switches, indentation); `\Z..\` and anything unknown or unterminated is kept literally, so nothing is lost
 * silently. The raw value stays in the message, so serialising never depends on decoding.
 */
export function decodeEscapes(raw: string, d: Delimiters): string {
  const e = d.escape
  if (e === '' || raw.indexOf(e) === -1) return raw
  let out = ''
  let i = 0
  for (;;) {
    const s = raw.indexOf(e, i)
    if (s === -1) return out + raw.slice(i)
    const t = raw.indexOf(e, s + 1)
    if (t === -1) return out + raw.slice(i) // unterminated: the rest is literal text
    out += raw.slice(i, s)
    const decoded = decodeSequence(raw.slice(s + 1, t), d)
    if (decoded === undefined) {
      // Not an escape sequence (e.g. a Windows path): keep the first escape character literally and go on after it.
      out += e
      i = s + 1
    } else {
      out += decoded
      i = t + 1
    }
  }
}

function decodeSequence(code: string, d: Delimiters): string | undefined {
  switch (code) {
    case 'F': return d.field
    case 'S': return d.component
    case 'T': return d.subcomponent
    case 'R': return d.repetition
    case 'E': return d.escape
    case 'P': return d.truncation || undefined
    case 'H':
    case 'N': return ''
    case '.br': return '\n'
    case '.fi':
    case '.nf':
    case '.ce': return ''
  }
  if (code.length === 0) return undefined
  const c = code[0]
  if (c === 'X' && code.length > 1 && code.length % 2 === 1 && /^X[0-9A-Fa-f]+$/.test(code)) return hexText(code.slice(1))
  if (c === '.') {
    if (/^\.sp[+-]?\d*$/.test(code)) return '\n'
    if (/^\.(in|ti|sk)[+-]?\d*$/.test(code)) return ''
    return undefined
  }
  if ((c === 'C' && /^C[0-9A-Fa-f]{4}$/.test(code)) || (c === 'M' && /^M[0-9A-Fa-f]{4}([0-9A-Fa-f]{2})?$/.test(code))) return ''
  return undefined
}

/** Hex bytes as text: UTF-8 when they are valid UTF-8, else one Latin-1 character per byte. */
function hexText(hex: string): string {
  const bytes = Buffer.from(hex, 'hex')
  const utf8 = bytes.toString('utf8')
  return utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8
}

/**
 * Text to a raw value: the escape character first, then each delimiter; line breaks become `\.br\` and other
 * control characters `\Xhh\`. decodeEscapes(encodeEscapes(t)) === t for any text without other control characters.
 */
export function encodeEscapes(text: string, d: Delimiters): string {
  if (!needsEscaping(text, d)) return text
  if (d.escape === '') throw new Error('cannot encode a delimiter in a message whose MSH-2 declares no escape character')
  const e = d.escape
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === e) out += `${e}E${e}`
    else if (ch === d.field) out += `${e}F${e}`
    else if (ch === d.component) out += `${e}S${e}`
    else if (ch === d.subcomponent) out += `${e}T${e}`
    else if (ch === d.repetition) out += `${e}R${e}`
    else if (d.truncation !== '' && ch === d.truncation) out += `${e}P${e}`
    else if (ch === '\r' && text[i + 1] === '\n') {
      out += `${e}.br${e}`
      i++
    } else if (ch === '\n' || ch === '\r') out += `${e}.br${e}`
    else if (ch < ' ') out += `${e}X${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${e}`
    else out += ch
  }
  return out
}

function needsEscaping(text: string, d: Delimiters): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch < ' ' || ch === d.escape || ch === d.field || ch === d.component || ch === d.subcomponent || ch === d.repetition) return true
    if (d.truncation !== '' && ch === d.truncation) return true
  }
  return false
}
