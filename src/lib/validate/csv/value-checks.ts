/**
 * Checks of single US demographic values, as found in patient exports. Each returns the rule id that fails
 * (or undefined when the value is fine) so the caller can word and locate the finding.
 */

export type SsnProblem = 'csv.ssn.format' | 'csv.ssn.impossible' | 'csv.ssn.placeholder'

/** SSNs printed on sample cards, in training material, or typed to get past a required field. */
const PLACEHOLDER_SSNS = new Set([
  '123456789', '987654321', '078051120', '219099999', '111111111', '222222222', '333333333', '444444444',
  '555555555', '777777777', '888888888', '999999999', '012345678', '001010001', '123121234',
])

export function checkSsn(v: string): SsnProblem | undefined {
  if (!/^\d{3}-?\d{2}-?\d{4}$/.test(v) && !/^\d{3} \d{2} \d{4}$/.test(v)) return 'csv.ssn.format'
  const d = v.replace(/[^0-9]/g, '')
  if (PLACEHOLDER_SSNS.has(d)) return 'csv.ssn.placeholder'
  const area = d.slice(0, 3)
  if (area === '000' || area === '666' || area[0] === '9' || d.slice(3, 5) === '00' || d.slice(5) === '0000') return 'csv.ssn.impossible'
  return undefined
}

/** NANP: optional +1/1, then NXX-NXX-XXXX where N is 2-9; common separators and an extension allowed. */
export function isNanpPhone(v: string): boolean {
  const main = /[a-z]/i.test(v) ? v.replace(/\s*(x|ext\.?|extension)\s*\d+$/i, '') : v
  // One pass over the characters: digits kept (at most 11), separators + ( ) . - and spaces skipped.
  const d: number[] = []
  for (let i = 0; i < main.length; i++) {
    const c = main.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (d.length === 11) return false
      d.push(c - 48)
    } else if (!(c === 43 || c === 40 || c === 41 || c === 46 || c === 45 || c === 32 || c === 9)) return false
  }
  let o = 0
  if (d.length === 11) {
    if (d[0] !== 1) return false
    o = 1
  } else if (d.length !== 10) return false
  return d[o] >= 2 && d[o + 3] >= 2 && !(d[o + 1] === 1 && d[o + 2] === 1)
}

export const isZip = (v: string): boolean => /^\d{5}(-?\d{4})?$/.test(v)

/** USPS state, district, territory and armed forces codes. */
export const USPS_STATES = new Set(
  ('AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW AA AE AP').split(' '),
)
export const isUspsState = (v: string): boolean => USPS_STATES.has(v.toUpperCase())

export const isEmail = (v: string): boolean => /^[^\s@"(),:;<>[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/.test(v)

export const nameHasDigits = (v: string): boolean => /\d/.test(v)

/** Names registration staff type when the real one is not known yet. Compared without case or punctuation. */
const PLACEHOLDER_NAMES = new Set([
  'baby', 'babyboy', 'babygirl', 'boy', 'girl', 'infant', 'newborn', 'unknown', 'unk', 'unkn', 'test', 'testpatient',
  'patient', 'testtest', 'doe', 'johndoe', 'janedoe', 'noname', 'none', 'na', 'xxx', 'zzz', 'trauma', 'dummy',
  'fake', 'sample', 'anonymous', 'notgiven', 'unidentified',
])

/** Single names that are only a placeholder together with another one (BABY BOY, TEST PATIENT, JOHN DOE). */
const normName = (v: string) => v.toLowerCase().replace(/[^a-z]/g, '')

/** Names repeat a great deal in a patient file: remember recent answers (bounded). */
const placeholderCache = new Map<string, boolean>()

export function isPlaceholderName(...parts: Array<string | undefined>): boolean {
  const key = parts.join('\u0000')
  const hit = placeholderCache.get(key)
  if (hit !== undefined) return hit
  const answer = placeholderAnswer(parts)
  if (placeholderCache.size >= 50_000) placeholderCache.clear()
  placeholderCache.set(key, answer)
  return answer
}

function placeholderAnswer(parts: Array<string | undefined>): boolean {
  const given = parts.filter((p): p is string => Boolean(p && p.trim()))
  if (given.length === 0) return false
  if (given.some((p) => PLACEHOLDER_NAMES.has(normName(p)) && normName(p) !== 'doe' && normName(p) !== 'patient')) return true
  const joined = normName(given.join(''))
  const joinedRev = normName([...given].reverse().join(''))
  return PLACEHOLDER_NAMES.has(joined) || PLACEHOLDER_NAMES.has(joinedRev)
}
