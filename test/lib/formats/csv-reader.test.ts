import {expect} from 'chai'
import iconv from 'iconv-lite'

import {HimError} from '../../../src/lib/cli/errors.js'
import {openSource} from '../../../src/lib/io/source.js'
import {firstInvalidUtf8, readCsv, sniffDelimiter, type CsvBatch, type CsvHeader} from '../../../src/lib/formats/csv/reader.js'
import {type ReadResult} from '../../../src/lib/records/types.js'
import {collect, scratch} from '../../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

async function read(name: string, content: string | Buffer, opts = {}) {
  const items = await collect(readCsv(await openSource(tmp.file(name, content)), opts))
  const header = items.find((i): i is CsvHeader => !Array.isArray(i))
  const rows = items.filter((i): i is CsvBatch => Array.isArray(i)).flat() as Array<ReadResult<string[]>>
  return {header, rows}
}

describe('readCsv', () => {
  it('strips a UTF-8 BOM from the first header name', async () => {
    const {header, rows} = await read('bom.csv', '\uFEFFMRN,Name\n1,A\n')
    expect(header?.header).to.deep.equal(['MRN', 'Name'])
    expect(rows).to.have.length(1)
  })

  it('reads CRLF files and quoted fields holding line breaks, with the line each record starts on', async () => {
    const {rows} = await read('crlf.csv', 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n')
    expect(rows.map((r) => r.ok && r.value)).to.deep.equal([['1', 'x\r\ny'], ['2', 'z']])
    expect(rows.map((r) => r.loc.line)).to.deep.equal([2, 4])
    expect(rows.map((r) => r.loc.record)).to.deep.equal([1, 2])
  })

  for (const [d, name] of [[',', 'comma'], [';', 'semicolon'], ['\t', 'tab'], ['|', 'pipe']] as const) {
    it(`sniffs the ${name} delimiter`, async () => {
      const text = ['MRN', 'First Name', 'DOB'].join(d) + '\n' + ['1', 'Ann, Jr', '01/02/1980'].map((v) => (v.includes(d) ? `"${v}"` : v)).join(d) + '\n'
      expect(sniffDelimiter(text)).to.equal(d)
      const {header, rows} = await read(`d-${name}.csv`, text)
      expect(header?.delimiter).to.equal(d)
      expect(rows[0].ok && rows[0].value).to.deep.equal(['1', 'Ann, Jr', '01/02/1980'])
    })
  }

  it('rejects ragged rows with their line, skips blank lines, and goes on', async () => {
    const {rows} = await read('ragged.csv', 'a,b\n1,2,3\n\n4\n5,6\n')
    expect(rows.map((r) => [r.ok, r.loc.line])).to.deep.equal([[false, 2], [false, 4], [true, 5]])
    const bad = rows[0]
    expect(!bad.ok && bad.code).to.equal('CSV_RAGGED_ROW')
  })

  it('turns an unterminated quote into one reject at its line, after every good row before it', async () => {
    const {rows} = await read('unterminated.csv', 'a,b\n1,2\n3,"4\n5,6\n7,8\n')
    expect(rows[0].ok).to.equal(true)
    const last = rows.at(-1)!
    expect(last.ok).to.equal(false)
    expect(!last.ok && last.code).to.equal('CSV_UNTERMINATED_QUOTE')
    expect(last.loc.line).to.equal(3)
  })

  it('reads windows-1252 with --encoding and refuses it, with a hint, as UTF-8', async () => {
    const bytes = iconv.encode('MRN,Name\n1,José Müller\n', 'win1252')
    const {rows} = await read('cp1252.csv', bytes, {encoding: 'windows-1252'})
    expect(rows[0].ok && rows[0].value[1]).to.equal('José Müller')
    try {
      await read('cp1252b.csv', bytes)
      expect.fail('should have thrown')
    } catch (error) {
      expect(error).to.be.instanceOf(HimError)
      expect((error as HimError).code).to.equal('CSV_ENCODING')
      expect((error as HimError).suggestion).to.match(/windows-1252/)
      expect((error as HimError).message).to.match(/line 2/)
    }
  })

  it('finds the first byte that breaks UTF-8 and accepts a sequence cut at the end', () => {
    expect(firstInvalidUtf8(Buffer.from('abc', 'utf8'))).to.equal(-1)
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe9, 0x62]))).to.equal(1)
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc3]))).to.equal(-1)
  })
})
