import {type Resource} from '../formats/fhir/reader.js'
import {patientKeyOf} from './patient-key.js'
import {type Sweep, sweepPattern} from './scrub.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PatientEntry {
  key: string
  names: string[]
  values: string[]
  sweep?: Sweep | null
  /** The patient's date shift, once derived, and the run settings it was derived with. */
  shift?: {by: object; days: number}
}

/** A patient entry as plain data, by the Patient's id. */
export interface PatientData {
  id: string
  key: string
  names: string[]
  values: string[]
}

const PATIENT_REF_FIELDS = ['subject', 'patient', 'beneficiary', 'individual', 'who']

/** The id a reference points at: `Patient/123`, `urn:uuid:...`, an absolute URL, each with its own form. */
export function referencedId(ref: string): {type?: string; id: string} | undefined {
  if (ref.startsWith('urn:uuid:')) return {id: ref.slice(9)}
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref)
  return m ? {type: m[1], id: m[2]} : undefined
}

export function isMrnIdentifier(idf: any, mrnSystem?: string): boolean {
  if (mrnSystem && idf?.system === mrnSystem) return true
  return Array.isArray(idf?.type?.coding) && idf.type.coding.some((c: any) => c?.code === 'MR')
}

/**
 * Patients by id, gathered before de-identification (a first pass over the inputs), so every resource of a
 * patient gets that patient's date shift and has that patient's names and ids swept from its free text,
 * whichever order the resources come in.
 */
export class FhirPatientIndex {
  private readonly byId = new Map<string, PatientEntry>()
  private readonly byRef = new Map<string, PatientEntry>()
  constructor(private readonly mrnSystem?: string) {}

  get size(): number {
    return this.byId.size
  }

  add(p: Resource): PatientEntry {
    const ids: any[] = Array.isArray(p.identifier) ? p.identifier : []
    const mrn = ids.find((i) => isMrnIdentifier(i, this.mrnSystem))?.value
    const names: string[] = []
    for (const n of Array.isArray(p.name) ? p.name : []) {
      if (typeof n?.family === 'string') names.push(n.family)
      for (const g of Array.isArray(n?.given) ? n.given : []) if (typeof g === 'string') names.push(g)
      if (typeof n?.text === 'string') names.push(n.text)
    }
    const values: string[] = []
    for (const i of ids) if (typeof i?.value === 'string') values.push(i.value)
    for (const t of Array.isArray(p.telecom) ? p.telecom : []) if (typeof t?.value === 'string') values.push(t.value)
    for (const a of Array.isArray(p.address) ? p.address : []) for (const l of Array.isArray(a?.line) ? a.line : []) if (typeof l === 'string') values.push(l)
    const key =
      patientKeyOf({mrn, otherId: ids.find((i) => typeof i?.value === 'string')?.value, name: names.join(' '), birthDate: p.birthDate}) ??
      `FHIR:Patient/${p.id ?? '?'}`
    const entry: PatientEntry = {key, names, values}
    if (p.id) this.byId.set(p.id, entry)
    if (this.byRef.size) this.byRef.clear()
    return entry
  }

  /** Whether a Patient with this id is known. */
  has(id: string): boolean {
    return this.byId.has(id)
  }

  /** The patients known, as plain data (for another thread's index). */
  entries(): PatientData[] {
    return [...this.byId].map(([id, e]) => ({id, key: e.key, names: e.names, values: e.values}))
  }

  /** Take patients known elsewhere (another thread's index): the same entries add() would have made. */
  learn(list: PatientData[]): void {
    for (const p of list) this.byId.set(p.id, {key: p.key, names: p.names, values: p.values})
    if (list.length && this.byRef.size) this.byRef.clear()
  }

  /** The patient a resource belongs to: itself for a Patient, else the one its subject/patient points at. */
  patientOf(r: Resource): PatientEntry | undefined {
    if (r.resourceType === 'Patient') return (r.id && this.byId.get(r.id)) || this.add(r)
    for (const f of PATIENT_REF_FIELDS) {
      const ref = r[f]?.reference
      if (typeof ref !== 'string') continue
      const hit = this.byRef.get(ref)
      if (hit) return hit
      const t = referencedId(ref)
      if (t && (t.type === undefined || t.type === 'Patient')) {
        const e = this.byId.get(t.id) ?? {key: `FHIR:Patient/${t.id}`, names: [], values: []}
        if (this.byRef.size >= 200_000) this.byRef.clear()
        this.byRef.set(ref, e)
        return e
      }
    }
    return undefined
  }

  /** Whether the patient a resource belongs to is known already (always true for a Patient, or no patient). */
  knows(r: Resource): boolean {
    if (r.resourceType === 'Patient') return true
    for (const f of PATIENT_REF_FIELDS) {
      const ref = r[f]?.reference
      if (typeof ref !== 'string') continue
      if (this.byRef.has(ref)) return true
      const t = referencedId(ref)
      if (t && (t.type === undefined || t.type === 'Patient')) return this.byId.has(t.id)
    }
    return true
  }

  sweepOf(e: PatientEntry): Sweep | undefined {
    if (e.sweep === undefined) e.sweep = sweepPattern({names: e.names, values: e.values}) ?? null
    return e.sweep ?? undefined
  }
}

const PATIENT_MARKER = Buffer.from('"Patient"')

/**
 * The Patient resources among NDJSON lines, without parsing the others: the bytes are searched for "Patient" and
 * only the lines holding it are decoded and parsed (a line that is not valid JSON is left to the main pass, which
 * rejects it). Returns the incomplete last line to carry over, unless `final`.
 */
export function patientLines(buf: Buffer, final: boolean, each: (p: Resource) => void): Buffer {
  let from = 0
  let hit = buf.indexOf(PATIENT_MARKER, from)
  while (hit !== -1) {
    const start = buf.lastIndexOf(10, hit) + 1
    let end = buf.indexOf(10, hit)
    if (end === -1) {
      if (!final) return buf.subarray(start)
      end = buf.length
    }
    try {
      const v = JSON.parse(buf.toString('utf8', start, end).replace(/^\uFEFF/, ''))
      if (v?.resourceType === 'Patient') each(v)
    } catch {
      /* the main pass rejects it */
    }
    from = end + 1
    hit = from < buf.length ? buf.indexOf(PATIENT_MARKER, from) : -1
  }
  const lastNl = buf.lastIndexOf(10)
  return final ? Buffer.alloc(0) : buf.subarray(Math.max(lastNl + 1, from))
}
