import {createHmac} from 'node:crypto'

/** A date as written, split into the parts a shift or a generalization touches; the rest is kept as it was. */
export interface DateText {
  year: number
  month?: number
  day?: number
  /** Put the (new) parts back in the original layout, with the original time and zone. */
  format(y: number, m?: number, d?: number): string
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
  if (m) {
    const [, y, mo, d, time = ''] = m
    return {
      year: Number(y),
      month: mo ? Number(mo) : undefined,
      day: d ? Number(d) : undefined,
      format: (ny, nm, nd) => pad(ny, 4) + (mo ? `-${pad(nm!)}` : '') + (d ? `-${pad(nd!)}${time}` : ''),
    }
  }
  m = COMPACT.exec(s)
  if (m) {
    const [, y, mo, d, rest] = m
    if (!d && rest) return undefined
    return {
      year: Number(y),
      month: Number(mo),
      day: d ? Number(d) : undefined,
      format: (ny, nm, nd) => pad(ny, 4) + pad(nm!) + (d ? pad(nd!) + rest : ''),
    }
  }
  m = US.exec(s)
  if (m) {
    const [, mo, sep, d, y, rest] = m
    return {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      format: (ny, nm, nd) => `${mo.length === 2 ? pad(nm!) : nm}${sep}${d.length === 2 ? pad(nd!) : nd}${sep}${pad(ny, 4)}${rest}`,
    }
  }
  return undefined
}

export const DEFAULT_MAX_SHIFT_DAYS = 365

/**
 * The date shift of one patient, in days: derived from HMAC-SHA256(dateKey, patient key), within
 * [-maxDays, maxDays], never 0. The same key and patient give the same shift in every file, format and run, so
 * the intervals between that patient's events survive.
 */
export function shiftDaysFor(dateKey: string, patientKey: string, maxDays = DEFAULT_MAX_SHIFT_DAYS): number {
  const h = createHmac('sha256', dateKey).update(`himkit date shift v1\u0000${patientKey}`, 'utf8').digest()
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
