import {expect} from 'chai'

import {isCurrency, isMimeType, isUcumUnit} from '../../../src/lib/validate/fhir/common-code-systems.js'
import {type Finding} from '../../../src/lib/validate/findings.js'
import {loadR4Definitions} from '../../../src/lib/validate/fhir/definitions.js'
import {createFhirValidator} from '../../../src/lib/validate/fhir/validate-resource.js'
import {makeEmit, RuleSet} from '../../../src/lib/validate/rules.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
// Synthetic resources only. The verdicts below are those of HAPI FHIR's validator 8.8.0 on the same values
// (run by hand with scripts/fhir-conformance, whose corpus holds these cases too).
const TEXT = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">synthetic</div>'}
const UCUM = 'http://unitsofmeasure.org'

function check(res: any): Finding[] {
  const out: Finding[] = []
  const validate = createFhirValidator(loadR4Definitions(), makeEmit({rules: new RuleSet(), showValues: false}, (f) => out.push(f)))
  validate(res, {loc: {file: 'x.json', record: 1}, expression: res.resourceType})
  return out
}
const brief = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.rule} @ ${f.location.expression}`)

const binary = (contentType: string) => ({resourceType: 'Binary', id: 'b1', contentType})
const invoice = (currency: string) => ({resourceType: 'Invoice', id: 'i1', text: TEXT, status: 'draft', totalNet: {value: 12.5, currency}})
const risk = (unitOfMeasure: any) => ({
  resourceType: 'RiskEvidenceSynthesis', id: 'r1', text: TEXT, status: 'draft',
  population: {reference: 'EvidenceVariable/p'}, outcome: {reference: 'EvidenceVariable/o'},
  riskEstimate: {value: 0.5, unitOfMeasure},
})
const observation = (valueQuantity: any) => ({resourceType: 'Observation', id: 'o1', text: TEXT, status: 'final', code: {text: 'synthetic'}, valueQuantity})

describe('FHIR required bindings HAPI checks by rule: mime types, UCUM, currencies', () => {
  describe('mime types (urn:ietf:bcp:13)', () => {
    it('accepts type/subtype with parameters', () => {
      for (const m of ['image/png', 'text/plain; charset=UTF-8', 'text/plain;charset=UTF-8', 'application/fhir+json', 'IMAGE/PNG', 'text/plain; charset="utf-8"', 'image/png ;q=1', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'])
        expect(isMimeType(m), m).to.equal(true)
    })
    it('refuses what is not a media type', () => {
      for (const m of ['png', 'json', 'image/', '/png', 'image/png;', 'image/png; charset', 'image/png/x', 'image//png', 'image/p@ng', 'a b/c', 'text/plain; charset=utf 8'])
        expect(isMimeType(m), m).to.equal(false)
    })
    it('warns (HAPI accepts any string, so no error) on Binary.contentType and Attachment.contentType', () => {
      expect(check(binary('application/pdf'))).to.deep.equal([])
      expect(brief(check(binary('pdf')))).to.deep.equal(['warning fhir.binding.mimetype @ Binary.contentType'])
      const p = {resourceType: 'Patient', id: 'p1', text: TEXT, photo: [{contentType: 'image/', data: 'aGVsbG8='}]}
      expect(brief(check(p))).to.deep.equal(['warning fhir.binding.mimetype @ Patient.photo[0].contentType'])
    })
    it('takes xml, json and ttl in CapabilityStatement.format, as R4 allows', () => {
      const cs = (format: string[]) => ({resourceType: 'CapabilityStatement', id: 'c1', text: TEXT, status: 'active', date: '2024-01-01', kind: 'instance', implementation: {description: 'x'}, fhirVersion: '4.0.1', format, rest: [{mode: 'server'}]})
      expect(check(cs(['json', 'xml', 'ttl', 'application/fhir+json']))).to.deep.equal([])
      expect(brief(check(cs(['json', 'html'])))).to.deep.equal(['warning fhir.binding.mimetype @ CapabilityStatement.format[1]'])
    })
  })

  describe('currencies (ISO 4217, HAPI list)', () => {
    it('knows current codes and the fund and metal codes HAPI has, case-sensitively', () => {
      for (const c of ['USD', 'EUR', 'JPY', 'XXX', 'XAU', 'USN', 'CLF', 'HRK']) expect(isCurrency(c), c).to.equal(true)
      // DEM and LTL are withdrawn; SLE, VES, ZWG are newer than HAPI 8.8.0's list; XBT is not ISO.
      for (const c of ['usd', 'US', 'ABC', 'DEM', 'LTL', 'SLE', 'VES', 'ZWG', 'XBT']) expect(isCurrency(c), c).to.equal(false)
    })
    it('passes Money.currency USD and finds a code outside ISO 4217', () => {
      expect(check(invoice('USD'))).to.deep.equal([])
      const fs = check(invoice('usd'))
      expect(brief(fs)).to.deep.equal(['error fhir.binding.required @ Invoice.totalNet.currency'])
      expect(fs[0].message).to.equal('code is not in the required value set currencies (ISO 4217)')
    })
    it('checks Money deep in a resource', () => {
      const inv = {...invoice('EUR'), lineItem: [{chargeItemReference: {reference: 'ChargeItem/c'}, priceComponent: [{type: 'base', amount: {value: 1, currency: 'DEM'}}]}]}
      expect(brief(check(inv))).to.deep.equal(['error fhir.binding.required @ Invoice.lineItem[0].priceComponent[0].amount.currency'])
    })
    it('checks a Coding of urn:iso:std:iso:4217 wherever it is', () => {
      const o = {resourceType: 'Observation', id: 'o1', text: TEXT, status: 'final', code: {coding: [{system: 'urn:iso:std:iso:4217', code: 'ZZZ'}]}}
      expect(brief(check(o))).to.deep.equal(['error fhir.code.unknown @ Observation.code.coding[0].code'])
    })
  })

  describe('UCUM', () => {
    it('accepts valid unit expressions', () => {
      for (const u of ['mg', 'mg/dL', '10*3/uL', 'kg/m2', '%', '{score}', 'mm[Hg]', '/min', 'Cel', '[iU]/L', '1', 'mL/min/{1.73_m2}', 'ug/(kg.min)', 'meq/L', 'MG', 'h', 'a', 'kcal/d'])
        expect(isUcumUnit(u), u).to.equal(true)
    })
    it('refuses unknown units, bad syntax and prefixes on non-metric units', () => {
      for (const u of ['xyz', 'degC', 'mEq/L', 'mmHg', 'sec', 'hr', 'iu', 'kg/m^2', 'mg/', 'kmin', 'mh', 'ka', 'k%']) expect(isUcumUnit(u), u).to.equal(false)
    })
    it('passes a UCUM unitOfMeasure (required binding ucum-units)', () => {
      expect(check(risk({coding: [{system: UCUM, code: 'mg/dL'}]}))).to.deep.equal([])
      expect(check(risk({coding: [{code: 'mg'}]}))).to.deep.equal([])
    })
    it('finds a unit that is not UCUM, under the binding and the code system', () => {
      const fs = check(risk({coding: [{system: UCUM, code: 'mmHg'}]}))
      expect(brief(fs)).to.deep.equal([
        'error fhir.code.unknown @ RiskEvidenceSynthesis.riskEstimate.unitOfMeasure.coding[0].code',
        'error fhir.binding.required @ RiskEvidenceSynthesis.riskEstimate.unitOfMeasure',
      ])
      expect(fs[1].message).to.equal('no coding is in the required value set ucum-units (a valid UCUM unit)')
      expect(fs.every((f) => f.value === undefined && !f.message.includes('mmHg'))).to.equal(true)
    })
    it('finds a coding of another system, and a unitOfMeasure with text only, as HAPI does', () => {
      expect(brief(check(risk({coding: [{system: 'http://example.org/units', code: 'milligram'}, {system: UCUM, code: 'mg'}]})))).to.deep.equal([
        'error fhir.binding.required @ RiskEvidenceSynthesis.riskEstimate.unitOfMeasure.coding[0]',
      ])
      expect(brief(check(risk({text: 'milligrams'})))).to.deep.equal(['error fhir.binding.required @ RiskEvidenceSynthesis.riskEstimate.unitOfMeasure'])
    })
    it('checks a Quantity (and its profiles) whose system is UCUM, not one without a system', () => {
      expect(check(observation({value: 1, system: UCUM, code: 'mg'}))).to.deep.equal([])
      expect(brief(check(observation({value: 1, system: UCUM, code: 'degC'})))).to.deep.equal(['error fhir.code.unknown @ Observation.value.ofType(Quantity).code'])
      expect(check(observation({value: 1, system: 'http://example.org/units', code: 'degC'}))).to.deep.equal([])
      const age = {resourceType: 'Condition', id: 'c1', text: TEXT, subject: {reference: 'Patient/p'}, onsetAge: {value: 3, system: UCUM, code: 'yrs'}}
      expect(brief(check(age))).to.deep.equal(['error fhir.code.unknown @ Condition.onset.ofType(Age).code'])
    })
  })

  it('leaves the LOINC answer list LL379-9 unchecked (not in the R4 definitions)', () => {
    const seq = {resourceType: 'MolecularSequence', id: 'm1', text: TEXT, coordinateSystem: 0, structureVariant: [{variantType: {coding: [{system: 'http://loinc.org', code: 'LA6692-3'}]}}]}
    expect(check(seq)).to.deep.equal([])
    expect(loadR4Definitions().unexpandableValueSets).to.deep.equal(['http://loinc.org/vs/LL379-9'])
  })
})
