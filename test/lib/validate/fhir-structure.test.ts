import {expect} from 'chai'

import {type Finding} from '../../../src/lib/validate/findings.js'
import {loadR4Definitions} from '../../../src/lib/validate/fhir/definitions.js'
import {createFhirValidator} from '../../../src/lib/validate/fhir/validate-resource.js'
import {primitiveProblem} from '../../../src/lib/validate/fhir/primitives.js'
import {makeEmit, RuleSet} from '../../../src/lib/validate/rules.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
// Synthetic resources only.
const TEXT = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">synthetic</div>'}
const patient = (extra: Record<string, any> = {}) => ({resourceType: 'Patient', id: 'p1', text: TEXT, name: [{family: 'Quinlan', given: ['Avery']}], gender: 'female', birthDate: '1962-03-14', ...extra})

function check(res: any, profile: 'base' | 'us-core' = 'base', showValues = false): Finding[] {
  const out: Finding[] = []
  const validate = createFhirValidator(loadR4Definitions(), makeEmit({rules: new RuleSet(), showValues}, (f) => out.push(f)), profile)
  validate(res, {loc: {file: 'x.json', record: 1}, expression: res.resourceType ?? '$this'})
  return out
}
const brief = (fs: Finding[]) => fs.map((f) => `${f.rule} @ ${f.location.expression}`)

describe('FHIR R4 structural validation', () => {
  it('passes a valid Patient', () => {
    expect(check(patient())).to.deep.equal([])
  })

  const cases: Array<[string, Record<string, any>, string]> = [
    ['unknown element', {nickname: 'x'}, 'fhir.element.unknown @ Patient.nickname'],
    ['wrong JSON type', {active: 'yes'}, 'fhir.type @ Patient.active'],
    ['a single value for a repeating element', {address: {city: 'x'}}, 'fhir.cardinality.max @ Patient.address'],
    ['an array for a single element', {gender: ['female']}, 'fhir.cardinality.max @ Patient.gender'],
    ['a date that is no day', {birthDate: '1962-02-30'}, 'fhir.primitive.format @ Patient.birthDate'],
    ['a malformed dateTime', {deceasedDateTime: '2020-01-01T10:00'}, 'fhir.primitive.format @ Patient.deceased.ofType(dateTime)'],
    ['a code outside the required value set', {gender: 'femme'}, 'fhir.binding.required @ Patient.gender'],
    ['a required binding on a nested datatype', {telecom: [{system: 'pager2', value: '1'}]}, 'fhir.binding.required @ Patient.telecom[0].system'],
    ['two choice types', {deceasedBoolean: true, deceasedDateTime: '2020'}, 'fhir.choice.multiple @ Patient.deceased'],
    ['a missing required child', {link: [{type: 'seealso'}]}, 'fhir.cardinality.min @ Patient.link[0].other'],
    ['an empty element (ele-1)', {name: [{}]}, 'fhir.primitive.empty @ Patient.name[0]'],
    ['an empty string', {birthDate: ''}, 'fhir.primitive.empty @ Patient.birthDate'],
    ['pat-1', {contact: [{gender: 'male'}]}, 'fhir.invariant @ Patient.contact[0]'],
    ['per-1 on a datatype', {identifier: [{value: '1', period: {start: '2020-01-01', end: '2019-01-01'}}]}, 'fhir.invariant @ Patient.identifier[0].period'],
    ['ext-1', {extension: [{url: 'http://example.org/x', valueString: 'a', extension: [{url: 'y', valueString: 'b'}]}]}, 'fhir.invariant @ Patient.extension[0]'],
    ['a bad resource id', {id: 'has space'}, 'fhir.primitive.format @ Patient.id'],
    ['a resource id that is a number, once', {id: 7}, 'fhir.type @ Patient.id'],
    ['a code its code system does not have', {maritalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: '2'}]}}, 'fhir.code.unknown @ Patient.maritalStatus.coding[0].code'],
    ['a language that is not BCP-47 (max value set)', {communication: [{language: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0296', code: 'ENG'}]}}]}, 'fhir.binding.required @ Patient.communication[0].language.coding[0]'],
    ['dom-3: a contained resource nothing refers to', {contained: [{resourceType: 'Organization', id: 'o1', name: 'x'}]}, 'fhir.invariant @ Patient'],
  ]
  for (const [what, extra, want] of cases)
    it(`finds ${what}`, () => {
      expect(brief(check(patient(extra)))).to.deep.equal([want])
    })

  it('a required CodeableConcept binding needs a coding: text alone is an error (as in HAPI), a coding from the value set is not', () => {
    const condition = (clinicalStatus: unknown) => ({resourceType: 'Condition', id: 'c1', text: TEXT, clinicalStatus, subject: {reference: 'Patient/p1'}})
    const textOnly = check(condition({text: 'active'}))
    expect(brief(textOnly)).to.deep.equal(['fhir.binding.required @ Condition.clinicalStatus'])
    expect(textOnly[0].message).to.match(/no coding given; a code from the required value set condition-clinical is required/)
    expect(check(condition({coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active'}], text: 'active'}))).to.deep.equal([])
  })

  it('accepts a known code and a BCP-47 language', () => {
    const p = patient({maritalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M'}]}, communication: [{language: {coding: [{system: 'urn:ietf:bcp:47', code: 'en-US'}]}}], language: 'es'})
    expect(check(p)).to.deep.equal([])
  })

  it('accepts a contained resource that is referenced (dom-3)', () => {
    expect(check(patient({contained: [{resourceType: 'Organization', id: 'o1', name: 'x'}], managingOrganization: {reference: '#o1'}}))).to.deep.equal([])
  })

  it('warns about dom-6 (no narrative) as the HL7 validator does', () => {
    const p: any = patient()
    delete p.text
    const fs = check(p)
    expect(brief(fs)).to.deep.equal(['fhir.invariant.warning @ Patient'])
    expect(fs[0].severity).to.equal('warning')
  })

  it('rejects a resourceType R4 does not have', () => {
    expect(brief(check({resourceType: 'Patinet'}))).to.deep.equal(['fhir.resource.unknown-type @ Patinet'])
  })

  it('validates contained resources and Bundle entries as resources, each entry its own record', () => {
    const b = {resourceType: 'Bundle', type: 'collection', entry: [{fullUrl: 'urn:uuid:1b7f1c39-1d3e-4b0e-9a55-2b0f2ad0d001', resource: patient()}, {fullUrl: 'urn:uuid:1b7f1c39-1d3e-4b0e-9a55-2b0f2ad0d002', resource: patient({gender: 'x'})}]}
    const fs = check(b)
    expect(brief(fs)).to.deep.equal(['fhir.binding.required @ Bundle.entry[1].resource.gender'])
    expect(fs[0].location.record).to.equal(2)
  })

  it('checks Bundle rules: fullUrl unique, request in a transaction, references that resolve', () => {
    const u1 = 'urn:uuid:1b7f1c39-1d3e-4b0e-9a55-2b0f2ad0d001'
    const obs = {resourceType: 'Observation', id: 'o1', text: TEXT, status: 'final', code: {text: 'x'}, subject: {reference: 'urn:uuid:1b7f1c39-1d3e-4b0e-9a55-2b0f2ad0dfff'}, performer: [{reference: 'Practitioner/abc'}]}
    const b = {resourceType: 'Bundle', type: 'transaction', entry: [
      {fullUrl: u1, resource: patient(), request: {method: 'POST', url: 'Patient'}},
      {fullUrl: u1, resource: obs},
    ]}
    expect(brief(check(b))).to.deep.equal([
      'fhir.bundle.fullurl-duplicate @ Bundle.entry[1].fullUrl',
      'fhir.bundle.request-missing @ Bundle.entry[1].request',
      'fhir.reference.unresolved @ Bundle.entry[1].resource.subject.reference',
      'fhir.reference.outside-bundle @ Bundle.entry[1].resource.performer[0].reference',
    ])
  })

  it('adds the US Core Patient rules only with that profile', () => {
    const p: any = patient({identifier: [{value: 'M1'}], extension: [{url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity', extension: [{url: 'ombCategory', valueCoding: {system: 'urn:oid:2.16.840.1.113883.6.238', code: '2135-2'}}, {url: 'text', valueString: 'Hispanic or Latino'}]}]})
    expect(check(p)).to.deep.equal([])
    expect(brief(check(p, 'us-core'))).to.deep.equal(['us-core.patient.identifier @ Patient.identifier[0].system'])
    const q: any = patient({identifier: [{system: 'urn:x', value: '1'}], extension: [{url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{url: 'text', valueString: 'x'}, {url: 'ombCategory', valueCoding: {system: 'urn:oid:2.16.840.1.113883.6.238', code: '2135-2'}}]}]})
    delete q.gender
    expect(brief(check(q, 'us-core'))).to.deep.equal(['us-core.patient.gender @ Patient.gender', 'us-core.patient.race @ Patient.extension[0].extension[1]'])
  })

  it('keeps values out of findings unless asked', () => {
    expect(check(patient({gender: 'femme'}))[0].value).to.equal(undefined)
    expect(check(patient({gender: 'femme'}), 'base', true)[0].value).to.equal('femme')
    expect(check(patient({gender: 'femme'}))[0].message).to.not.include('femme')
  })
})

describe('FHIR primitives', () => {
  it('knows the formats', () => {
    expect(primitiveProblem('date', '2020-02-29')).to.equal(undefined)
    expect(primitiveProblem('date', '2019-02-29')?.rule).to.equal('fhir.primitive.format')
    expect(primitiveProblem('dateTime', '2020-01-01T10:00:00+01:00')).to.equal(undefined)
    expect(primitiveProblem('instant', '2020-01-01')?.rule).to.equal('fhir.primitive.format')
    expect(primitiveProblem('positiveInt', 0)?.rule).to.equal('fhir.primitive.format')
    expect(primitiveProblem('integer', 1.5)?.rule).to.equal('fhir.primitive.format')
    expect(primitiveProblem('decimal', '1.5')?.rule).to.equal('fhir.type')
    expect(primitiveProblem('uuid', 'urn:uuid:1b7f1c39-1d3e-4b0e-9a55-2b0f2ad0d001')).to.equal(undefined)
    expect(primitiveProblem('code', 'two  spaces')?.rule).to.equal('fhir.primitive.format')
  })
})
