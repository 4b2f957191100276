import {hmacBytes} from './pseudonym.js'

/** A date as written, split into the parts a shift or a generalization touches; the rest is kept as it was. */
export class DateText {
  constructor(
    readonly layout: 'iso' | 'compact' | 'us',
    readonly year: number,
    readonly month: number | undefined,
    readonly day: number | undefined,
    /** Time, zone or anything after the date, kept as written. */
    private readonly rest: string,
    /** US layout: separator and whether month and day were zero-padded. */
    private readonly sep = '/',
    private readonly padMonth = true,
    private readonly padDay = true,
  ) {}

  /** Put the (new) parts back in the original layout, with the original time and zone. */
  format(y: number, m?: number, d?: number): string {
    if (this.layout === 'iso') return pad(y, 4) + (this.month ? `-${pad(m!)}` : '') + (this.day ? `-${pad(d!)}${this.rest}` : '')
    if (this.layout === 'compact') return pad(y, 4) + pad(m!) + (this.day ? pad(d!) + this.rest : '')
    return `${this.padMonth ? pad(m!) : m}${this.sep}${this.padDay ? pad(d!) : d}${this.sep}${pad(y, 4)}${this.rest}`
  }
}

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T.*)?)?)?$/
/** HL7 v2 TS/DT and compact dates: YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]. */
const COMPACT = /^(\d{4})(\d{2})(\d{2})?((?:\d{2,}(?:\.\d+)?)?(?:[+-]\d{4})?)$/
const US = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})((?:[ T].*)?)$/

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** Recognise ISO (FHIR), compact (HL7 v2, YYYYMMDD) and US (MM/DD/YYYY) dates; undefined for anything else. */
export function parseDateText(raw: string): DateText | undefined {
  const s = raw.trim()
  let m = ISO.exec(s)
  if (m) return new DateText('iso', Number(m[1]), m[2] ? Number(m[2]) : undefined, m[3] ? Number(m[3]) : undefined, m[4] ?? '')
  m = COMPACT.exec(s)
  if (m) {
    if (!m[3] && m[4]) return undefined
    return new DateText('compact', Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : undefined, m[4])
  }
  m = US.exec(s)
  if (m) return new DateText('us', Number(m[4]), Number(m[1]), Number(m[3]), m[5], m[2], m[1].length === 2, m[3].length === 2)
  return undefined
}

export const DEFAULT_MAX_SHIFT_DAYS = 365

/**
 * The date shift of one patient, in days: derived from HMAC-SHA256(dateKey, patient key), within
 * [-maxDays, maxDays], never 0. The same key and patient give the same shift in every file, format and run, so
 * the intervals between that patient's events survive.
 */
export function shiftDaysFor(dateKey: string, patientKey: string, maxDays = DEFAULT_MAX_SHIFT_DAYS): number {
  const h = hmacBytes(dateKey, `himkit date shift v1\u0000${patientKey}`)
  const magnitude = 1 + (h.readUInt32BE(0) % maxDays)
  return h[4] & 1 ? magnitude : -magnitude
}

const isDigit = (c: number) => c >= 48 && c <= 57
const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9]
const TWO_DIGITS = Array.from({length: 100}, (_, i) => String(i).padStart(2, '0'))
const digitsAt = (s: string, from: number, n: number) => {
  let v = 0
  for (let i = from; i < from + n; i++) v = v * 10 + s.charCodeAt(i) - 48
  return v
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, any day: days past the month's end carry on). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468
}

/** `YYYY-MM-DD` of a day number (the inverse of daysFromCivil). */
function civilText(z: number): string {
  z += 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${y >= 1000 && y <= 9999 ? String(y) : pad(y, 4)}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}`
}

/**
 * The FHIR form, `YYYY-MM-DD` alone or followed by `T` and a time, shifted without the regular expressions,
 * objects and Date of the general path (dates are the most frequent values of a FHIR file). null when the text
 * is not in exactly that form, and then the general path decides. Gives what the general path gives (test:
 * date-shift.test.ts compares the two).
 */
function shiftIsoDay(raw: string, days: number): string | null {
  const n = raw.length
  if (n < 10 || (n > 10 && raw.charCodeAt(10) !== 84 /* T */)) return null
  if (raw.charCodeAt(4) !== 45 || raw.charCodeAt(7) !== 45) return null
  for (const i of DIGIT_POSITIONS) if (!isDigit(raw.charCodeAt(i))) return null
  // What the general path would trim, or what `T.*` cannot match (line terminators), goes the general way.
  const last = raw.charCodeAt(n - 1)
  if (last <= 32 || last >= 127) return null
  for (let i = 11; i < n; i++) {
    const c = raw.charCodeAt(i)
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return null
  }
  const y = digitsAt(raw, 0, 4)
  const m = digitsAt(raw, 5, 2)
  const d = digitsAt(raw, 8, 2)
  // Date.UTC reads years 0-99 as 1900-1999 and carries months over 12, and the general path writes a day 00 back
  // without its day: those stay with the general path.
  if (y < 100 || m < 1 || m > 12 || d < 1) return null
  const day = civilText(daysFromCivil(y, m, d) + days)
  return n === 10 ? day : day + raw.slice(10)
}

/** Move a date by whole days, keeping its layout and precision (time of day and zone are untouched). */
export function shiftDateText(raw: string, days: number): string | undefined {
  const fast = shiftIsoDay(raw, days)
  if (fast !== null) return fast
  const dt = parseDateText(raw)
  if (!dt) return undefined
  // A date without a day (or month) is shifted through its middle, and keeps its precision.
  const base = Date.UTC(dt.year, (dt.month ?? 7) - 1, dt.day ?? (dt.month ? 15 : 2))
  if (Number.isNaN(base)) return undefined
  const t = new Date(base + days * 86_400_000)
  return dt.format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}
