/** A location in a message in HL7 notation: `PID-5.1`, `OBX[2]-5`, `PID-3[2].4.2`. All indices 1-based. */
export interface Hl7Path {
  segment: string
  /** Which occurrence of the segment (1 = first). */
  segmentIndex: number
  field?: number
  /** Which repetition of the field (1 = first). */
  repetition: number
  component?: number
  subcomponent?: number
}

const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/

export function parsePath(path: string): Hl7Path {
  const m = PATH.exec(path.trim())
  if (!m) throw new Error(`"${path}" is not an HL7 path (expected e.g. PID-5.1, OBX[2]-5, PID-3[2].1)`)
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
  const out: Hl7Path = {
    segment: m[1],
    segmentIndex: num(m[2]) ?? 1,
    field: num(m[3]),
    repetition: num(m[4]) ?? 1,
    component: num(m[5]),
    subcomponent: num(m[6]),
  }
  for (const k of ['segmentIndex', 'repetition', 'component', 'subcomponent'] as const)
    if (out[k] === 0) throw new Error(`"${path}": HL7 indices start at 1`)
  return out
}

export function formatPath(p: Partial<Hl7Path> & {segment: string}): string {
  let s = p.segment
  if (p.segmentIndex && p.segmentIndex > 1) s += `[${p.segmentIndex}]`
  if (p.field === undefined) return s
  s += `-${p.field}`
  if (p.repetition && p.repetition > 1) s += `[${p.repetition}]`
  if (p.component !== undefined) s += `.${p.component}`
  if (p.subcomponent !== undefined) s += `.${p.subcomponent}`
  return s
}
