import {expect} from 'chai'

import {parseDateText, shiftDateText} from '../../../src/lib/deid/date-shift.js'

// The general rule as first written (parse, Date arithmetic, format back), kept here as the reference for the
// fast path of FHIR dates. Every date below is synthetic.
function reference(raw: string, days: number): string | undefined {
  const dt = parseDateText(raw)
  if (!dt) return undefined
  const base = Date.UTC(dt.year, (dt.month ?? 7) - 1, dt.day ?? (dt.month ? 15 : 2))
  if (Number.isNaN(base)) return undefined
  const t = new Date(base + days * 86_400_000)
  return dt.format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}

const d2 = (n: number) => String(n).padStart(2, '0')

describe('deid shiftDateText (FHIR fast path)', () => {
  it('gives what the general rule gives for every day of leap, century and edge years', () => {
    let checked = 0
    for (const y of [1, 99, 100, 999, 1600, 1700, 1899, 1900, 1970, 1999, 2000, 2024, 2100, 9998, 9999])
      for (let m = 0; m <= 13; m++)
        for (let d = 0; d <= 32; d++)
          for (const days of [-36_500, -366, -365, -29, -1, 1, 28, 365, 366, 36_500]) {
            const raw = `${String(y).padStart(4, '0')}-${d2(m)}-${d2(d)}`
            expect(shiftDateText(raw, days), `${raw} ${days}`).to.equal(reference(raw, days))
            checked++
          }
    expect(checked).to.equal(15 * 14 * 33 * 10)
  })

  it('gives what the general rule gives for 20,000 seeded random dates and shifts', () => {
    let a = 12_345
    const rand = (n: number) => {
      a = (Math.imul(a, 1_103_515_245) + 12_345) >>> 0
      return a % n
    }
    for (let i = 0; i < 20_000; i++) {
      const raw = `${String(100 + rand(9900)).padStart(4, '0')}-${d2(1 + rand(12))}-${d2(1 + rand(31))}T${d2(rand(24))}:00:00Z`
      const days = rand(200_001) - 100_000
      expect(shiftDateText(raw, days), `${raw} ${days}`).to.equal(reference(raw, days))
    }
  })

  it('keeps the time and zone, and leaves what the fast path must not judge to the general rule', () => {
    const rests = ['', 'T10:00:00Z', 'T10:00:00.000-05:00', 'T23:59:59+14:00', 'T', 'Tanything', 'T10:00 ', ' ', 'T10\n:00', 'T\u2028', 'X', '-01', 'T10:00\u00a0']
    for (const rest of rests)
      for (const lead of ['', ' ', '\t'])
        for (const days of [-200, 45]) {
          const raw = `${lead}2016-02-29${rest}`
          expect(shiftDateText(raw, days), JSON.stringify(raw)).to.equal(reference(raw, days))
        }
    expect(shiftDateText('2016-02-29T10:00:00Z', 1)).to.equal('2016-03-01T10:00:00Z')
    expect(shiftDateText('2016-02-29T10\n:00', 1)).to.equal(undefined)
  })
})
