import {expect} from 'chai'
import {createHmac} from 'node:crypto'

import {shiftDateText, shiftDaysFor, parseDateText} from '../../../src/lib/deid/date-shift.js'
import {generalizeAge, generalizeDate, yearOf} from '../../../src/lib/deid/generalize.js'
import {generalizeZip, restrictedZip3} from '../../../src/lib/deid/zip-tables.js'
import {hmacHex, keyFingerprint, normalizeForPseudonym, pseudonym} from '../../../src/lib/deid/pseudonym.js'
import {substituteValue} from '../../../src/lib/deid/substitute.js'
import {resolveDeidKeys} from '../../../src/lib/deid/keys.js'
import {applyMethod, checkKeys, makeSettings} from '../../../src/lib/deid/methods.js'
import {PRESETS} from '../../../src/lib/deid/presets.js'
import {HimError} from '../../../src/lib/cli/errors.js'

describe('deid methods', () => {
  describe('keyed pseudonym', () => {
    it('is HMAC-SHA256 hex (RFC 4231 test case 2)', () => {
      expect(hmacHex('Jefe', 'what do ya want for nothing?')).to.equal('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
    })
    it('equals node:crypto HMAC for long keys and non-ASCII values, also when remembered', () => {
      for (const [k, v] of [['k'.repeat(100), 'é漢字'], ['short', ''], ['123', 'abc'], ['123', 'abc']])
        expect(hmacHex(k, v)).to.equal(createHmac('sha256', k).update(v, 'utf8').digest('hex'))
      expect(hmacHex('other', 'abc')).not.to.equal(hmacHex('123', 'abc')) // remembered per key
    })
    it('gives one pseudonym for the same SSN however it is written, and another for another key', () => {
      expect(pseudonym('k1', '123-45-6789', 'ssn')).to.equal(pseudonym('k1', ' 123456789 ', 'ssn'))
      expect(pseudonym('k1', '123-45-6789', 'ssn')).not.to.equal(pseudonym('k2', '123-45-6789', 'ssn'))
      expect(pseudonym('k1', 'mrn00042', 'mrn')).to.equal(pseudonym('k1', 'MRN00042', 'mrn'))
    })
    it('normalizes emails to lower case and collapses white space', () => {
      expect(normalizeForPseudonym('  Ann.Lee@Example.ORG ', 'email')).to.equal('ann.lee@example.org')
      expect(normalizeForPseudonym('mary   ann  smith')).to.equal('MARY ANN SMITH')
    })
    it('fingerprints a key without revealing it', () => {
      const fp = keyFingerprint('secret-key')
      expect(fp).to.match(/^[0-9a-f]{16}$/)
      expect(fp).not.to.include('secret')
      expect(keyFingerprint('secret-key')).to.equal(fp)
    })
  })

  describe('date shift', () => {
    it('is never 0, stays within the bound, and is stable per patient', () => {
      for (let i = 0; i < 300; i++) {
        const d = shiftDaysFor('k', `MRN:${i}`, 30)
        expect(d).to.not.equal(0)
        expect(Math.abs(d)).to.be.at.most(30)
      }
      expect(shiftDaysFor('k', 'MRN:1')).to.equal(shiftDaysFor('k', 'MRN:1'))
      const distinct = new Set(Array.from({length: 50}, (_, i) => shiftDaysFor('k', `p${i}`)))
      expect(distinct.size).to.be.greaterThan(30)
    })
    it('keeps the layout and precision of ISO, HL7 and US dates', () => {
      expect(shiftDateText('2024-02-28', 2)).to.equal('2024-03-01')
      expect(shiftDateText('2024-02-28T10:15:00-05:00', -30)).to.equal('2024-01-29T10:15:00-05:00')
      expect(shiftDateText('20240228101500-0500', 2)).to.equal('20240301101500-0500')
      expect(shiftDateText('19800105', -10)).to.equal('19791226')
      expect(shiftDateText('03/05/1980', 1)).to.equal('03/06/1980')
      expect(shiftDateText('2024-06', 40)).to.equal('2024-07')
      expect(shiftDateText('2024', 1)).to.equal('2024')
      expect(shiftDateText('not a date', 3)).to.equal(undefined)
    })
    it('keeps the interval between two events of one patient', () => {
      const d = shiftDaysFor('k', 'MRN:7')
      const a = Date.parse(shiftDateText('2023-01-10', d)!)
      const b = Date.parse(shiftDateText('2023-03-01', d)!)
      expect((b - a) / 86_400_000).to.equal(50)
    })
    it('does not take 2024 alone as a compact date', () => {
      expect(parseDateText('2024')?.month).to.equal(undefined)
    })
  })

  describe('generalize', () => {
    it('reduces dates to the year, and birth dates implying 90+ to "90+"', () => {
      const asOf = new Date(Date.UTC(2026, 0, 1))
      expect(generalizeDate('2019-07-04', {asOf})).to.equal('2019')
      expect(generalizeDate('07/04/1990', {birthDate: true, asOf})).to.equal('1990')
      expect(generalizeDate('19300101', {birthDate: true, asOf})).to.equal('90+')
      expect(generalizeDate('19300101', {asOf})).to.equal('1930')
      expect(yearOf('admitted 12 May 1999')).to.equal(1999)
    })
    it('groups ages over 89 as "90+"', () => {
      expect(generalizeAge('89')).to.equal('89')
      expect(generalizeAge('90')).to.equal('90+')
      expect(generalizeAge('104 years')).to.equal('90+')
    })
    it('keeps ZIP3 except in restricted areas, by versioned table (default the union)', () => {
      expect(generalizeZip('02139')).to.equal('021')
      expect(generalizeZip('03601-1234')).to.equal('000')
      expect(generalizeZip('06390')).to.equal('000') // census 2000 only
      expect(generalizeZip('20201')).to.equal('000') // census 2020 only
      expect(generalizeZip('06390', restrictedZip3('census-2020'))).to.equal('063')
      expect(generalizeZip('20201', restrictedZip3('census-2000'))).to.equal('202')
      expect(generalizeZip('SW1A 1AA')).to.equal('')
      expect(restrictedZip3().size).to.equal(23)
    })
  })

  describe('substitute', () => {
    it('gives a consistent fake of the same shape', () => {
      expect(substituteValue('k', 'Smith', 'name', 'family')).to.equal(substituteValue('k', 'SMITH', 'name', 'family'))
      expect(substituteValue('k', 'Smith', 'name', 'family')).not.to.equal('Smith')
      expect(substituteValue('k', '617-555-1234', 'phone')).to.match(/^555-01\d\d$/)
      expect(substituteValue('k', '123-45-6789', 'ssn')).to.match(/^900-\d\d-\d{4}$/)
    })
  })

  describe('keys', () => {
    it('resolves references only and derives the date key from --key', async () => {
      const keys = await resolveDeidKeys({key: 'env:K'}, {K: 'abc'})
      expect(keys.key).to.equal('abc')
      expect(keys.dateKey).to.be.a('string').and.not.equal('abc')
      let err: unknown
      try {
        await resolveDeidKeys({key: 'abc'}, {})
      } catch (error) {
        err = error
      }
      expect(err).to.be.instanceOf(HimError)
      expect((err as HimError).exit).to.equal(78)
    })
    it('refuses a keyed method without a key (exit 78), never a random key', () => {
      expect(() => checkKeys(['pseudonym'], {}, 'preset pseudonymize')).to.throw(HimError).with.property('exit', 78)
      expect(() => checkKeys(['dateShift'], {key: 'x'}, 'x')).to.throw(HimError)
      expect(() => checkKeys(['redact', 'generalize', 'scrub'], {}, 'safe-harbor')).not.to.throw()
    })
  })

  describe('applyMethod', () => {
    const s = makeSettings(PRESETS.pseudonymize, {key: 'k', dateKey: 'd'}, {asOf: new Date(Date.UTC(2026, 0, 1))})
    it('redacts to undefined, keeps, generalizes a non-date by removing it and says so', () => {
      expect(applyMethod('Smith', 'redact', 'name', s, {})).to.equal(undefined)
      expect(applyMethod('F', 'keep', 'quasi', s, {})).to.equal('F')
      expect(applyMethod('unknown', 'generalize', 'date', s, {})).to.equal(undefined)
      expect(s.audit.warningList().map((w) => w.message).join()).to.include('not a date')
    })
    it('shifts by the patient of the record', () => {
      const a = applyMethod('2020-01-01', 'dateShift', 'date', s, {patientKey: 'MRN:1'})
      const b = applyMethod('2020-01-01', 'dateShift', 'date', s, {patientKey: 'MRN:1'})
      expect(a).to.equal(b).and.not.equal('2020-01-01')
    })
  })
})
