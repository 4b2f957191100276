import {expect} from 'chai'

import {areNicknames, canonicalGivenNames} from '../../../src/lib/dedupe/nicknames.js'
import {
  foldText, nameSuffix, standardizeDate, standardizeEmail, standardizeFamily, standardizeName, standardizePatient,
  standardizePhone, standardizeSsn, standardizeStreet, standardizeZip,
} from '../../../src/lib/dedupe/standardize.js'

describe('dedupe standardize', () => {
  it('folds case, diacritics and punctuation', () => {
    expect(foldText("  José O'Brien-Núñez ")).to.equal('jose obrien nunez')
    expect(standardizeName('ZOË')).to.equal('zoe')
  })
  it('treats placeholder names as missing', () => {
    for (const n of ['BABY', 'Baby Boy', 'UNKNOWN', 'unk', 'xxx', '', '  ', '123']) expect(standardizeName(n), n).to.equal(undefined)
    expect(standardizeName('Babette')).to.equal('babette')
  })
  it('splits hyphenated and multi-part family names into parts', () => {
    expect(standardizeFamily('Garcia-Lopez')).to.deep.equal({family: 'garcia lopez', parts: ['garcia', 'lopez']})
    expect(standardizeFamily('van der Berg')).to.deep.equal({family: 'vanderberg', parts: ['vanderberg']})
    expect(standardizeFamily('Smith Jr.').family).to.equal('smith')
  })
  it('finds name suffixes', () => {
    expect(nameSuffix(undefined, 'Smith Jr.')).to.equal('JR')
    expect(nameSuffix('III')).to.equal('III')
    expect(nameSuffix('Smith')).to.equal(undefined)
  })
  it('knows nicknames both ways and not unrelated names', () => {
    expect(areNicknames('bill', 'william')).to.equal(true)
    expect(areNicknames('william', 'bill')).to.equal(true)
    expect(areNicknames('liz', 'beth')).to.equal(true)
    expect(areNicknames('bill', 'mary')).to.equal(false)
    expect(canonicalGivenNames('zzyzx')).to.deep.equal(['zzyzx'])
  })
  it('parses dates and makes invalid or placeholder dates missing', () => {
    expect(standardizeDate('1980-02-29')).to.equal('1980-02-29')
    expect(standardizeDate('19800229')).to.equal('1980-02-29')
    expect(standardizeDate('2/9/1980')).to.equal('1980-02-09')
    expect(standardizeDate('19810229')).to.equal(undefined)
    expect(standardizeDate('19560431')).to.equal(undefined)
    expect(standardizeDate('1900-01-01')).to.equal(undefined)
    expect(standardizeDate('2999-01-01')).to.equal(undefined)
    expect(standardizeDate('soon')).to.equal(undefined)
  })
  it('reduces phones to digits and drops placeholders', () => {
    expect(standardizePhone('+1 (617) 555-0143')).to.equal('6175550143')
    expect(standardizePhone('000-000-0000')).to.equal(undefined)
    expect(standardizePhone('12')).to.equal(undefined)
  })
  it('drops placeholder SSNs and bad emails', () => {
    expect(standardizeSsn('123-45-6780')).to.equal('123456780')
    expect(standardizeSsn('999-99-9999')).to.equal(undefined)
    expect(standardizeSsn('123-45-6789')).to.equal(undefined)
    expect(standardizeEmail(' Ann@Example.org ')).to.equal('ann@example.org')
    expect(standardizeEmail('none@none.com')).to.equal(undefined)
    expect(standardizeEmail('not-an-email')).to.equal(undefined)
  })
  it('abbreviates addresses and cuts ZIP+4 to ZIP5', () => {
    expect(standardizeStreet('12 North Main Street, Apartment 4')).to.equal('12 n main st apt 4')
    expect(standardizeZip('02134-1234')).to.equal('02134')
    expect(standardizeZip('021341234')).to.equal('02134')
    expect(standardizeZip('4011')).to.equal('4011')
    expect(standardizeZip('00000')).to.equal(undefined)
  })
  it('standardizes a Patient, with JOHN DOE as missing and ignored fields left out', () => {
    const p = {
      resourceType: 'Patient' as const,
      identifier: [{system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6780'}],
      name: [{use: 'official', family: 'Doe', given: ['John']}],
      birthDate: '1970-01-02',
      gender: 'male',
      telecom: [{system: 'phone', value: '(617) 555-0143'}],
      address: [{use: 'home', line: ['12 Main Street'], city: 'Boston', postalCode: '02134-1234'}],
    }
    const r = standardizePatient(p)
    expect(r.given).to.equal(undefined)
    expect(r.family).to.equal(undefined)
    expect(r).to.include({dob: '1970-01-02', sex: 'm', ssn: '123456780', phone: '6175550143', houseNumber: '12', street: 'main st', city: 'boston', zip: '02134'})
    expect(standardizePatient(p, new Set(['ssn'])).ssn).to.equal(undefined)
  })
})
