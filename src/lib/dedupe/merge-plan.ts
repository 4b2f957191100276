/**
 * The merge plan for duplicates found on a FHIR server (dedupe --endpoint --apply), pure: which Patients to update
 * with what. In each group of records found to be one person, the survivor keeps its record and gains `Patient.link`
 * `replaces` to each merged-away record; each merged-away record becomes `active: false` with a `replaced-by` link to
 * the survivor. Existing links are kept, none is added twice, and a record already in that state is left alone, so
 * planning and applying again after success changes nothing.
 *
 * The survivor is the group's cluster id (its oldest record), except where an earlier merge already named one: a
 * merged-away record carries `replaced-by` to it. (Applying updates every record of the group, so "oldest by
 * meta.lastUpdated" would otherwise move on the next run.) Groups that earlier merges make ambiguous are skipped
 * with a reason, never guessed: a member already replaced by a record outside the group, or members merged into
 * different survivors before.
 *
 * Records are named by reference (`Patient/123`); ids are not PHI, and nothing here looks at names or values.
 */

export interface PatientLink {
  other?: {reference?: string}
  type?: string
}

/** What the plan needs of a Patient: its reference, version, active flag and links. */
export interface PlanPatient {
  ref: string
  versionId?: string
  active?: boolean
  link?: PatientLink[]
}

export interface MergeGroup {
  /** The cluster id: the reference of the group's oldest record. */
  clusterId: string
  members: PlanPatient[]
}

export interface MergeUpdate {
  ref: string
  role: 'survivor' | 'merged'
  survivor: string
  /** survivor: the records it replaces; merged: [the survivor]. */
  others: string[]
  /** The version the plan was made from: a record changed since is not updated (a conflict). */
  versionId?: string
  /** The copy the plan was made from already holds the merge. */
  inPlace: boolean
}

export interface PlannedMerge {
  survivor: string
  merged: string[]
}

export interface SkippedGroup {
  members: string[]
  reason: string
}

export interface MergePlan {
  merges: PlannedMerge[]
  /** One per record to update: survivors first, each followed by the records it replaces. */
  updates: MergeUpdate[]
  skipped: SkippedGroup[]
}

/** `Patient/123` from a reference in any of its forms (relative, absolute, with `_history`); undefined if not a Patient. */
export function patientRef(reference: string | undefined): string | undefined {
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '')
  return m ? `Patient/${m[1]}` : undefined
}

const linkedTo = (links: PatientLink[] | undefined, type: string): string[] =>
  (links ?? []).filter((l) => l.type === type).map((l) => patientRef(l.other?.reference)).filter((r): r is string => r !== undefined)

export function planMerges(groups: MergeGroup[]): MergePlan {
  const plan: MergePlan = {merges: [], updates: [], skipped: []}
  for (const g of groups) {
    if (g.members.length < 2) continue
    const refs = new Set(g.members.map((m) => m.ref))
    const members = g.members.map((m) => m.ref)
    const outside = g.members
      .flatMap((m) => linkedTo(m.link, 'replaced-by').filter((r) => !refs.has(r)).map((r) => `${m.ref} is already replaced by ${r}, outside this group`))
    if (outside.length) {
      plan.skipped.push({members, reason: outside[0]})
      continue
    }
    const earlier = [...new Set(g.members.flatMap((m) => linkedTo(m.link, 'replaced-by').filter((r) => r !== m.ref)))]
    if (earlier.length > 1) {
      plan.skipped.push({members, reason: `it holds records merged before into different survivors (${earlier.sort().join(', ')})`})
      continue
    }
    const survivor = earlier[0] ?? g.clusterId
    if (!refs.has(survivor)) {
      plan.skipped.push({members, reason: `its cluster id ${survivor} is not one of its records`})
      continue
    }
    const merged = members.filter((r) => r !== survivor)
    plan.merges.push({survivor, merged})
    const byRef = new Map(g.members.map((m) => [m.ref, m]))
    const s = byRef.get(survivor)!
    const survivorUpdate: MergeUpdate = {ref: survivor, role: 'survivor', survivor, others: merged, versionId: s.versionId, inPlace: false}
    survivorUpdate.inPlace = mergeChange(s, survivorUpdate).kind === 'in-place'
    plan.updates.push(survivorUpdate)
    for (const ref of merged) {
      const m = byRef.get(ref)!
      const u: MergeUpdate = {ref, role: 'merged', survivor, others: [survivor], versionId: m.versionId, inPlace: false}
      u.inPlace = mergeChange(m, u).kind === 'in-place'
      plan.updates.push(u)
    }
  }
  return plan
}

export type MergeChange<T> =
  | {kind: 'in-place'}
  | {kind: 'change'; patient: T}
  /** The record now says something the plan cannot agree with (merged elsewhere meanwhile). */
  | {kind: 'conflict'; reason: string}

/**
 * The update of one record, applied to its current copy (the planned one, or a fresh one read just before writing):
 * the links the update adds that the record lacks, and `active: false` for a merged-away record. Every other field
 * and every existing link is kept as it is.
 */
export function mergeChange<T extends {active?: boolean; link?: PatientLink[]}>(current: T, update: MergeUpdate): MergeChange<T> {
  const links = current.link ?? []
  if (update.role === 'merged') {
    const elsewhere = linkedTo(links, 'replaced-by').filter((r) => r !== update.survivor)
    if (elsewhere.length) return {kind: 'conflict', reason: `already replaced by ${elsewhere[0]}`}
  } else if (linkedTo(links, 'replaced-by').length) return {kind: 'conflict', reason: 'the survivor is itself replaced by another record'}
  const type = update.role === 'survivor' ? 'replaces' : 'replaced-by'
  const have = new Set(linkedTo(links, type))
  const add = update.others.filter((r) => !have.has(r)).map((r) => ({other: {reference: r}, type}))
  const deactivate = update.role === 'merged' && current.active !== false
  if (!add.length && !deactivate) return {kind: 'in-place'}
  const patient = {...current, link: [...links, ...add]}
  if (deactivate) patient.active = false
  return {kind: 'change', patient}
}
