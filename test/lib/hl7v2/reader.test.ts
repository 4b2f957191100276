import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {Readable} from 'node:stream'

import {openSource, type Source} from '../../../src/lib/io/source.js'
import {readHl7} from '../../../src/lib/formats/hl7v2/reader.js'
import {Hl7File} from '../../../src/lib/formats/hl7v2/batch.js'

const fixturePath = (name: string) => new URL(`../../../fixtures/hl7v2/${name}`, import.meta.url).pathname

/** A source that delivers its bytes in chunks of `size`, to split CRLF, BOM and UTF-8 characters across reads. */
function chunked(text: string, size: number): Source {
  const bytes = Buffer.from(text, 'utf8')
  const chunks: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
  return {name: 'mem.hl7', head: bytes.subarray(0, 1024), open: () => Readable.from(chunks)}
}

async function collect(src: Source) {
  const out = []
  for await (const r of readHl7(src)) out.push(r)
  return out
}

describe('readHl7', () => {
  it('yields one record per message of a batch, with the line of its MSH and its number', async () => {
    const rs = await collect(await openSource(fixturePath('batch-synthetic.hl7')))
    expect(rs.map((r) => r.ok)).to.deep.equal([true, true])
    expect(rs.map((r) => r.loc)).to.deep.equal([
      {file: fixturePath('batch-synthetic.hl7'), line: 3, record: 1},
      {file: fixturePath('batch-synthetic.hl7'), line: 7, record: 2},
    ])
  })

  it('gives the same messages whatever the chunk boundaries (CRLF, BOM and multi-byte characters split)', async () => {
    const text = '\uFEFFMSH|^~\\&|A||||||ADT^A04|1|P|2.3\r\nPID|1||42||CAFÉ^ZOË\r\n\r\nMSH|^~\\&|A||||||ADT^A08|2|P|2.3\r\nPID|1||43\r\n'
    for (const size of [1, 2, 3, 7, 1000]) {
      const rs = await collect(chunked(text, size))
      expect(rs.length, `chunk size ${size}`).to.equal(2)
      const [a, b] = rs.map((r) => (r.ok ? r.value : undefined))
      expect(a!.get('PID-5.2')).to.equal('ZOË')
      expect(a!.toString()).to.equal('MSH|^~\\&|A||||||ADT^A04|1|P|2.3\rPID|1||42||CAFÉ^ZOË\r')
      expect(rs.map((r) => r.loc.line)).to.deep.equal([1, 4])
      expect(b!.controlId).to.equal('2')
    }
  })

  it('rejects segments outside a message and unreadable MSH, and goes on', async () => {
    const rs = await collect(chunked('PID|1||stray\nMSH\nPID|1\nMSH|^~\\&|A||||||ADT^A04|3|P|2.3\n', 5))
    expect(rs.map((r) => (r.ok ? 'ok' : r.code))).to.deep.equal(['HL7_SEGMENT_OUTSIDE_MESSAGE', 'HL7_BAD_MSH', 'ok'])
    expect(rs[0].loc.line).to.equal(1)
    expect(rs[1].loc).to.include({line: 2, record: 1, field: 'MSH-2'})
  })
})

/** Conformance: every message of the shared corpus (Microsoft FHIR-Converter samples) parses and round-trips. */
const CORPUS = new URL('../../../../shared/data/hl7v2/', import.meta.url).pathname
describe('hl7v2 conformance: shared corpus round trip', function () {
  if (!existsSync(CORPUS)) {
    it(`skipped: ${CORPUS} is absent (the shared HL7 v2 corpus is only in the project workspace)`, function () {
      this.skip()
    })
    return
  }
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.hl7'))
  it('finds the corpus', () => expect(files.length).to.be.greaterThan(50))
  for (const f of files) {
    it(`${f}: parse then serialise gives the input back (terminators as CR, BOM dropped)`, () => {
      const text = readFileSync(CORPUS + f, 'utf8')
      const parsed = Hl7File.parse(text)
      expect(parsed.messages.length).to.be.greaterThan(0)
      const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n|\n|\r/g, '\r').replace(/\r+/g, '\r').replace(/([^\r])$/, '$1\r')
      expect(parsed.toString()).to.equal(normalised)
      for (const m of parsed.messages) {
        expect(m.type.code).to.match(/^[A-Z]{3}$/)
        for (const s of m.segments) for (let i = 1; i <= s.length; i++) for (const r of s.repetitions(i)) void r.text
      }
    })
  }
})

describe('readHl7 character sets', () => {
  const bytes = (parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))))
  const src = (b: Buffer, size: number): Source => {
    const chunks: Buffer[] = []
    for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size))
    return {name: 'mem.hl7', head: b.subarray(0, 100), open: () => Readable.from(chunks)}
  }
  const names = async (b: Buffer, size = 4) => (await collect(src(b, size))).map((r) => (r.ok ? r.value.get('PID-5.1') : r.code))

  it('reads UTF-8, MSH-18 8859/1 and unlabelled windows-1252 messages in one file without replacement characters', async () => {
    const file = bytes([
      [0xef, 0xbb, 0xbf], 'MSH|^~\\&|||||||ADT^A04|1|P|2.5|||||||UNICODE UTF-8\rPID|1||1||', [0x4d, 0xc3, 0xbc, 0x6c, 0x6c, 0x65, 0x72], '\r',
      'MSH|^~\\&|||||||ADT^A04|2|P|2.5|||||||8859/1\rPID|1||2||M', [0xfc], 'ller\r',
      'MSH|^~\\&|||||||ADT^A04|3|P|2.5\rPID|1||3||', [0x93], 'Quoted', [0x94], '\r',
      'MSH|^~\\&|||||||ADT^A04|4|P|2.5|||||||8859/1\rPID|1||4||', [0x4d, 0xc3, 0xbc, 0x6c, 0x6c, 0x65, 0x72], '\r',
    ])
    for (const size of [1, 2, 5, 4096]) expect(await names(file, size), `chunks of ${size}`).to.deep.equal(['Müller', 'Müller', '\u201CQuoted\u201D', 'Müller'])
  })
})

describe('readHl7 of a saved MLLP stream', () => {
  it('reads messages framed with 0x0B ... 0x1C 0x0D, as mllp_send files are', async () => {
    const m1 = 'MSH|^~\\&|A||||||ADT^A04|1|P|2.3\rPID|1||42\r'
    const m2 = 'MSH|^~\\&|A||||||ADT^A08|2|P|2.3\rPID|1||43'
    const rs = await collect(chunked(`\x0b${m1}\x1c\r\x0b${m2}\x1c\r`, 3))
    expect(rs.map((r) => (r.ok ? r.value.toString() : r.code))).to.deep.equal([m1, m2 + '\r'])
  })
})
