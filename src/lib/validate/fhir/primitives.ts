/** FHIR R4 primitive types: the JSON type each takes and the regular expression its value must match. */

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)'
const TZ = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))'
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?'

export const PRIMITIVE_RE: Record<string, RegExp> = {
  date: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`),
  dateTime: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T${TIME}${TZ})?)?)?$`),
  instant: new RegExp(`^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T${TIME}${TZ}$`),
  time: new RegExp(`^${TIME}$`),
  code: /^[^\s]+( [^\s]+)*$/,
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  uri: /^\S*$/,
  url: /^\S*$/,
  canonical: /^\S*$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  base64Binary: /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/,
}

export const PRIMITIVE_JSON: Record<string, 'string' | 'number' | 'boolean'> = {
  boolean: 'boolean',
  integer: 'number',
  unsignedInt: 'number',
  positiveInt: 'number',
  decimal: 'number',
  string: 'string',
  markdown: 'string',
  code: 'string',
  id: 'string',
  uri: 'string',
  url: 'string',
  canonical: 'string',
  oid: 'string',
  uuid: 'string',
  base64Binary: 'string',
  date: 'string',
  dateTime: 'string',
  instant: 'string',
  time: 'string',
  xhtml: 'string',
}

export const isPrimitiveType = (t: string) => PRIMITIVE_JSON[t] !== undefined

function realDay(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(v)
  if (!m) return true
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  return d <= days[mo - 1]
}

/** Why a JSON value is not a valid FHIR primitive of this type, or undefined when it is. Never says the value. */
export function primitiveProblem(type: string, v: unknown): {rule: 'fhir.type' | 'fhir.primitive.format' | 'fhir.primitive.empty'; message: string} | undefined {
  const json = PRIMITIVE_JSON[type]
  if (typeof v !== json) return {rule: 'fhir.type', message: `a ${type} must be a JSON ${json}, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`}
  if (json === 'number') {
    const n = v as number
    if (type === 'decimal') return undefined
    if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) return {rule: 'fhir.primitive.format', message: `not a 32-bit ${type}`}
    if (type === 'unsignedInt' && n < 0) return {rule: 'fhir.primitive.format', message: 'an unsignedInt must be 0 or more'}
    if (type === 'positiveInt' && n < 1) return {rule: 'fhir.primitive.format', message: 'a positiveInt must be 1 or more'}
    return undefined
  }
  if (json === 'string') {
    const s = v as string
    if (s === '') return {rule: 'fhir.primitive.empty', message: `empty ${type} (leave the element out instead)`}
    if (type === 'string' || type === 'markdown') return s.trim() === '' ? {rule: 'fhir.primitive.format', message: `a ${type} of only white space`} : undefined
    if (type === 'xhtml') return /^\s*<div[\s>]/.test(s) ? undefined : {rule: 'fhir.primitive.format', message: 'narrative must be an XHTML <div>'}
    const re = PRIMITIVE_RE[type]
    if (re && !re.test(s)) return {rule: 'fhir.primitive.format', message: `not a valid FHIR ${type}`}
    if ((type === 'date' || type === 'dateTime' || type === 'instant') && !realDay(s)) return {rule: 'fhir.primitive.format', message: `not a real calendar day (${type})`}
  }
  return undefined
}
