// The CSV files here are SYNTHETIC: generated from a seeded random source and small lists of made-up values.
import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {GENERIC_HEADER, mulberry32, syntheticRow} from '../../../bench/synthetic-patients.js'
import {convert} from '../../../src/lib/convert/convert.js'
import {FEBRL, genericTemplate, SYNTHEA} from '../../../src/lib/formats/csv/mapping/builtin.js'
import {type Mapping} from '../../../src/lib/formats/csv/mapping/schema.js'
import {scratch} from '../../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

const ODD = ['O"Brien', 'back\\slash', 'tab\there', 'two\nlines', 'Zoë Müller', '李雷', 'emoji 😀', 'a|b', '  padded  ', 'ls\u2028ps', 'bell\u0007x', 'constructor']
const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** A CSV in a built-in layout with odd cells, empty identifiers (content ids) and bad dates and codes mixed in. */
function oddCsv(mapping: Mapping, rows: number, seed: number): string {
  const rand = mulberry32(seed)
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]
  const lines = [mapping.columns.map((c) => c.column).join(',')]
  for (let i = 1; i <= rows; i++) {
    const cells = mapping.columns.map((c) => {
      const roll = rand()
      if (roll < 0.1) return ''
      if (c.to === 'birthDate' || c.to === 'deceasedDate') {
        const f = c.dateFormats![0]
        const good = f === 'YYYYMMDD' ? `19${10 + (i % 80)}0${1 + (i % 9)}1${i % 9}` : `19${10 + (i % 80)}-0${1 + (i % 9)}-1${i % 9}`
        return roll < 0.15 ? 'not a date' : good
      }
      if (c.codes) return roll < 0.13 ? 'unlisted' : pick(Object.keys(c.codes))
      if (roll < 0.3) return pick(ODD)
      return c.to === 'identifier' ? `${c.column}-${i}` : `${c.column} ${i % 17}`
    })
    lines.push(cells.map(q).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

/** Generic rows with quoted line breaks, text after a closing quote, ragged rows and blank lines, CRLF: pieces of many slices. */
function troubledGenericCsv(rows: number, seed: number): string {
  const rand = mulberry32(seed)
  const lines = [GENERIC_HEADER.join(',')]
  for (let i = 1; i <= rows; i++) {
    const r = syntheticRow(rand, i)
    if (i % 37 === 0) r[7] = `${r[7]}\nBuilding "B"`
    if (i % 43 === 0) r.push('extra')
    if (i % 47 === 0) lines.push('')
    const cells = r.map(q)
    if (i % 41 === 0) cells[1] = `"${r[1]}"x` // text after a closing quote: fast-csv refuses the row
    lines.push(cells.join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

async function run(input: string, name: string, mapping: Mapping | undefined, parallel: boolean | {pieceSize: number; maxPiece?: number}) {
  const output = tmp.path(`${name}.ndjson`)
  const result = await convert({
    inputs: [input],
    from: 'auto',
    to: 'ndjson',
    output,
    mapping,
    defaultMapping: genericTemplate(),
    mappingCtx: {mrnSystem: 'http://hospital.example.org/mrn'},
    ...(parallel ? {parallelMinBytes: 0, parallel: {workers: 2, pieceSize: 4096, ...(parallel === true ? {} : parallel)}} : {parallelMinBytes: Number.MAX_SAFE_INTEGER}),
  })
  const rejects = result.rejectsFile ? readFileSync(result.rejectsFile, 'utf8') : ''
  return {result, out: readFileSync(output, 'utf8'), rejects}
}

describe('parallel CSV -> NDJSON with the JSON fast path in the workers', () => {
  for (const [mapping, seed] of [[SYNTHEA, 11], [FEBRL, 12]] as const) {
    it(`gives the one-thread output byte for byte on odd ${mapping.name} rows`, async () => {
      const input = tmp.file(`${mapping.name}.csv`, oddCsv(mapping, 1500, seed))
      const one = await run(input, `${mapping.name}-one`, mapping, false)
      const par = await run(input, `${mapping.name}-par`, mapping, true)
      expect(one.result.counts.out).to.be.greaterThan(100)
      expect(one.result.counts.rejected).to.be.greaterThan(10)
      expect(par.out).to.equal(one.out)
      expect(par.rejects).to.equal(one.rejects)
      expect(par.result.counts).to.deep.equal(one.result.counts)
    })
  }

  it('gives the one-thread output on troubled rows when pieces are parsed in many slices', async () => {
    const input = tmp.file('troubled.csv', troubledGenericCsv(4000, 13))
    const one = await run(input, 't-one', undefined, false)
    const par = await run(input, 't-par', undefined, {pieceSize: 200_000})
    expect(one.rejects).to.include("CSV_BAD_QUOTE")
    expect(one.result.counts.rejected).to.be.greaterThan(100)
    expect(par.out).to.equal(one.out)
    expect(par.rejects).to.equal(one.rejects)
    expect(par.result.counts).to.deep.equal(one.result.counts)
  })

  it('a quote inside an unquoted field does not make it cut inside a later quoted field (no rows lost)', async () => {
    const rand = mulberry32(15)
    const lines = [GENERIC_HEADER.join(',')]
    for (let i = 1; i <= 400; i++) {
      const r = syntheticRow(rand, i)
      if (i % 20 === 0) r[7] = `${r[7]}\nApt ${i}`
      const cells = r.map(q)
      if (i === 10) cells[1] = 'Bo"b' // unquoted, as some exports write it: fast-csv reads it as a plain character
      lines.push(cells.join(','))
    }
    const input = tmp.file('stray-quote.csv', lines.join('\n') + '\n')
    const one = await run(input, 's-one', undefined, false)
    const par = await run(input, 's-par', undefined, {pieceSize: 512})
    expect(one.result.counts).to.include({in: 400, out: 400, rejected: 0})
    expect(par.result.counts).to.deep.equal(one.result.counts)
    expect(par.out).to.equal(one.out)
  })

  it('turns an unterminated quote followed by a long tail into one reject at its line, as one thread does', async () => {
    const tail = Array.from({length: 3000}, (_, i) => `MRN9${i},Ann,,Synthetic,01/02/1980,F,,1 Main St,Springfield,IL,62704,,`).join('\r\n')
    const input = tmp.file('open-quote.csv', troubledGenericCsv(1500, 14) + 'MRN99999999,"Open,never closed\r\n' + tail + '\r\n')
    const one = await run(input, 'o-one', undefined, false)
    const par = await run(input, 'o-par', undefined, {pieceSize: 100_000})
    const last = one.rejects.trim().split('\n').map((l) => JSON.parse(l)).at(-1)
    expect(last.code).to.equal('CSV_UNTERMINATED_QUOTE')
    expect(par.out).to.equal(one.out)
    expect(par.rejects).to.equal(one.rejects)
    expect(par.result.counts).to.deep.equal(one.result.counts)
  })
})
