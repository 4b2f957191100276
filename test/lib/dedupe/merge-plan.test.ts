import {expect} from 'chai'

import {mergeChange, type MergeGroup, type MergeUpdate, patientRef, planMerges, type PlanPatient} from '../../../src/lib/dedupe/merge-plan.js'

// Synthetic: Patients are only references, versions, active flags and links; no names or values.
const p = (ref: string, extra: Partial<PlanPatient> = {}): PlanPatient => ({ref, versionId: '1', ...extra})
const group = (clusterId: string, ...members: PlanPatient[]): MergeGroup => ({clusterId, members})
const replacedBy = (ref: string) => ({other: {reference: ref}, type: 'replaced-by'})
const replaces = (ref: string) => ({other: {reference: ref}, type: 'replaces'})

describe('merge plan (dedupe --endpoint)', () => {
  it('keeps the cluster id as survivor: it gains replaces links, the others become inactive and replaced-by it', () => {
    const plan = planMerges([group('Patient/1', p('Patient/2'), p('Patient/1'), p('Patient/3'))])
    expect(plan.merges).to.deep.equal([{survivor: 'Patient/1', merged: ['Patient/2', 'Patient/3']}])
    expect(plan.skipped).to.deep.equal([])
    expect(plan.updates.map((u) => [u.ref, u.role, u.others, u.inPlace])).to.deep.equal([
      ['Patient/1', 'survivor', ['Patient/2', 'Patient/3'], false],
      ['Patient/2', 'merged', ['Patient/1'], false],
      ['Patient/3', 'merged', ['Patient/1'], false],
    ])
    const survivor = mergeChange({resourceType: 'Patient', id: '1', active: true}, plan.updates[0])
    expect(survivor).to.deep.equal({kind: 'change', patient: {resourceType: 'Patient', id: '1', active: true, link: [replaces('Patient/2'), replaces('Patient/3')]}})
    const merged = mergeChange({resourceType: 'Patient', id: '2'}, plan.updates[1])
    expect(merged).to.deep.equal({kind: 'change', patient: {resourceType: 'Patient', id: '2', active: false, link: [replacedBy('Patient/1')]}})
  })

  it('ignores groups of one record', () => {
    expect(planMerges([group('Patient/1', p('Patient/1'))])).to.deep.equal({merges: [], updates: [], skipped: []})
  })

  it('keeps existing links and adds none twice; a record already as planned is in place', () => {
    const seeAlso = {other: {reference: 'Patient/9'}, type: 'seealso'}
    const plan = planMerges([
      group('Patient/1', p('Patient/1', {link: [seeAlso, replaces('Patient/2')]}), p('Patient/2', {active: false, link: [replacedBy('http://ehr.example.org/fhir/Patient/1/_history/1')]}), p('Patient/3')),
    ])
    expect(plan.updates.map((u) => [u.ref, u.inPlace])).to.deep.equal([['Patient/1', false], ['Patient/2', true], ['Patient/3', false]])
    const change = mergeChange({link: [seeAlso, replaces('Patient/2')]}, plan.updates[0])
    expect(change).to.deep.equal({kind: 'change', patient: {link: [seeAlso, replaces('Patient/2'), replaces('Patient/3')]}})
  })

  it('a second plan after the merge was written changes nothing, even when the cluster id has moved', () => {
    // After applying, both records were updated: "oldest by lastUpdated" may now name the merged-away record.
    const plan = planMerges([group('Patient/2', p('Patient/1', {versionId: '2', link: [replaces('Patient/2')]}), p('Patient/2', {versionId: '2', active: false, link: [replacedBy('Patient/1')]}))])
    expect(plan.merges).to.deep.equal([{survivor: 'Patient/1', merged: ['Patient/2']}])
    expect(plan.updates.every((u) => u.inPlace)).to.equal(true)
    expect(mergeChange({active: false, link: [replacedBy('Patient/1')]}, plan.updates[1])).to.deep.equal({kind: 'in-place'})
  })

  it('a merged-away record that is only inactive still gets its link; one only linked is made inactive', () => {
    const u: MergeUpdate = {ref: 'Patient/2', role: 'merged', survivor: 'Patient/1', others: ['Patient/1'], inPlace: false}
    expect(mergeChange({active: false}, u)).to.deep.equal({kind: 'change', patient: {active: false, link: [replacedBy('Patient/1')]}})
    expect(mergeChange({active: true, link: [replacedBy('Patient/1')]}, u)).to.deep.equal({kind: 'change', patient: {active: false, link: [replacedBy('Patient/1')]}})
  })

  it('skips, with the reason, a group whose member was merged into a record outside it', () => {
    const plan = planMerges([
      group('Patient/1', p('Patient/1'), p('Patient/2', {link: [replacedBy('Patient/7')]})),
      group('Patient/4', p('Patient/4'), p('Patient/5')),
    ])
    expect(plan.skipped).to.deep.equal([{members: ['Patient/1', 'Patient/2'], reason: 'Patient/2 is already replaced by Patient/7, outside this group'}])
    expect(plan.merges).to.deep.equal([{survivor: 'Patient/4', merged: ['Patient/5']}])
    expect(plan.updates).to.have.length(2)
  })

  it('skips a group that joins two earlier merges rather than guess a survivor', () => {
    const plan = planMerges([group('Patient/1', p('Patient/1'), p('Patient/2', {link: [replacedBy('Patient/1')]}), p('Patient/3'), p('Patient/4', {link: [replacedBy('Patient/3')]}))])
    expect(plan.merges).to.deep.equal([])
    expect(plan.skipped[0].reason).to.equal('it holds records merged before into different survivors (Patient/1, Patient/3)')
  })

  it('at write time, a record merged elsewhere meanwhile is a conflict', () => {
    const u: MergeUpdate = {ref: 'Patient/2', role: 'merged', survivor: 'Patient/1', others: ['Patient/1'], inPlace: false}
    expect(mergeChange({link: [replacedBy('Patient/8')]}, u)).to.deep.equal({kind: 'conflict', reason: 'already replaced by Patient/8'})
    const s: MergeUpdate = {ref: 'Patient/1', role: 'survivor', survivor: 'Patient/1', others: ['Patient/2'], inPlace: false}
    expect(mergeChange({link: [replacedBy('Patient/8')]}, s).kind).to.equal('conflict')
  })

  it('reads Patient references in their relative, absolute and versioned forms', () => {
    expect(patientRef('Patient/abc-1')).to.equal('Patient/abc-1')
    expect(patientRef('https://ehr.example.org/fhir/Patient/abc.1/_history/3')).to.equal('Patient/abc.1')
    expect(patientRef('Practitioner/1')).to.equal(undefined)
    expect(patientRef(undefined)).to.equal(undefined)
  })
})
