import {expect} from 'chai'

import {FEBRL, genericFor, recognise, SYNTHEA} from '../../../src/lib/formats/csv/mapping/builtin.js'
import {formatDate, parseDate} from '../../../src/lib/formats/csv/mapping/dates.js'
import {compileFromFhir, compileToFhir, isProblem, type Patient} from '../../../src/lib/formats/csv/mapping/patient-mapping.js'
import {SSN_SYSTEM} from '../../../src/lib/formats/csv/mapping/schema.js'

const ctx = {mrnSystem: 'urn:oid:2.16.840.1.113883.19.5'}
const header = ['MRN', 'First Name', 'Middle Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email']
const row = ['SYN-1', 'Avery', 'Lee Ann', 'Testperson', '03/14/1962', 'F', '123-45-6789', '12 Example Way', 'Springfield', 'IL', '62704', '(217) 555-0100', 'avery@example.org']

describe('CSV <-> Patient mapping', () => {
  it('recognises the generic export under other header spellings, Synthea and FEBRL', () => {
    expect(recognise(header)?.name).to.equal('generic')
    expect(recognise(['patient_id', 'FNAME', 'LNAME', 'Date of Birth'])?.columns.map((c) => c.to)).to.deep.equal(['identifier', 'name.given', 'name.family', 'birthDate'])
    expect(recognise(['Id', 'BIRTHDATE', 'FIRST', 'LAST', 'GENDER', 'SSN'])).to.equal(SYNTHEA)
    expect(recognise(['rec_id', 'given_name', 'surname', 'date_of_birth'])).to.equal(FEBRL)
    expect(recognise(['foo', 'bar'])).to.equal(undefined)
  })

  it('maps a generic row to a Patient with MRN and SSN identifiers, name, DOB, gender, address, telecom', () => {
    const p = compileToFhir(genericFor(header)!, header, ctx).toPatient(row) as Patient
    expect(isProblem(p)).to.equal(false)
    expect(p.identifier).to.deep.equal([
      {type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR'}]}, system: ctx.mrnSystem, value: 'SYN-1'},
      {type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS'}]}, system: SSN_SYSTEM, value: '123-45-6789'},
    ])
    expect(p.name).to.deep.equal([{use: 'official', family: 'Testperson', given: ['Avery', 'Lee Ann']}])
    expect(p.birthDate).to.equal('1962-03-14')
    expect(p.gender).to.equal('female')
    expect(p.address[0]).to.deep.include({line: ['12 Example Way'], city: 'Springfield', state: 'IL', postalCode: '62704'})
    expect(p.telecom).to.deep.equal([{system: 'phone', value: '(217) 555-0100', use: 'home'}, {system: 'email', value: 'avery@example.org'}])
  })

  it('gives the same id for the same identifier, a different one for another', () => {
    const c = compileToFhir(genericFor(header)!, header, ctx)
    const a = c.toPatient(row) as Patient
    const b = c.toPatient([...row.slice(0, 1), 'Changed', ...row.slice(2)]) as Patient
    const d = c.toPatient(['SYN-2', ...row.slice(1)]) as Patient
    expect(a.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(b.id).to.equal(a.id)
    expect(d.id).to.not.equal(a.id)
  })

  it('reports an impossible date and an unknown code as problems naming the column, not the value', () => {
    const c = compileToFhir(genericFor(header)!, header, ctx)
    const bad = c.toPatient(row.map((v, i) => (i === 4 ? '02/30/1970' : v)))
    expect(isProblem(bad) && bad.code).to.equal('BAD_DATE')
    expect(isProblem(bad) && bad.field).to.equal('DOB')
    expect(JSON.stringify(bad)).to.not.include('02/30/1970')
    const sex = c.toPatient(row.map((v, i) => (i === 5 ? 'Q' : v)))
    expect(isProblem(sex) && sex.code).to.equal('UNKNOWN_CODE')
  })

  it('writes a Patient back to the same cells (CSV -> FHIR -> CSV)', () => {
    const m = genericFor(header)!
    const p = compileToFhir(m, header, ctx).toPatient(row) as Patient
    const back = compileFromFhir(m, ctx)
    expect(back.header).to.deep.equal(header)
    expect(back.fromPatient(p)).to.deep.equal(row)
  })

  it('round-trips Synthea rows, with race and ethnicity as US Core extensions and the maiden name', () => {
    const h = SYNTHEA.columns.map((c) => c.column)
    const r = ['b9c610cd-0000-4000-8000-000000000000', '1948-06-02', '2019-11-30', '999-52-1234', 'S999', 'X1X', 'Mrs.', 'Ann', '', 'Synth', '', 'Maiden', 'W', 'black', 'hispanic', 'F', '45 Example Road', 'Worcester', 'Massachusetts', 'Worcester County', '01602']
    const p = compileToFhir(SYNTHEA, h, ctx).toPatient(r) as Patient
    expect(p.extension[0].extension[0].valueCoding.code).to.equal('2054-5')
    expect(p.extension[1].extension[0].valueCoding.code).to.equal('2135-2')
    expect(p.deceasedDateTime).to.equal('2019-11-30')
    expect(p.maritalStatus.coding[0].code).to.equal('W')
    expect(compileFromFhir(SYNTHEA, ctx).fromPatient(p)).to.deep.equal(r)
  })

  it('keeps FEBRL house number and street apart (ADXP extensions) so they come back unchanged', () => {
    const h = FEBRL.columns.map((c) => c.column)
    const r = ['rec-1-org', 'synthia', 'fakeworth', '12', 'example street', 'rosewood', 'testville', '2600', 'act', '19750312', '1234567']
    const p = compileToFhir(FEBRL, h, ctx).toPatient(r) as Patient
    expect(p.address[0].line).to.deep.equal(['12 example street', 'rosewood'])
    expect(compileFromFhir(FEBRL, ctx).fromPatient(p)).to.deep.equal(r)
    const noStreet = [...r.slice(0, 3), '', '', 'the gables', ...r.slice(6)]
    const q = compileToFhir(FEBRL, h, ctx).toPatient(noStreet) as Patient
    expect(compileFromFhir(FEBRL, ctx).fromPatient(q)).to.deep.equal(noStreet)
  })

  it('parses and formats the common date formats and refuses days that do not exist', () => {
    expect(parseDate('3/4/1962', ['MM/DD/YYYY', 'M/D/YYYY'])).to.equal('1962-03-04')
    expect(parseDate('19750312', ['YYYYMMDD'])).to.equal('1975-03-12')
    expect(parseDate('2000-02-29', ['YYYY-MM-DD'])).to.equal('2000-02-29')
    expect(parseDate('1900-02-29', ['YYYY-MM-DD'])).to.equal(undefined)
    expect(parseDate('13/01/2000', ['MM/DD/YYYY'])).to.equal(undefined)
    expect(formatDate('1962-03-04', 'M/D/YYYY')).to.equal('3/4/1962')
    expect(formatDate('1962', 'MM/DD/YYYY')).to.equal('1962')
  })
})
