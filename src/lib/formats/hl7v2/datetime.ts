/**
 * HL7 v2 DTM/TS `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` to FHIR, keeping the precision that was sent:
 * `1980` stays a year, `198005` a month, a date never becomes an instant. FHIR requires a time zone once there
 * is a time and has no hour-only or minute-only time: missing minutes and seconds are written as 00 and a
 * missing offset is taken from `defaultOffset` (the sender's local offset, from config; `Z` when unknown).
 */
export interface Hl7DateTime {
  year: string
  month?: string
  day?: string
  hour?: string
  minute?: string
  second?: string
  fraction?: string
  /** `+hhmm` / `-hhmm` as sent. */
  offset?: string
}

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/

export function parseHl7DateTime(s: string): Hl7DateTime | undefined {
  const m = DTM.exec(s.trim())
  if (!m) return undefined
  const [, year, month, day, hour, minute, second, fraction, offset] = m
  if (month && (+month < 1 || +month > 12)) return undefined
  if (day && (+day < 1 || +day > new Date(Date.UTC(+year, +month, 0)).getUTCDate())) return undefined
  if (hour && +hour > 23) return undefined
  if (minute && +minute > 59) return undefined
  if (second && +second > 59) return undefined
  return {year, month, day, hour, minute, second, fraction, offset}
}

/** FHIR `date` at the precision sent (time dropped): `1980`, `1980-05`, `1980-05-17`. */
export function toFhirDate(s: string): string | undefined {
  const d = parseHl7DateTime(s)
  if (!d) return undefined
  return [d.year, d.month, d.day].filter(Boolean).join('-')
}

/** FHIR `dateTime`: a date at its precision, or a full time with an offset. */
export function toFhirDateTime(s: string, defaultOffset = 'Z'): string | undefined {
  const d = parseHl7DateTime(s)
  if (!d) return undefined
  const date = [d.year, d.month, d.day].filter(Boolean).join('-')
  if (!d.hour) return date
  let t = `${date}T${d.hour}:${d.minute ?? '00'}:${d.second ?? '00'}`
  if (d.fraction) t += `.${d.fraction}`
  const off = d.offset ? `${d.offset.slice(0, 3)}:${d.offset.slice(3)}` : defaultOffset
  return t + (off === '+00:00' ? 'Z' : off)
}

/** True when the HL7 value carries a time of day (so a birth time is worth an extension). */
export function hasTime(s: string): boolean {
  return parseHl7DateTime(s)?.hour !== undefined
}

/** FHIR date or dateTime back to HL7 DTM at the same precision (`1980-05` -> `198005`). */
export function fromFhirDateTime(s: string): string {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(s)
  if (!m) return ''
  const [, y, mo, d, h, mi, sec, frac, tz] = m
  let out = y + (mo ?? '') + (d ?? '')
  if (h) {
    out += h + mi + (sec ?? '')
    if (frac) out += '.' + frac.slice(0, 4)
    if (tz) out += tz === 'Z' ? '+0000' : tz.replace(':', '')
  }
  return out
}

/** A clock reading as HL7 DTM to the second with offset +0000. */
export function hl7Now(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}+0000`
}
