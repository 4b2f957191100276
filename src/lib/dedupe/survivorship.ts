/**
 * Golden records by survivorship rules, pure:
 * - the golden record keeps the id of the cluster's oldest record (the cluster id);
 * - name, birth date and sex by agreement: the value most members share, ties to the most recent record;
 * - contact fields (telecom, home address) from the most recent record that has them;
 * - placeholders (BABY, UNKNOWN, 1900-01-01, 999-99-9999, ...) never survive;
 * - every identifier (all MRNs) is kept; previous names and addresses are kept with use "old";
 * - per-field lineage: which record each field came from (an extension), and Patient.link "replaces".
 */
import {type Patient} from '../formats/csv/mapping/patient-mapping.js'
import {isSsnIdentifier, standardizeDate, standardizeName, standardizeSsn, standardizeStreet} from './standardize.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface SurvivorInput {
  key: string
  patient: Patient
  /** Higher is more recent: meta.lastUpdated when known, else input order. */
  recency: [string, number]
}

export const LINEAGE_URL = 'https://himkit.dev/fhir/StructureDefinition/dedupe-lineage'

const newer = (a: SurvivorInput, b: SurvivorInput) => a.recency[0] > b.recency[0] || (a.recency[0] === b.recency[0] && a.recency[1] > b.recency[1])

function byAgreement<T>(members: SurvivorInput[], value: (p: Patient) => {key: string; value: T} | undefined): {value: T; from: string} | undefined {
  const groups = new Map<string, {count: number; latest: SurvivorInput; value: T}>()
  for (const m of members) {
    const v = value(m.patient)
    if (!v) continue
    const g = groups.get(v.key)
    if (!g) groups.set(v.key, {count: 1, latest: m, value: v.value})
    else {
      g.count++
      if (newer(m, g.latest)) {
        g.latest = m
        g.value = v.value
      }
    }
  }
  let best: {count: number; latest: SurvivorInput; value: T} | undefined
  for (const g of groups.values()) if (!best || g.count > best.count || (g.count === best.count && newer(g.latest, best.latest))) best = g
  return best && {value: best.value, from: best.latest.key}
}

const officialName = (p: Patient): any => {
  const names: any[] = Array.isArray(p.name) ? p.name : []
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old' && n.use !== 'maiden') ?? names[0]
}
const nameKey = (n: any) => `${standardizeName(n?.given?.[0]) ?? ''}|${standardizeName(n?.family) ?? ''}`
/** A name with a placeholder part (BABY, UNKNOWN) is no name to keep. */
const hasPlaceholder = (n: any) => (n?.given?.[0] && !standardizeName(n.given[0])) || (n?.family && !standardizeName(n.family))
const homeAddress = (p: Patient): any => (Array.isArray(p.address) ? p.address.find((a: any) => a.use !== 'old') : undefined)
const addressKey = (a: any) => `${standardizeStreet(a?.line?.[0]) ?? ''}|${standardizeName(a?.city) ?? ''}|${a?.postalCode ?? ''}`

export interface GoldenResult {
  golden: Patient
  /** Field -> key of the record it came from. */
  lineage: Record<string, string>
}

export function goldenRecord(members: SurvivorInput[], clusterId: string): GoldenResult {
  const survivor = members.find((m) => m.key === clusterId) ?? members[0]
  const byRecency = [...members].sort((a, b) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0))
  const lineage: Record<string, string> = {}
  const g: any = {resourceType: 'Patient', id: survivor.patient.id ?? clusterId}
  if (survivor.patient.meta) g.meta = survivor.patient.meta

  // Identifiers: all of them, once each, placeholders out.
  const ids: any[] = []
  const seen = new Set<string>()
  for (const m of members) {
    for (const id of (m.patient.identifier ?? []) as any[]) {
      if (isSsnIdentifier(id) && !standardizeSsn(id.value)) continue
      const k = `${id.system ?? ''}|${id.value ?? ''}`
      if (seen.has(k)) continue
      seen.add(k)
      ids.push(id)
    }
  }
  if (ids.length) g.identifier = ids

  // Name by agreement; the others kept as old names.
  const name = byAgreement(members, (p) => {
    const n = officialName(p)
    const k = nameKey(n)
    return k === '|' || hasPlaceholder(n) ? undefined : {key: k, value: n}
  })
  if (name) {
    const names: any[] = [{...name.value, use: 'official'}]
    const keys = new Set([nameKey(name.value)])
    for (const m of byRecency) {
      for (const n of (m.patient.name ?? []) as any[]) {
        const k = nameKey(n)
        if (k === '|' || keys.has(k) || hasPlaceholder(n)) continue
        keys.add(k)
        names.push({...n, use: n.use === 'maiden' ? 'maiden' : 'old'})
      }
    }
    g.name = names
    lineage.name = name.from
  }

  const contact = byRecency.find((m) => Array.isArray(m.patient.telecom) && m.patient.telecom.length)
  if (contact) {
    g.telecom = contact.patient.telecom
    lineage.telecom = contact.key
  }
  const sex = byAgreement(members, (p) => (p.gender && p.gender !== 'unknown' ? {key: p.gender, value: p.gender} : undefined))
  if (sex) {
    g.gender = sex.value
    lineage.gender = sex.from
  }
  const dob = byAgreement(members, (p) => {
    const d = standardizeDate(p.birthDate)
    return d ? {key: d, value: p.birthDate as string} : undefined
  })
  if (dob) {
    g.birthDate = dob.value
    lineage.birthDate = dob.from
  }
  const deceased = byRecency.find((m) => m.patient.deceasedDateTime || m.patient.deceasedBoolean !== undefined)
  if (deceased) {
    if (deceased.patient.deceasedDateTime) g.deceasedDateTime = deceased.patient.deceasedDateTime
    else g.deceasedBoolean = deceased.patient.deceasedBoolean
    lineage.deceased = deceased.key
  }

  // Address from the most recent record with a real one; the others kept as old addresses.
  const withAddress = byRecency.find((m) => {
    const a = homeAddress(m.patient)
    return a && addressKey(a) !== '||'
  })
  if (withAddress) {
    const current = homeAddress(withAddress.patient)
    const addresses: any[] = [current]
    const keys = new Set([addressKey(current)])
    for (const m of byRecency) {
      for (const a of (m.patient.address ?? []) as any[]) {
        const k = addressKey(a)
        if (k === '||' || keys.has(k)) continue
        keys.add(k)
        addresses.push({...a, use: 'old'})
      }
    }
    g.address = addresses
    lineage.address = withAddress.key
  }
  for (const f of ['maritalStatus', 'communication', 'extension'] as const) {
    const from = byRecency.find((m) => m.patient[f] !== undefined)
    if (from) {
      g[f] = from.patient[f]
      lineage[f] = from.key
    }
  }
  g.extension = [
    ...(g.extension ?? []).filter((e: any) => e.url !== LINEAGE_URL),
    {url: LINEAGE_URL, extension: Object.entries(lineage).map(([field, from]) => ({url: field, valueString: from}))},
  ]
  const others = members.filter((m) => m !== survivor)
  if (others.length) g.link = others.map((m) => ({other: {reference: `Patient/${m.patient.id ?? m.key}`}, type: 'replaces'}))
  g.active = true
  return {golden: g as Patient, lineage}
}

/** A merged-away record: inactive, pointing at its golden record. */
export function replacedRecord(p: Patient, goldenId: string): Patient {
  const links = ((p.link ?? []) as any[]).filter((l) => l.type !== 'replaced-by')
  return {...p, active: false, link: [...links, {other: {reference: `Patient/${goldenId}`}, type: 'replaced-by'}]}
}

/** Two records a person should look at (or that are linked, not merged): seealso links. */
export function withSeeAlso(p: Patient, otherIds: string[]): Patient {
  if (!otherIds.length) return p
  const links = (p.link ?? []) as any[]
  const have = new Set(links.map((l) => l.other?.reference))
  const add = otherIds.filter((id) => !have.has(`Patient/${id}`)).map((id) => ({other: {reference: `Patient/${id}`}, type: 'seealso'}))
  return {...p, link: [...links, ...add]}
}
