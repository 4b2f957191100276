import {parseDateText} from './date-shift.js'

/** The year of a date, in any layout him reads (ISO, HL7 v2, MM/DD/YYYY); undefined when it is not a date. */
export function yearOf(raw: string): number | undefined {
  const dt = parseDateText(raw)
  if (dt) return dt.year
  const m = /\b(1[89]\d\d|2\d\d\d)\b/.exec(raw)
  return m ? Number(m[1]) : undefined
}

export const AGE_TOP_CODE = '90+'

/** Ages over 89 become the single category "90+" (Safe Harbor); younger ages are kept as given. */
export function generalizeAge(raw: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)/.exec(raw)
  if (!m) return raw
  return Number(m[1]) > 89 ? AGE_TOP_CODE : raw
}

/** Whole years between a birth year and the reference year, at the most (a person born late in the year is younger). */
const maxAge = (birthYear: number, asOf: Date) => asOf.getUTCFullYear() - birthYear

/**
 * A date tied to a person, reduced to its year. A birth date that could mean an age over 89 at `asOf` becomes
 * "90+" (Safe Harbor forbids even the year then). undefined when the text is not a date.
 */
export function generalizeDate(raw: string, opts: {birthDate?: boolean; asOf?: Date} = {}): string | undefined {
  const y = yearOf(raw)
  if (y === undefined) return undefined
  if (opts.birthDate && maxAge(y, opts.asOf ?? new Date()) > 89) return AGE_TOP_CODE
  return String(y)
}
