/**
 * The review queue and the decisions file: one CSV (or JSON) that lists the doubtful pairs side by side, with a
 * `decision` column a person fills in (same / different, blank to skip) and passes back with --decisions.
 * Pure text in and out; the file adapter is in run.ts.
 */
import {csvLine} from '../formats/csv/writer.js'
import {type Patient} from '../formats/csv/mapping/patient-mapping.js'
import {type Decision} from './engine.js'
import {type PairExplanation} from './score.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ReviewItem {
  a: string
  b: string
  probability: number
  reasons: string[]
  explanation: PairExplanation
  /** The two records' main fields, for a person to compare. */
  left: Record<string, string>
  right: Record<string, string>
  locationA: string
  locationB: string
}

export const REVIEW_FIELDS = ['name', 'birthDate', 'sex', 'ssn', 'address', 'phone', 'email', 'identifiers'] as const

/** What a person needs to see of a record to judge a pair. */
export function reviewView(p: Patient): Record<string, string> {
  const n: any = (p.name ?? []).find((x: any) => x.use === 'official') ?? (p.name ?? [])[0] ?? {}
  const a: any = (p.address ?? []).find((x: any) => x.use !== 'old') ?? {}
  const tel = (sys: string) => ((p.telecom ?? []) as any[]).filter((t) => t.system === sys).map((t) => t.value).join('; ')
  const ids = (p.identifier ?? []) as any[]
  const ssn = ids.find((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn' || i.type?.coding?.some((c: any) => c.code === 'SS' || c.code === 'SB'))
  return {
    name: [...(n.given ?? []), n.family, ...(n.suffix ?? [])].filter(Boolean).join(' '),
    birthDate: p.birthDate ?? '',
    sex: p.gender ?? '',
    ssn: ssn?.value ?? '',
    address: [...(a.line ?? []), a.city, a.state, a.postalCode].filter(Boolean).join(', '),
    phone: tel('phone'),
    email: tel('email'),
    identifiers: ids.filter((i) => i !== ssn).map((i) => i.value).join('; '),
  }
}

const HEADER = ['record_a', 'record_b', 'decision', 'probability', 'reasons', 'explanation', 'location_a', 'location_b', ...REVIEW_FIELDS.flatMap((f) => [`a_${f}`, `b_${f}`])]

export const explanationText = (e: PairExplanation) =>
  e.fields.filter((f) => f.level !== 'missing').map((f) => `${f.field}: ${f.level} (${f.weight >= 0 ? '+' : ''}${f.weight})`).join('; ')

/** The queue as CSV; pairs already decided carry their decision. */
export function reviewQueueCsv(items: ReviewItem[], decided: Map<string, Decision['decision']>): string {
  let out = csvLine(HEADER)
  for (const it of items) {
    out += csvLine([
      it.a, it.b, decided.get(decisionKey(it.a, it.b)) ?? '', it.probability.toFixed(4), it.reasons.join('; '), explanationText(it.explanation),
      it.locationA, it.locationB, ...REVIEW_FIELDS.flatMap((f) => [it.left[f] ?? '', it.right[f] ?? '']),
    ])
  }
  return out
}

export const decisionKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`)

const SAME = new Set(['same', 's', 'yes', 'y', 'match', 'merge', '1', 'true'])
const DIFFERENT = new Set(['different', 'd', 'no', 'n', 'not', 'not the same', 'non-match', 'nonmatch', '0', 'false'])

/** Parse a decisions file (the filled-in queue as CSV, or a JSON array of {a, b, decision}). Blank = undecided. */
export function parseDecisions(text: string, file: string, rows: string[][] | undefined): {decisions: Decision[]; problems: string[]} {
  const decisions: Decision[] = []
  const problems: string[] = []
  const push = (a: string, b: string, d: string, where: string) => {
    const v = d.trim().toLowerCase()
    if (v === '' || v === 'skip') return
    if (SAME.has(v)) decisions.push({a, b, decision: 'same'})
    else if (DIFFERENT.has(v)) decisions.push({a, b, decision: 'different'})
    else problems.push(`${where}: decision must be same or different (or blank)`)
  }
  const t = text.replace(/^\uFEFF/, '').trimStart()
  if (t.startsWith('[')) {
    let arr: any[]
    try {
      arr = JSON.parse(t)
    } catch {
      problems.push(`${file}: not valid JSON`)
      return {decisions, problems}
    }
    arr.forEach((x, i) => {
      const a = x?.a ?? x?.record_a
      const b = x?.b ?? x?.record_b
      if (typeof a !== 'string' || typeof b !== 'string') problems.push(`${file}: entry ${i + 1}: needs a and b`)
      else push(a, b, String(x.decision ?? ''), `${file}: entry ${i + 1}`)
    })
    return {decisions, problems}
  }
  if (!rows || rows.length === 0) return {decisions, problems}
  const header = rows[0].map((h) => h.trim().toLowerCase())
  const ia = header.indexOf('record_a')
  const ib = header.indexOf('record_b')
  const id = header.indexOf('decision')
  if (ia === -1 || ib === -1 || id === -1) {
    problems.push(`${file}:line 1: needs the columns record_a, record_b and decision`)
    return {decisions, problems}
  }
  rows.slice(1).forEach((r, i) => {
    if (r.length === 1 && r[0] === '') return
    push(r[ia] ?? '', r[ib] ?? '', r[id] ?? '', `${file}:line ${i + 2}`)
  })
  return {decisions, problems}
}
