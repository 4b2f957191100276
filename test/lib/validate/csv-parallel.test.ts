import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {RuleSet} from '../../../src/lib/validate/rules.js'
import {validate, type ValidateOptions} from '../../../src/lib/validate/validate.js'

/**
 * The parallel CSV validation (worker threads, file cut into pieces) must give the same report as the one-thread
 * path, byte for byte: same findings in the same order, same counts, completeness and worst records. Synthetic
 * rows with every kind of problem, pieces of a few rows so duplicates and MRN reuse cross pieces.
 */
const tmp = mkdtempSync(join(tmpdir(), 'him-validate-par-'))
after(() => rmSync(tmp, {recursive: true, force: true}))

const HEADER = 'MRN,First Name,Last Name,DOB,Sex,SSN,Phone,Email,Address,City,State,ZIP,Date of Death,Notes'

/** One synthetic row (14 fields) by number; most are fine, others have one or two problems. */
function row(i: number): string {
  const f = [`SYN${String(i).padStart(5, '0')}`, 'Avery', 'Quinlan', '02/03/1962', i % 2 ? 'F' : 'M', `${200 + (i % 500)}-45-${String(1000 + i).slice(-4)}`, '(217) 555-0101', `a${i}@example.org`, '12 Example Way', 'Springfield', 'IL', '62704', '', '']
  switch (i % 29) {
    case 1: f[3] = '02/30/1962'; break // invalid date
    case 2: f[3] = '11/02/2099'; break // future
    case 3: f[3] = '03/15/1885'; break // before 1900
    case 4: f[12] = '01/01/1950'; break // death before birth
    case 5: f[5] = '666-12-3456'; break // impossible
    case 6: f[5] = '123-45-6789'; break // placeholder
    case 7: f[5] = '12345'; break // format
    case 8: f[6] = '(117) 555-0105'; break
    case 9: f[7] = 'a.example.org'; break
    case 10: f[11] = '6180'; break
    case 11: f[10] = 'ZZ'; break
    case 12: f[4] = 'Q'; break
    case 13: [f[1], f[2]] = ['BABY', 'BOY']; break
    case 14: f[1] = 'Qu1nn'; break
    case 15: f[0] = ''; f[2] = ''; break // required empty
    case 16: f[13] = '"first line\nsecond line, ""quoted"""'; break // a quoted field over two lines
    case 17: f[2] = 'Qu"inn'; break // a quote inside an unquoted field: the rows up to the next odd quote are one
    case 18: f[2] = 'O"Brien'; break // unreadable record (as in the one-thread reader)
    case 23: f.pop(); break // ragged
    case 24: f[2] = 'Qu"i"nn'; break
    case 19: f[13] = '"closed"after'; break // text after a closing quote
    case 20: f[0] = `SYN${String(i - 37).padStart(5, '0')}`; break // MRN of an earlier row, other cells differ
    case 21: f[8] = '"1545 Elm St, Apt 2"'; f[3] = ''; break
    case 22: f[1] = 'Test'; f[2] = 'Patient'; f[5] = '078-05-1120'; break
    default: break
  }
  return f.join(',')
}

function csv(n: number, end = ''): string {
  const lines = [HEADER]
  for (let i = 1; i <= n; i++) {
    let j = Math.max(1, i - 97)
    while (j % 29 === 17 || j % 29 === 18) j-- // not the rows with one stray quote
    const dup = i % 41 === 0 && i % 29 !== 17 && i % 29 !== 18
    lines.push(row(dup ? j : i)) // every 41st row: an exact duplicate of a row about 97 rows up
    if (i % 53 === 0) lines.push('') // a blank line
  }
  return lines.join('\n') + '\n' + end
}

function write(name: string, text: string): string {
  const p = join(tmp, name)
  writeFileSync(p, text)
  return p
}

async function report(file: string, parallel: boolean, extra: Partial<ValidateOptions> = {}): Promise<string> {
  const r = await validate({
    inputs: [file],
    from: 'auto',
    profile: 'base',
    rules: new RuleSet(),
    showValues: false,
    mappingCtx: {mrnSystem: 'http://hospital.example.org/mrn'},
    failOn: 'error',
    today: '2026-11-25',
    parallel: parallel ? {minBytes: 0, workers: 2, pieceSize: 1500, maxPiece: 6000} : {minBytes: Number.MAX_SAFE_INTEGER},
    ...extra,
  })
  return JSON.stringify({...r, generatedAt: 'x', durationMs: 0})
}

describe('CSV validation on worker threads', () => {
  it('gives the one-thread report byte for byte, duplicates across pieces included', async () => {
    const file = write('all.csv', csv(1200))
    const one = await report(file, false)
    const par = await report(file, true)
    const parsed = JSON.parse(one)
    // The test data has every kind of finding (else the comparison would prove little).
    const rules = parsed.byRule.map((r: {rule: string}) => r.rule)
    for (const id of ['csv.column.unmapped', 'csv.required', 'csv.mrn.duplicate', 'csv.row.duplicate', 'csv.row.ragged', 'csv.row.unreadable', 'csv.date.invalid', 'csv.date.future', 'csv.date.before-1900', 'csv.date.death-before-birth', 'csv.ssn.format', 'csv.ssn.impossible', 'csv.ssn.placeholder', 'csv.phone.format', 'csv.zip.format', 'csv.state.code', 'csv.email.format', 'csv.sex.code', 'csv.name.digits', 'csv.name.placeholder'])
      expect(rules, id).to.include(id)
    expect(parsed.records).to.equal(1200)
    expect(par).to.equal(one)
  })

  it('is the same with --show-values and with rules re-levelled or off', async () => {
    const file = write('values.csv', csv(400))
    const extra = {showValues: true, rules: new RuleSet({rules: {'csv.row.duplicate': 'error', 'csv.required': 'off', 'csv.ssn.*': 'info'}})}
    const one = await report(file, false, extra)
    expect(one).to.include('"value":"SYN00')
    expect(await report(file, true, extra)).to.equal(one)
  })

  it('stops at an unterminated quote as the one-thread path does, in the last piece or far before the end', async () => {
    const last = write('unterminated-last.csv', csv(300, 'SYN99999,"never closed,x\n'))
    expect(await report(last, true)).to.equal(await report(last, false))
    // More than maxPiece characters follow the open quote: no row boundary is found and the rest is one piece.
    const mid = write('unterminated-mid.csv', csv(100, 'SYN99999,"never closed,x\n' + csv(300).slice(HEADER.length + 1)))
    const one = await report(mid, false)
    expect(one).to.include('a quoted field is never closed')
    expect(await report(mid, true)).to.equal(one)
  })

  it('handles CRLF line ends, a BOM and a Synthea layout (codes of the mapping)', async () => {
    const synthea = ['\uFEFFId,BIRTHDATE,DEATHDATE,SSN,FIRST,LAST,MARITAL,RACE,ETHNICITY,GENDER,ADDRESS,CITY,STATE,ZIP']
    for (let i = 1; i <= 500; i++)
      synthea.push([`id-${i % 450}`, i % 7 ? '1970-01-02' : '1970-02-31', i % 11 ? '' : '1960-01-01', '999-12-3456', 'Ann', 'Lee', i % 5 ? 'M' : 'X', i % 6 ? 'white' : 'purple', 'nonhispanic', i % 9 ? 'F' : 'U', '1 Main St', 'Boston', 'MA', '02110'].join(','))
    const file = write('synthea.csv', synthea.join('\r\n') + '\r\n')
    const one = await report(file, false)
    expect(one).to.include('csv.code.unknown')
    expect(await report(file, true)).to.equal(one)
  })
})
