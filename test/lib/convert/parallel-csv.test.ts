import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {convert, type ConvertOptions} from '../../../src/lib/convert/convert.js'
import {firstRowEnd, lastRowEnd} from '../../../src/lib/convert/parallel-csv.js'
import {genericTemplate} from '../../../src/lib/formats/csv/mapping/builtin.js'
import {mulberry32, syntheticRow, GENERIC_HEADER} from '../../../bench/synthetic-patients.js'
import {scratch} from '../../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** Synthetic rows with every kind of trouble mixed in: quoted line breaks, ragged rows, bad dates, blank lines. */
function troubledCsv(rows: number): string {
  const rand = mulberry32(3)
  const out = [GENERIC_HEADER.join(',')]
  for (let i = 1; i <= rows; i++) {
    const r = syntheticRow(rand, i)
    if (i % 97 === 0) r[7] = `${r[7]}\nBuilding "B"`
    if (i % 89 === 0) r[4] = '02/30/1999'
    if (i % 101 === 0) r.push('extra')
    if (i % 113 === 0) out.push('')
    out.push(r.map(q).join(','))
  }
  return out.join('\r\n') + '\r\n'
}

async function run(input: string, name: string, extra: Partial<ConvertOptions>) {
  const output = tmp.path(`${name}.ndjson`)
  const result = await convert({
    inputs: [input],
    from: 'auto',
    to: 'ndjson',
    output,
    defaultMapping: genericTemplate(),
    mappingCtx: {mrnSystem: 'http://hospital.example.org/mrn'},
    ...extra,
  })
  const rejects = result.rejectsFile ? readFileSync(result.rejectsFile, 'utf8') : ''
  return {result, out: readFileSync(output, 'utf8'), rejects}
}

describe('parallel CSV -> NDJSON', () => {
  it('finds the last row end outside quotes', () => {
    expect(lastRowEnd('a,b\n1,2\n3,4')).to.equal(8)
    expect(lastRowEnd('a,b\n1,"x\ny')).to.equal(4)
    expect(lastRowEnd('1,"x\ny"\n2')).to.equal(8)
    expect(lastRowEnd('"open\n')).to.equal(-1)
  })

  it('reads quotes as fast-csv does when it looks for row ends: a quote inside an unquoted field is a plain character', () => {
    // Bo"b is a literal quote; the quoted address after it holds a line break that is not a row end
    const text = 'M1,Bo"b,Lee\nM2,Ann,"1 Main\nApt 2"\nM3,Cy,x\n'
    expect(lastRowEnd(text)).to.equal(text.length)
    expect(lastRowEnd(text.slice(0, text.indexOf('Apt')))).to.equal('M1,Bo"b,Lee\n'.length)
    expect(firstRowEnd(text)).to.equal('M1,Bo"b,Lee\n'.length)
    // an escaped quote inside a quoted field, a quote after spaces at a field start, CRLF, a tab delimiter
    expect(lastRowEnd('a,"x""\ny"\n')).to.equal(10)
    expect(lastRowEnd('a,  "x\ny"\nb')).to.equal(10)
    expect(firstRowEnd('"h\r\n1",b\r\nc')).to.equal(10)
    expect(lastRowEnd('a\tb"c\n1\t"x\ny', '\t')).to.equal(6)
    expect(lastRowEnd('a\t"x\ny"\n', '\t')).to.equal(8)
  })

  it('gives the same output, rejects and counts as one thread, on many small pieces', async () => {
    const input = tmp.file('troubled.csv', troubledCsv(3000))
    const one = await run(input, 'one', {parallelMinBytes: Number.MAX_SAFE_INTEGER})
    const par = await run(input, 'par', {parallelMinBytes: 0, parallel: {workers: 2, pieceSize: 4096}})
    expect(one.result.counts.rejected).to.be.greaterThan(40)
    expect(par.result.counts).to.deep.equal(one.result.counts)
    expect(par.out).to.equal(one.out)
    expect(par.rejects).to.equal(one.rejects)
    expect(par.result.balanced).to.equal(true)
  })

  it('turns an unterminated quote into one reject at its line, keeping the rows before it, as one thread does', async () => {
    const tail = Array.from({length: 300}, (_, i) => `MRN9${i},Ann,,Synthetic,01/02/1980,F,,1 Main St,Springfield,IL,62704,,`).join('\r\n')
    const text = troubledCsv(400) + 'MRN99999999,"Open,never closed\r\n' + tail + '\r\n'
    const input = tmp.file('unterminated.csv', text)
    const one = await run(input, 'u1', {parallelMinBytes: Number.MAX_SAFE_INTEGER})
    const par = await run(input, 'u2', {parallelMinBytes: 0, parallel: {workers: 2, pieceSize: 2048, maxPiece: 8192}})
    const last = one.rejects.trim().split('\n').map((l) => JSON.parse(l)).at(-1)
    expect(last.code).to.equal('CSV_UNTERMINATED_QUOTE')
    expect(par.out).to.equal(one.out)
    expect(par.result.counts).to.deep.equal(one.result.counts)
    expect(par.rejects).to.equal(one.rejects)
    expect(one.out.trim().split('\n')).to.have.length(one.result.counts.out)
  })

  it('rejects only the row with a stray quote and keeps the rows after it', async () => {
    const input = tmp.file('stray.csv', 'MRN,First Name,Last Name\nA1,Ann,Lee\nA2,B"o"b,Li\nA3,"Cy"x,Ko\nA4,Di,Wu\n')
    const one = await run(input, 's1', {parallelMinBytes: Number.MAX_SAFE_INTEGER})
    const rejected = one.rejects.trim().split('\n').map((l) => JSON.parse(l))
    expect(rejected.map((r) => r.line)).to.include(4)
    expect(one.out).to.include('"A4"')
    expect(one.out).to.include('"A1"')
    expect(one.result.balanced).to.equal(true)
  })
})
