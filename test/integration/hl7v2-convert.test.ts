import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const fixture = (name: string) => join(root, 'fixtures/hl7v2', name)

async function him(...args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const {stdout, stderr} = await run('node', [join(root, 'bin/dev.js'), ...args], {cwd: root, env: {...process.env, CI: '1', NO_COLOR: '1'}})
    return {code: 0, stdout, stderr}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stdout: e.stdout, stderr: e.stderr}
  }
}

describe('him convert with HL7 v2', function () {
  this.timeout(120_000)
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-hl7-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('turns an ORU^R01 into a transaction Bundle of PUTs, counts in --json', async () => {
    const out = join(dir, 'oru.json')
    const r = await him('convert', fixture('oru-r01-synthetic.hl7'), '--to', 'fhir', '--bundle-type', 'transaction', '-o', out, '--json')
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout).counts).to.include({in: 1, out: 1, rejected: 0})
    const bundle = JSON.parse(readFileSync(out, 'utf8'))
    expect(bundle.type).to.equal('transaction')
    expect(bundle.entry.map((e: {resource: {resourceType: string}}) => e.resource.resourceType)).to.deep.equal(['Patient', 'DiagnosticReport', 'Observation', 'Observation', 'Observation', 'Observation', 'Observation'])
    expect(bundle.entry.every((e: {request: {method: string}}) => e.request.method === 'PUT')).to.equal(true)
  })

  it('rejects an unsupported message type with its location and reason, and converts the rest', async () => {
    const input = join(dir, 'mixed.hl7')
    writeFileSync(input, readFileSync(fixture('batch-synthetic.hl7'), 'utf8').replace('ADT^A31^ADT_A05', 'SIU^S12^SIU_S12'))
    const out = join(dir, 'mixed.ndjson')
    const r = await him('convert', input, '--to', 'ndjson', '-o', out, '--json')
    expect(r.code).to.equal(1)
    expect(JSON.parse(r.stdout).counts).to.deep.include({in: 2, out: 1, rejected: 1})
    const rej = JSON.parse(readFileSync(`${out}.rejects.ndjson`, 'utf8').trim())
    expect(rej).to.include({file: input, line: 7, record: 2, field: 'MSH-9', code: 'HL7_UNSUPPORTED_MESSAGE_TYPE'})
    expect(r.stderr).to.not.contain('ROE')
  })

  it('CSV -> HL7 -> CSV gives the same patients back', async () => {
    const csv = join(dir, 'p.csv')
    // synthetic patients; the second one's values hold HL7 delimiters, which must travel escaped
    writeFileSync(csv, 'MRN,First Name,Last Name,DOB,Sex,City\nSYN9,Zed,Example,1990-02-03,M,Testville\nSYN8,Ann,O|Brien,1985-12-01,F,Sample^Town\n')
    const hl7 = join(dir, 'p.hl7')
    const r1 = await him('convert', csv, '--to', 'hl7', '-o', hl7)
    expect(r1.code, r1.stderr).to.equal(0)
    const text = readFileSync(hl7, 'utf8')
    expect(text.split('\r').filter((s) => s.startsWith('MSH'))).to.have.length(2)
    expect(text).to.contain('O\\F\\Brien')
    const back = join(dir, 'back.csv')
    const r2 = await him('convert', hl7, '--to', 'csv', '-o', back)
    expect(r2.code, r2.stderr).to.equal(0)
    const rows = readFileSync(back, 'utf8').trim().split('\n')
    expect(rows).to.have.length(3)
    expect(rows[1]).to.match(/^SYN9,.*Zed,.*Example,.*M,/)
    expect(rows[2]).to.contain('O|Brien')
    expect(rows[2]).to.contain('Sample^Town')
  })
})

describe('him convert --to hl7 --event --split, MSH from config', function () {
  this.timeout(120_000)
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-hl7-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('writes one file per message with the event asked for and MSH-3..6 from the config hl7 section', async () => {
    const config = join(dir, 'himkit.config.json')
    writeFileSync(config, JSON.stringify({version: 1, hl7: {sendingApplication: 'MYAPP', sendingFacility: 'MYFAC', receivingApplication: 'EHR', receivingFacility: 'EHRFAC'}}))
    const csv = join(dir, 'p.csv')
    // synthetic patients
    writeFileSync(csv, 'MRN,First Name,Last Name,DOB,Sex\nSYN1,Ann,Example,1990-02-03,F\nSYN2,Bob,Sample,1980-01-01,M\n')
    const out = join(dir, 'out')
    const r = await him('convert', csv, '--to', 'hl7', '--event', 'A04', '--split', '-o', out, '--config', config, '--json')
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout).counts).to.include({in: 2, out: 2, rejected: 0})
    const files = readdirSync(out).sort()
    expect(files).to.deep.equal(['000001-ADT_A04.hl7', '000002-ADT_A04.hl7', 'index.tsv'])
    const msg = readFileSync(join(out, files[1]), 'utf8')
    expect(msg.split('\r')[0]).to.match(/^MSH\|\^~\\&\|MYAPP\|MYFAC\|EHR\|EHRFAC\|\d{14}\+0000\|\|ADT\^A04\^ADT_A01\|HIM\d+\|P\|2\.5\.1$/)
    expect(msg).to.contain('\rPID|1||SYN2^^^^MR||Sample^Bob^^^^^L||19800101|M\r')
    expect(readFileSync(join(out, 'index.tsv'), 'utf8').split('\n')[2]).to.equal(`000002-ADT_A04.hl7\t${csv}:line 3`)
  })

  it('refuses --split to stdout', async () => {
    const r = await him('convert', fixture('adt-a01-synthetic.hl7'), '--to', 'hl7', '--split', '-o', '-')
    expect(r.code).to.equal(64)
    expect(r.stderr).to.contain('--split writes one file per message into a folder')
  })
})
