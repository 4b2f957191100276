/**
 * A one-line account of a FHIR OperationOutcome for an error message: severity, code, where (expression) and the
 * server's text, the first issues only, cut short. Servers sometimes quote the submitted data in diagnostics, so
 * the text is bounded; callers that handle PHI decide whether to show it.
 */
export interface OutcomeSummary {
  /** e.g. "error processing at Patient.birthDate: Invalid date" */
  text: string
  codes: string[]
}

interface Issue {
  severity?: string
  code?: string
  diagnostics?: string
  details?: {text?: string; coding?: Array<{code?: string; display?: string}>}
  expression?: string[]
  location?: string[]
}

const MAX_TEXT = 200

export function isOperationOutcome(body: unknown): body is {resourceType: 'OperationOutcome'; issue?: Issue[]} {
  return typeof body === 'object' && body !== null && (body as {resourceType?: unknown}).resourceType === 'OperationOutcome'
}

export function summarizeOutcome(body: unknown): OutcomeSummary | undefined {
  if (!isOperationOutcome(body) || !Array.isArray(body.issue) || body.issue.length === 0) return undefined
  const rank = (s?: string) => ['fatal', 'error', 'warning', 'information'].indexOf(s ?? 'information')
  const issues = [...body.issue].sort((a, b) => rank(a.severity) - rank(b.severity))
  const parts = issues.slice(0, 2).map((i) => {
    const where = (i.expression ?? i.location ?? [])[0]
    const msg = (i.details?.text ?? i.diagnostics ?? i.details?.coding?.[0]?.display ?? '').replace(/\s+/g, ' ').trim()
    return `${i.severity ?? 'error'} ${i.code ?? 'unknown'}${where ? ` at ${where}` : ''}${msg ? `: ${msg}` : ''}`
  })
  let text = parts.join('; ')
  if (issues.length > 2) text += ` (and ${issues.length - 2} more)`
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT - 1)}…`
  return {text, codes: issues.map((i) => i.code ?? 'unknown')}
}
