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

/** Move a date by whole days, keeping its layout and precision (time of day and zone are untouched). */
export function shiftDateText(raw: string, days: number): string | undefined {
  const dt = parseDateText(raw)
  if (!dt) return undefined
  // A date without a day (or month) is shifted through its middle, and keeps its precision.
  const base = Date.UTC(dt.year, (dt.month ?? 7) - 1, dt.day ?? (dt.month ? 15 : 2))
  if (Number.isNaN(base)) return undefined
  const t = new Date(base + days * 86_400_000)
  return dt.format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}
