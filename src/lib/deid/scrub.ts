/** Identifiers known from a record's structured fields, swept out of its free text. */
export interface KnownIdentifiers {
  /** Names (each word of at least 2 letters is swept on its own). */
  names: Iterable<string>
  /** Identifiers, phones, emails, street lines, swept as whole strings (and ids also without punctuation). */
  values: Iterable<string>
}

export type ScrubCategory = 'url' | 'email' | 'ip' | 'ssn' | 'phone' | 'date' | 'name' | 'id' | 'zip'

export interface ScrubResult {
  text: string
  hits: Partial<Record<ScrubCategory, number>>
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?'

/** In order: earlier patterns take their matches before later ones can split them. */
const PATTERNS: Array<[ScrubCategory, RegExp]> = [
  ['url', /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"')\]]+/gi],
  ['email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g],
  ['ip', /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi],
  ['ssn', /\b\d{3}-\d{2}-\d{4}\b|\b(?:ssn|social security(?: number| no\.?)?)[#:\s]*\d{9}\b/gi],
  ['phone', /(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b/g],
  ['date', new RegExp(
    String.raw`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b` +
      String.raw`|\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b` +
      String.raw`|\b(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b` +
      String.raw`|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:${MONTHS})\.?(?:,?\s+\d{4})?\b` +
      String.raw`|\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d{2,6})?\b`,
    'gi',
  )],
  ['id', /\b(?:mrn|mr#|medical record(?: number| no\.?)?|acct|account(?: number| no\.?)?|member id|policy(?: number| no\.?)?|license(?: number| no\.?)?|id)(?:\s*[#:]\s*|\s+)[A-Z0-9][A-Z0-9-]{3,}\b/gi],
  ['id', /\b[A-Z]{0,3}\d{6,}[A-Z]{0,3}\b/gi],
  ['zip', /\b\d{5}(?:-\d{4})?\b/g],
]

/**
 * The identifiers known from a record, ready to sweep: name words (matched as whole words) and longer values
 * (matched as whole strings, with and without punctuation). Built once per record or patient.
 */
export class Sweep {
  constructor(
    readonly words: ReadonlySet<string>,
    /** Lower case, longest first. */
    readonly phrases: readonly string[],
  ) {}

  get empty(): boolean {
    return this.words.size === 0 && this.phrases.length === 0
  }

  /** A cheap first test: does any known word occur in the text at all (as a substring)? */
  mayHold(text: string): boolean {
    const lower = text.toLowerCase()
    for (const w of this.words) if (lower.includes(w)) return true
    for (const p of this.phrases) if (lower.includes(p)) return true
    return false
  }
}

const WORD_CHAR = /[\p{L}\p{N}]/u
const isWordChar = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c)

/** The identifiers to sweep out of free text; undefined when none is known. */
export function sweepPattern(known: KnownIdentifiers): Sweep | undefined {
  const words = new Set<string>()
  const phrases = new Set<string>()
  for (const n of known.names)
    for (const w of n.split(/[\s,.'-]+/)) if (w.replace(/[^\p{L}]/gu, '').length >= 2) words.add(w.toLowerCase())
  for (const v of known.values) {
    const t = v.trim().toLowerCase()
    if (t.length < 4) continue
    if (/^[\p{L}\p{N}]+$/u.test(t)) words.add(t)
    else phrases.add(t)
    const compact = t.replace(/[^a-z0-9]/g, '')
    if (compact.length >= 4 && compact !== t) words.add(compact)
  }
  if (words.size === 0 && phrases.size === 0) return undefined
  return new Sweep(words, [...phrases].sort((a, b) => b.length - a.length))
}

const WORD = /[\p{L}\p{N}]+/gu

function applySweep(text: string, sweep: Sweep, label: string, hits: ScrubResult['hits']): string {
  let out = text
  if (sweep.phrases.length) {
    let lower = out.toLowerCase()
    for (const p of sweep.phrases) {
      let at = lower.indexOf(p)
      while (at !== -1) {
        if (!isWordChar(lower[at - 1]) && !isWordChar(lower[at + p.length])) {
          out = out.slice(0, at) + label + out.slice(at + p.length)
          lower = lower.slice(0, at) + label.toLowerCase() + lower.slice(at + p.length)
          hits.name = (hits.name ?? 0) + 1
          at = lower.indexOf(p, at + label.length)
        } else at = lower.indexOf(p, at + 1)
      }
    }
  }
  if (sweep.words.size && sweep.mayHold(out))
    out = out.replace(WORD, (w) => {
      if (!sweep.words.has(w.toLowerCase())) return w
      hits.name = (hits.name ?? 0) + 1
      return label
    })
  return out
}

/** Replace every match of a pattern by its label, counting the hits. */
function replaceCounting(text: string, re: RegExp, label: string, hits: ScrubResult['hits'], cat: ScrubCategory): string {
  return text.replace(re, () => {
    hits[cat] = (hits[cat] ?? 0) + 1
    return label
  })
}

const DIGIT = /\d/
const WWW = /www\./i
const DIGIT_PATTERNS = PATTERNS.slice(2).map(([cat, re]) => [cat, re, `[${cat.toUpperCase()}]`] as const)

/**
 * Scrub free text: the identifiers known from the same record first (names and ids), then the patterns
 * (URLs, emails, IPs, SSNs, phones, dates, MRN-like ids, ZIPs). Each finding becomes `[CATEGORY]`.
 */
export function scrubText(text: string, known?: Sweep | KnownIdentifiers, sweepOnly = false): ScrubResult {
  const hits: ScrubResult['hits'] = {}
  if (text === '') return {text, hits}
  let out = text
  const sweep = known === undefined ? undefined : known instanceof Sweep ? known : sweepPattern(known)
  // Cheap tests first: most text has no digit, no @ and no URL, and then only the sweep can find anything.
  const hasDigit = DIGIT.test(text)
  // URLs and emails before the names in them are swept, so the whole address goes.
  if (!sweepOnly && (text.includes('://') || WWW.test(text))) out = replaceCounting(out, PATTERNS[0][1], '[URL]', hits, 'url')
  if (!sweepOnly && text.includes('@')) out = replaceCounting(out, PATTERNS[1][1], '[EMAIL]', hits, 'email')
  if (sweep) out = applySweep(out, sweep, '[REDACTED]', hits)
  if (sweepOnly) return {text: out, hits}
  if (hasDigit) for (const [cat, re, label] of DIGIT_PATTERNS) out = replaceCounting(out, re, label, hits, cat)
  return {text: out, hits}
}
