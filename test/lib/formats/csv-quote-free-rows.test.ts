import {expect} from 'chai'

import {quoteFreeRows} from '../../../src/lib/formats/csv/quote-free-rows.js'
import {CsvRowTracker, csvParserCore, parseCsvText, parseCsvTextWithFastCsv, type CsvBatch} from '../../../src/lib/formats/csv/reader.js'

/**
 * The fast path of the CSV reader must give exactly what fast-csv alone gives: rows, rejects, line and record
 * numbers, the rest carried to the next chunk, fatal errors. Random synthetic text made of CSV's hard parts
 * (quotes, doubled quotes, stray quotes, CRLF, lone CR, blank lines, quoted line breaks), whole and in chunks.
 */
const TOKENS = ['a', 'bc', ' ', ',', ',', ',', '"', '""', '\n', '\n', '\n', '\r\n', '\r', 'x y', '"q, r"', '"multi\nline"', ';', '"e"x', '\t']

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomText(rand: () => number): string {
  let s = ''
  const n = Math.floor(rand() * 40)
  // Mostly rows without quotes (the fast path), sometimes the hard tokens.
  for (let i = 0; i < n; i++) s += rand() < 0.5 ? ['a,b,c\n', 'd,,f\r\n', '\n', 'g h,i,j\n'][Math.floor(rand() * 4)] : TOKENS[Math.floor(rand() * TOKENS.length)]
  return s
}

type Parse = typeof parseCsvText

/** Read `text` in chunks as readCsv does; everything observable, as JSON. */
function read(parse: Parse, text: string, cuts: number[], header?: string[], delimiter = ','): string {
  const parser = csvParserCore(delimiter)
  const rows = new CsvRowTracker('t.csv', header)
  const out: unknown[] = []
  let rest = ''
  let start = 0
  for (let k = 0; k <= cuts.length; k++) {
    const end = k < cuts.length ? cuts[k] : text.length
    const more = k < cuts.length
    const batch: CsvBatch = []
    const r = parse(parser, rest + text.slice(start, end), more, rows, batch)
    out.push({batch, rest: r.rest, fatal: r.fatal, line: rows.line, record: rows.record, header: rows.header})
    rest = r.rest
    start = end
    if (r.fatal) break
  }
  return JSON.stringify(out)
}

describe('CSV reader fast path (rows without quotes split at the delimiter)', () => {
  it('gives what fast-csv gives on 4,000 random texts, whole and in random chunks, with and without a header, for , ; and tab', () => {
    const rand = mulberry32(7)
    let fastUsed = 0
    for (let i = 0; i < 4000; i++) {
      const text = randomText(rand)
      const cuts = [...new Set(Array.from({length: Math.floor(rand() * 4)}, () => Math.floor(rand() * (text.length + 1))))].sort((a, b) => a - b)
      const header = rand() < 0.5 ? ['h1', 'h2', 'h3'] : undefined
      const delimiter = [',', ',', ';', '\t'][i % 4]
      for (const c of [[], cuts]) {
        const want = read(parseCsvTextWithFastCsv, text, c, header, delimiter)
        const got = read(parseCsvText, text, c, header, delimiter)
        expect(got, JSON.stringify({text, cuts: c, header, delimiter})).to.equal(want)
      }
      if (quoteFreeRows(csvParserCore(','), ',', text, false)) fastUsed++
    }
    // The fast path must have been taken often (else this compares fast-csv with itself).
    expect(fastUsed).to.be.greaterThan(500)
  })

  it('splits quote-free rows itself and hands quoted ones to fast-csv', () => {
    const r = quoteFreeRows(csvParserCore(','), ',', 'a,b\r\n"x, y",z\n\nc,,d\npart', true)
    expect(r).to.deep.equal({rows: [['a', 'b'], ['x, y', 'z'], [''], ['c', '', 'd']], rest: 'part'})
    expect(quoteFreeRows(csvParserCore(','), ',', 'a,b\n"open\n', false)).to.equal(undefined)
    expect(quoteFreeRows(csvParserCore(','), ',', 'a\rb\n', false)).to.equal(undefined)
  })
})
