import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {Hl7File} from '../../../src/lib/formats/hl7v2/batch.js'
import {DEFAULT_DELIMITERS, delimitersOf} from '../../../src/lib/formats/hl7v2/delimiters.js'
import {decodeEscapes, encodeEscapes} from '../../../src/lib/formats/hl7v2/escape.js'
import {Hl7Message, Hl7Segment, buildMsh} from '../../../src/lib/formats/hl7v2/message.js'
import {parsePath} from '../../../src/lib/formats/hl7v2/path.js'

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/hl7v2/${name}`, import.meta.url), 'utf8')
const D = DEFAULT_DELIMITERS

describe('hl7v2 escapes', () => {
  it('decodes the delimiter escapes, hex, line breaks and drops highlighting', () => {
    expect(decodeEscapes(String.raw`a\F\b\S\c\T\d\R\e\E\f`, D)).to.equal('a|b^c&d~e\\f')
    expect(decodeEscapes(String.raw`line1\.br\line2`, D)).to.equal('line1\nline2')
    expect(decodeEscapes(String.raw`\H\bold\N\ text`, D)).to.equal('bold text')
    expect(decodeEscapes('caf\\XC3A9\\', D)).to.equal('café')
    expect(decodeEscapes('\\X41\\\\X42\\', D)).to.equal('AB')
  })

  it('keeps unterminated and unknown escapes literally', () => {
    expect(decodeEscapes('ends with \\', D)).to.equal('ends with \\')
    expect(decodeEscapes(String.raw`C:\Program Files\x`, D)).to.equal(String.raw`C:\Program Files\x`)
    expect(decodeEscapes('\\Zlocal\\', D)).to.equal('\\Zlocal\\')
  })

  it('decodes the v2.7 truncation escape only when a truncation character is declared', () => {
    expect(decodeEscapes(String.raw`a\P\b`, {...D, truncation: '#'})).to.equal('a#b')
    expect(decodeEscapes(String.raw`a\P\b`, D)).to.equal(String.raw`a\P\b`)
  })

  it('encodes what it decodes', () => {
    const text = 'a|b^c&d~e\\f\nnext'
    const raw = encodeEscapes(text, D)
    expect(raw).to.equal(String.raw`a\F\b\S\c\T\d\R\e\E\f\.br\next`)
    expect(decodeEscapes(raw, D)).to.equal(text)
    expect(encodeEscapes('plain', D)).to.equal('plain')
  })

  it('uses the message own delimiters', () => {
    const d = delimitersOf('MSH#@*!$#APP')!
    expect(d).to.include({field: '#', component: '@', repetition: '*', escape: '!', subcomponent: '$'})
    expect(decodeEscapes('x!F!y', d)).to.equal('x#y')
  })
})

describe('hl7v2 paths', () => {
  it('reads HL7 notation', () => {
    expect(parsePath('PID-5.1')).to.deep.include({segment: 'PID', segmentIndex: 1, field: 5, repetition: 1, component: 1})
    expect(parsePath('OBX[2]-5')).to.deep.include({segment: 'OBX', segmentIndex: 2, field: 5})
    expect(parsePath('PID-3[2].4.2')).to.deep.include({field: 3, repetition: 2, component: 4, subcomponent: 2})
    expect(() => parsePath('PID.5')).to.throw(/not an HL7 path/)
    expect(() => parsePath('OBX[0]-5')).to.throw(/start at 1/)
  })
})

describe('hl7v2 message', () => {
  const adt = fixture('adt-a01-synthetic.hl7')

  it('gives fields, components, repetitions and subcomponents by HL7 path, decoded', () => {
    const m = Hl7Message.parse(adt)
    expect(m.type).to.deep.equal({code: 'ADT', event: 'A01', structure: 'ADT_A01'})
    expect(m.controlId).to.equal('CTRL0001')
    expect(m.version).to.equal('2.5.1')
    expect(m.get('MSH-1')).to.equal('|')
    expect(m.get('MSH-2')).to.equal('^~\\&')
    expect(m.get('MSH-4.2')).to.equal('2.16.840.1.113883.19.1')
    expect(m.get('PID-5.1')).to.equal('TESTPATIENT')
    expect(m.get('PID-5[2].1')).to.equal('SMITH')
    expect(m.get('PID-3[2].1')).to.equal('123-45-6789')
    expect(m.get('PID-11.2')).to.equal('APT 4&5')
    expect(m.get('ZPI-2')).to.equal('custom | value')
    expect(m.get('PID-99')).to.equal('')
    expect(m.get('OBX-5')).to.equal('')
  })

  it('keeps "" (explicit null) distinct from empty', () => {
    const m = Hl7Message.parse(adt)
    expect(m.isNull('ZPI-3')).to.equal(true)
    expect(m.get('ZPI-3')).to.equal('')
    expect(m.isNull('ZPI-4')).to.equal(false)
    expect(m.segment('ZPI')!.field(3).isNull).to.equal(true)
    expect(m.segment('ZPI')!.field(4).isEmpty).to.equal(true)
  })

  it('addresses the n-th segment of a name', () => {
    const m = Hl7Message.parse(fixture('oru-r01-synthetic.hl7'))
    expect(m.get('OBX[2]-5')).to.equal('Sample slightly hemolyzed')
    expect(m.get('OBX[4]-5.2')).to.equal('150')
    expect(m.get('NTE[2]-3')).to.equal('Above target\nrepeat in 3 months.')
    expect(m.segmentsNamed('OBX')).to.have.length(5)
  })

  it('accepts CR, LF and CRLF segment terminators and a BOM, and writes CR', () => {
    const cr = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A04|1|P|2.3\rPID|1||42^^^X^MR\r'
    for (const text of [cr, cr.replace(/\r/g, '\n'), cr.replace(/\r/g, '\r\n'), '\uFEFF' + cr]) {
      const m = Hl7Message.parse(text)
      expect(m.segments.map((s) => s.name)).to.deep.equal(['MSH', 'PID'])
      expect(m.toString()).to.equal(cr)
    }
  })

  it('reads MSH-9 with two components (v2.3) and three (v2.3.1+)', () => {
    expect(Hl7Message.parse('MSH|^~\\&|||||||ADT^A04|1|P|2.3\r').type).to.deep.equal({code: 'ADT', event: 'A04', structure: ''})
    expect(Hl7Message.parse('MSH|^~\\&|||||||ADT^A04^ADT_A01|1|P|2.8\r').type.structure).to.equal('ADT_A01')
  })

  it('round-trips the synthetic fixtures exactly, Z-segment and escapes included', () => {
    expect(Hl7Message.parse(adt).toString()).to.equal(adt)
    const oru = fixture('oru-r01-synthetic.hl7')
    expect(Hl7Message.parse(oru).toString()).to.equal(oru)
  })

  it('rejects text that is not a message', () => {
    expect(() => Hl7Message.parse('PID|1||42\r')).to.throw(/does not start with an MSH/)
    expect(() => Hl7Message.parse('MSH\r')).to.throw(/delimiters/)
  })

  it('sets fields from text, escaping them, and serialises only what changed', () => {
    const m = Hl7Message.parse(adt)
    m.segment('PID')!.set(5, [['O|Brien', 'Ann'], ['Smith']])
    expect(m.segment('PID')!.raw(5)).to.equal('O\\F\\Brien^Ann~Smith')
    expect(m.get('PID-5.1')).to.equal('O|Brien')
    expect(m.segment('PID')!.toString().startsWith('PID|1||MRN12345^^^SYNTH HOSP^MR~123-45-6789^^^USSSA^SS||O\\F\\Brien^Ann~Smith|')).to.equal(true)
    expect(m.segment('PV1')!.toString()).to.equal(adt.split('\r')[5])
    const z = Hl7Segment.build('ZXX', ['1', null, [['a', ['s1', 's2']]]])
    expect(z.toString()).to.equal('ZXX|1|""|a^s1&s2')
  })

  it('builds an MSH whose fields read back', () => {
    const msh = buildMsh({sendingApplication: 'HIMKIT', dateTime: '20240101120000+0000', type: {code: 'ADT', event: 'A28', structure: 'ADT_A05'}, controlId: 'X1'})
    expect(msh.toString()).to.equal('MSH|^~\\&|HIMKIT||||20240101120000+0000||ADT^A28^ADT_A05|X1|P|2.5.1')
    expect(msh.get(9, 2)).to.equal('A28')
  })
})

describe('hl7v2 batch files', () => {
  it('splits a FHS/BHS batch into messages at MSH segments only, and round-trips it with CR', () => {
    const text = fixture('batch-synthetic.hl7')
    const f = Hl7File.parse(text)
    expect(f.messages.map((m) => m.controlId)).to.deep.equal(['B0001', 'B0002'])
    expect(f.messages[0].segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'NTE'])
    expect(f.messages[0].get('NTE-3')).to.equal('copied header MSH|^~\\&|REGADT and MSH')
    expect(f.items.filter((i) => i instanceof Hl7Segment).map((s) => (s as Hl7Segment).name)).to.deep.equal(['FHS', 'BHS', 'BTS', 'FTS'])
    expect(f.toString()).to.equal(text.replace(/\n/g, '\r').replace(/\r?$/, '\r'))
  })

  it('builds a batch around messages', () => {
    const m = Hl7Message.parse('MSH|^~\\&|||||||ADT^A04|1|P|2.3\r')
    const out = Hl7File.batch([m, m]).toString()
    expect(out.split('\r').map((s) => s.slice(0, 3))).to.deep.equal(['FHS', 'BHS', 'MSH', 'MSH', 'BTS', 'FTS', ''])
    expect(out).to.contain('BTS|2\r')
  })
})

describe('hl7v2 componentTexts', () => {
  it('decodes every component of a value in one pass', () => {
    const m = Hl7Message.parse('MSH|^~\\&|||||||ADT^A04|1|P|2.5\rPID|1||a\\S\\b^""^^c&d\r')
    expect(m.segment('PID')!.field(3).componentTexts()).to.deep.equal(['a^b', '', '', 'c&d'])
    expect(m.segment('PID')!.field(4).componentTexts()).to.deep.equal([])
  })
})
