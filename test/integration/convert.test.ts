import {expect} from 'chai'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import {him} from '../support/cli.js'
import {fixture, scratch} from '../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

const lines = (p: string) => readFileSync(p, 'utf8').trim().split('\n')
const csvRows = (p: string) => readFileSync(p, 'utf8').replace(/\r\n/g, '\n').trimEnd().split('\n')

describe('him convert (built CLI)', () => {
  it('converts the sample CSV to NDJSON Patients, every record out, and says in = out + rejected', () => {
    const out = tmp.path('p.ndjson')
    const r = him(['convert', fixture('sample/patients.csv'), '--to', 'ndjson', '-o', out])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.include('200 in = 200 out + 0 rejected')
    const res = lines(out).map((l) => JSON.parse(l))
    expect(res).to.have.length(200)
    expect(res.every((p) => p.resourceType === 'Patient' && p.identifier[0].value.startsWith('MRN'))).to.equal(true)
    expect(existsSync(`${out}.rejects.ndjson`)).to.equal(false)
  })

  it('gives byte-identical output when run twice (deterministic ids, no timestamps)', () => {
    const a = tmp.path('a.json')
    const b = tmp.path('b.json')
    expect(him(['convert', fixture('sample/patients.csv'), '--to', 'fhir', '--bundle-type', 'transaction', '-o', a]).code).to.equal(0)
    expect(him(['convert', fixture('sample/patients.csv'), '--to', 'fhir', '--bundle-type', 'transaction', '-o', b]).code).to.equal(0)
    expect(readFileSync(a, 'utf8')).to.equal(readFileSync(b, 'utf8'))
    const bundle = JSON.parse(readFileSync(a, 'utf8'))
    expect(bundle.entry[0].request.method).to.equal('PUT')
  })

  for (const [name, file] of [['generic', 'sample/patients.csv'], ['Synthea', 'csv/synthea-patients.csv'], ['FEBRL', 'csv/febrl-sample.csv']]) {
    it(`round-trips ${name} CSV -> FHIR -> CSV with the printed mapping, mapped columns unchanged`, () => {
      const mapping = tmp.path(`${name}.yaml`)
      const pm = him(['convert', fixture(file), '--print-mapping'])
      expect(pm.code).to.equal(0)
      require_write(mapping, pm.stdout)
      const nd = tmp.path(`${name}.ndjson`)
      const back = tmp.path(`${name}.back.csv`)
      expect(him(['convert', fixture(file), '--to', 'ndjson', '-o', nd]).code).to.equal(0)
      const r = him(['convert', nd, '--to', 'csv', '--mapping', mapping, '-o', back])
      expect(r.code, r.stderr).to.equal(0)
      const orig = parseCsv(readFileSync(fixture(file), 'utf8'))
      const got = parseCsv(readFileSync(back, 'utf8'))
      const header = got[0]
      const idx = header.map((h) => orig[0].indexOf(h))
      expect(idx.every((i) => i >= 0)).to.equal(true)
      for (let i = 1; i < orig.length; i++) expect(got[i], `row ${i}`).to.deep.equal(idx.map((j) => orig[i][j]))
    })
  }

  it('writes CSV -> CSV in the input layout by default', () => {
    const out = tmp.path('same.csv')
    expect(him(['convert', fixture('sample/patients.csv'), '--to', 'csv', '-o', out]).code).to.equal(0)
    expect(csvRows(out)).to.deep.equal(csvRows(fixture('sample/patients.csv')))
  })

  it('sends bad rows to the rejects file with reason and location, keeps the good ones, exits 1', () => {
    const out = tmp.path('probs.ndjson')
    const r = him(['convert', fixture('sample/patients-with-problems.csv'), '--to', 'ndjson', '-o', out])
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include('5 in = 2 out + 3 rejected')
    const rejects = lines(`${out}.rejects.ndjson`).map((l) => JSON.parse(l))
    expect(rejects.map((x) => [x.line, x.code])).to.deep.equal([[4, 'BAD_DATE'], [5, 'UNKNOWN_CODE'], [6, 'CSV_RAGGED_ROW']])
    expect(lines(out)).to.have.length(2)
    expect(r.stderr).to.not.include('02/30/1970')
  })

  it('writes a machine-readable summary with --json, with the same exit code', () => {
    const out = tmp.path('j.ndjson')
    const r = him(['convert', fixture('sample/patients-with-problems.csv'), '--to', 'ndjson', '-o', out, '--json'])
    expect(r.code).to.equal(1)
    const j = JSON.parse(r.stdout)
    expect(j.counts).to.deep.include({in: 5, out: 2, rejected: 3})
    expect(j.balanced).to.equal(true)
    expect(r.stderr).to.equal('')
  })

  it('writes data to stdout with -o - and reads stdin with -', () => {
    const r = him(['convert', '-', '--from', 'csv', '--to', 'ndjson', '-o', '-', '--rejects', tmp.path('stdin.rejects')], {input: readFileSync(fixture('csv/febrl-sample.csv'), 'utf8')})
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).resourceType)).to.deep.equal(['Patient', 'Patient', 'Patient'])
  })

  it('converts FHIR to CSV, rejecting what is not a Patient', () => {
    const nd = tmp.file('mixed.ndjson', [JSON.stringify({resourceType: 'Patient', id: 'x', name: [{family: 'Synthetic', given: ['Test']}], birthDate: '1970-01-02'}), JSON.stringify({resourceType: 'Observation', status: 'final'})].join('\n'))
    const out = tmp.path('mixed.csv')
    const r = him(['convert', nd, '--to', 'csv', '-o', out])
    expect(r.code).to.equal(1)
    expect(csvRows(out)[1]).to.include('Test,,Synthetic,,01/02/1970')
    expect(lines(`${out}.rejects.ndjson`).map((l) => JSON.parse(l).code)).to.deep.equal(['NOT_PATIENT'])
  })

  describe('bad input: one clear line, the right exit code, no stack trace', () => {
    const cases: Array<[string, () => string, number, RegExp]> = [
      ['a missing file', () => tmp.path('nope.csv'), 66, /no such file/],
      ['a directory', () => tmp.dir, 66, /is a directory/],
      ['an empty file', () => tmp.file('empty.csv', ''), 65, /file is empty/],
      ['a binary file', () => tmp.file('bin.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08])), 65, /binary file/],
      ['invalid JSON', () => tmp.file('bad.json', '{\n "resourceType": "Patient",\n "x": PHIVALUE\n}'), 65, /invalid JSON at line 3/],
      ['JSON that is not FHIR', () => tmp.file('nf.json', '{"hello": "world"}'), 65, /no resourceType/],
      ['an unknown resourceType', () => tmp.file('unk.json', '{"resourceType": "Pateint"}'), 65, /not a FHIR R4 resource/],
      ['a CSV of unknown layout', () => tmp.file('weird.csv', 'foo,bar\n1,2\n'), 65, /not a layout him knows/],
    ]
    for (const [what, make, code, msg] of cases) {
      it(what, () => {
        const r = him(['convert', make(), '--to', 'csv', '-o', tmp.path('o.csv')])
        expect(r.code, r.stderr).to.equal(code)
        expect(r.stderr).to.match(msg)
        expect(r.stderr).to.not.match(/\n\s+at /)
        expect(r.stderr).to.not.include('PHIVALUE')
        const j = him(['convert', make(), '--to', 'csv', '-o', tmp.path('o.csv'), '--json'])
        expect(j.code).to.equal(code)
        expect(JSON.parse(j.stdout).error.exit).to.equal(code)
      })
    }

    it('an unterminated quote and ragged rows: good records still come out', () => {
      const f = tmp.file('bad.csv', 'MRN,First Name,Last Name\nA1,Ann,Lee\nA2,Bo,Li,extra\nA3,"Cy,Ko\nA4,Di,Wu\n')
      const out = tmp.path('bad.ndjson')
      const r = him(['convert', f, '--to', 'ndjson', '-o', out])
      expect(r.code).to.equal(1)
      expect(lines(out)).to.have.length(1)
      expect(r.stderr).to.match(/bad\.csv:line 3: row has 4 fields/)
      expect(r.stderr).to.match(/bad\.csv:line 4: a quoted field is never closed/)
    })

    it('usage errors exit 64, with and without --json', () => {
      expect(him(['convert', fixture('sample/patients.csv'), '--bogus']).code).to.equal(64)
      expect(him(['convert', fixture('sample/patients.csv'), '--to', 'xml']).code).to.equal(64)
      expect(him(['convert', fixture('sample/patients.csv')]).code).to.equal(64)
      expect(him(['convert', fixture('sample/patients.csv'), '--to', 'ndjson', '-o', '-', '--json']).code).to.equal(64)
    })

    it('shows the stack trace with --debug only', () => {
      const r = him(['convert', tmp.path('nope.csv'), '--to', 'csv', '--debug'])
      expect(r.code).to.equal(66)
      expect(r.stderr).to.match(/\n\s+at /)
    })
  })
})

function require_write(p: string, s: string) {
  writeFileSync(p, s)
}

/** A small RFC 4180 reader for checking output (values trimmed, as FEBRL pads them). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let q = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (q) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') q = false
      else cell += c
    } else if (c === '"') q = true
    else if (c === ',') row.push(cell.trim()), (cell = '')
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(cell.trim())
      rows.push(row)
      row = []
      cell = ''
    } else cell += c
  }
  if (cell !== '' || row.length) row.push(cell.trim()), rows.push(row)
  return rows
}

describe('him convert HL7 v2 -> FHIR -> HL7 v2 (built CLI)', () => {
  it('writes a Bundle back as one ADT per patient, with its next of kin, visit, allergies and diagnoses', () => {
    const bundle = tmp.path('adt.json')
    const back = tmp.path('adt.back.hl7')
    expect(him(['convert', fixture('hl7v2/adt-a01-synthetic.hl7'), '--to', 'fhir', '--bundle-type', 'transaction', '-o', bundle]).code).to.equal(0)
    const r = him(['convert', bundle, '--to', 'hl7', '-o', back])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.include('1 in = 1 out + 0 rejected')
    const segments = readFileSync(back, 'utf8').split('\r').map((s) => s.slice(0, 3))
    expect(segments.filter((s) => s === 'MSH')).to.have.length(1)
    for (const seg of ['PID', 'NK1', 'PV1', 'AL1', 'DG1']) expect(segments, seg).to.include(seg)
  })
})
