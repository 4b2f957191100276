// The rows here are SYNTHETIC: generated from a seeded random source and small lists of made-up values.
import {expect} from 'chai'

import {mulberry32} from '../../../bench/synthetic-patients.js'
import {FEBRL, genericFor, genericTemplate, SYNTHEA} from '../../../src/lib/formats/csv/mapping/builtin.js'
import {compilePatientJson} from '../../../src/lib/formats/csv/mapping/patient-json.js'
import {compileToFhir, isProblem} from '../../../src/lib/formats/csv/mapping/patient-mapping.js'
import {type ColumnSpec, type Mapping} from '../../../src/lib/formats/csv/mapping/schema.js'

const ctx = {mrnSystem: 'http://hospital.example.org/mrn'}

/** Values that need JSON escaping, trimming or care with UTF-16: quotes, backslash, controls, surrogates. */
const ODD = [
  'O"Brien', 'back\\slash', 'tab\there', 'line\nbreak', 'cr\rlf', 'nul\u0000x', 'unit\u001fsep', 'del\u007f', 'ls\u2028ps\u2029',
  'Zoë Müller', 'Siobhán', '李雷', 'emoji 😀', 'lone \ud800 high', 'lone \udc00 low', 'pair \ud83d\ude00', 'a|b|c', '"quoted"',
  '</script>', '  padded  ', '\ttabbed\t', '\u00a0nbsp\u00a0', '\ufeffbom', 'constructor', '__proto__', 'toString', 'x'.repeat(300),
]
const PLAIN = ['Ann', 'Lee', 'MRN0001', '12', 'Example Road', 'Springfield', 'IL', '62704', '(217) 555-0100', 'a@example.org', 'Apt 2']
const DATES: Record<string, string[]> = {
  'MM/DD/YYYY': ['03/14/1962', '02/29/2000', '02/30/1999', '13/01/2000'],
  'YYYY-MM-DD': ['1962-03-14', '2019-11-30', '1900-02-29', '2000-13-01'],
  'M/D/YYYY': ['3/4/1962', '12/31/1999'],
  'MM-DD-YYYY': ['03-14-1962'],
  YYYYMMDD: ['19750312', '19750231'],
}

function cellFor(spec: ColumnSpec, rand: () => number): string {
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]
  const roll = rand()
  if (roll < 0.12) return ''
  if (roll < 0.16) return pick([' ', '\t', '  \u00a0'])
  if (roll < 0.3) return pick(ODD)
  if (spec.to === 'birthDate' || spec.to === 'deceasedDate') return pick((spec.dateFormats ?? ['YYYY-MM-DD']).flatMap((f) => DATES[f] ?? []))
  if (spec.codes && Object.keys(spec.codes).length) {
    const keys = Object.keys(spec.codes)
    const k = pick(keys)
    return rand() < 0.9 ? (rand() < 0.3 ? ` ${k.toLowerCase()} ` : k) : 'nope'
  }
  if (spec.to === 'gender') return pick(['male', 'female', 'other', 'unknown', 'Male', 'x'])
  if (spec.to === 'race' || spec.to === 'ethnicity' || spec.to === 'maritalStatus') return pick(['2106-3', '2135-2', 'UNK', 'M', 'W', 'hawaiian', 'constructor'])
  return pick(PLAIN)
}

/** Every row through both paths: the fast path answers the object path's exact JSON, or undefined. */
function compare(mapping: Mapping, header: string[], rows: number, seed: number, mctx = ctx) {
  const rand = mulberry32(seed)
  const {toPatient} = compileToFhir(mapping, header, mctx)
  const compiled = compilePatientJson(mapping, header, mctx)
  expect(compiled, 'the fast path covers this mapping').to.not.equal(undefined)
  const specAt = new Map<number, ColumnSpec>()
  for (const spec of mapping.columns) {
    const i = header.indexOf(spec.column)
    if (i !== -1) specAt.set(i, spec)
  }
  let fast = 0
  let slow = 0
  for (let r = 0; r < rows; r++) {
    const cells = header.map((_, i) => (specAt.has(i) ? cellFor(specAt.get(i)!, rand) : 'unmapped'))
    const json = compiled!.toJson(cells)
    const p = toPatient(cells)
    if (json === undefined) {
      slow++
      continue
    }
    fast++
    expect(isProblem(p), `row ${JSON.stringify(cells)}`).to.equal(false)
    expect(json, `row ${JSON.stringify(cells)}`).to.equal(JSON.stringify(p))
  }
  return {fast, slow}
}

describe('Patient JSON straight from CSV cells (fast path)', () => {
  it('writes the same bytes as JSON.stringify of the mapped Patient, generic layout with every column', () => {
    const m = genericTemplate()
    const n = compare(m, m.columns.map((c) => c.column), 4000, 1)
    expect(n.fast).to.be.greaterThan(100)
    expect(n.slow).to.be.greaterThan(100)
  })

  it('does the same for the generic layout fitted to another header spelling, with unmapped columns', () => {
    const header = ['Chart Number', 'Notes', 'LNAME', 'FNAME', 'Date of Birth', 'Gender', 'Cell', 'Street 1', 'Unit', 'Zip Code', 'Town']
    const n = compare(genericFor(header)!, header, 3000, 2)
    expect(n.fast).to.be.greaterThan(100)
  })

  it('does the same for Synthea (race, ethnicity, marital status, maiden name, four identifiers)', () => {
    const n = compare(SYNTHEA, ['Extra', ...SYNTHEA.columns.map((c) => c.column)], 4000, 3)
    expect(n.fast).to.be.greaterThan(100)
  })

  it('does the same for FEBRL (house number and street apart, address line 2)', () => {
    const n = compare(FEBRL, FEBRL.columns.map((c) => c.column), 4000, 4)
    expect(n.fast).to.be.greaterThan(100)
  })

  it('does the same for a mapping file with free codes, required columns, repeated targets and address keys out of order', () => {
    const m: Mapping = {
      name: 'odd',
      columns: [
        {column: 'state', to: 'address.state'},
        {column: 'id2', to: 'identifier', type: 'XX'},
        {column: 'id', to: 'identifier', system: 'urn:x|y"z', required: true},
        {column: 'given a', to: 'name.given'},
        {column: 'given b', to: 'name.given'},
        {column: 'middle', to: 'name.middle'},
        {column: 'maiden', to: 'name.maiden'},
        {column: 'sex', to: 'gender'},
        {column: 'marital', to: 'maritalStatus'},
        {column: 'race', to: 'race'},
        {column: 'ethnicity', to: 'ethnicity', codes: {h: '2135-2', n: '2186-5', blank: ''}},
        {column: 'line2', to: 'address.line2'},
        {column: 'street', to: 'address.streetName'},
        {column: 'country', to: 'address.country'},
        {column: 'city', to: 'address.city'},
        {column: 'work', to: 'telecom.phone', use: 'work'},
        {column: 'mail', to: 'telecom.email'},
        {column: 'home', to: 'telecom.phone'},
        {column: 'died', to: 'deceasedDate', dateFormats: ['YYYYMMDD', 'M/D/YYYY']},
        {column: 'district', to: 'address.district'},
        {column: 'suffix', to: 'name.suffix'},
      ],
    }
    const n = compare(m, m.columns.map((c) => c.column), 6000, 5, {mrnSystem: 'urn:mrn'})
    expect(n.fast).to.be.greaterThan(50)
  })

  it('gives rows with no identifier, problems or nothing mapped to the object path', () => {
    const m = genericTemplate()
    const header = m.columns.map((c) => c.column)
    const {toJson} = compilePatientJson(m, header, ctx)!
    const row = header.map(() => '')
    expect(toJson(row)).to.equal(undefined)
    row[header.indexOf('Last Name')] = 'Lee'
    expect(toJson(row), 'no identifier: the id is a hash of the content').to.equal(undefined)
    row[header.indexOf('MRN')] = 'M1'
    expect(toJson(row)).to.equal(JSON.stringify(compileToFhir(m, header, ctx).toPatient(row)))
    row[header.indexOf('DOB')] = '02/30/1999'
    expect(toJson(row)).to.equal(undefined)
  })

  it('leaves a mapping that fills one address element from two columns to the object path', () => {
    const m: Mapping = {name: 'two cities', columns: [{column: 'id', to: 'identifier'}, {column: 'a', to: 'address.city'}, {column: 'b', to: 'address.city'}]}
    expect(compilePatientJson(m, ['id', 'a', 'b'], ctx)).to.equal(undefined)
  })
})
