/* eslint-disable @typescript-eslint/no-explicit-any */
import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const fx = (p: string) => join(root, 'fixtures/validate', p)
const tmp = mkdtempSync(join(tmpdir(), 'him-validate-'))
after(() => rmSync(tmp, {recursive: true, force: true}))

function him(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/dev.js'), ...args], {cwd: root, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', CI: '1'}})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('him validate (CLI)', () => {
  it('passes a valid CSV with exit 0 and no findings', () => {
    const r = him(['validate', fx('csv/patients-valid.csv')])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.include('0 errors, 0 warnings')
  })

  it('finds each planted problem of the invalid CSV at its line and column, exit 1, no values', () => {
    const r = him(['validate', fx('csv/patients-invalid.csv'), '--json'])
    expect(r.code, r.stderr).to.equal(1)
    const out = JSON.parse(r.stdout)
    expect(out.schema).to.equal('himkit.findings/v1')
    const got = out.findings.map((f: any) => ({rule: f.rule, line: f.location.line, ...(f.location.column ? {column: f.location.column} : {})}))
    const want = JSON.parse(readFileSync(fx('csv/expected-findings.json'), 'utf8'))
    expect(got).to.deep.equal(want)
    expect(r.stdout).to.not.include('666-12-3456')
    expect(out.findings.every((f: any) => f.value === undefined)).to.equal(true)
  })

  it('shows values only with --show-values', () => {
    const r = him(['validate', fx('csv/patients-invalid.csv'), '--show-values', '--json'])
    const out = JSON.parse(r.stdout)
    expect(out.findings.find((f: any) => f.rule === 'csv.ssn.impossible').value).to.equal('666-12-3456')
  })

  it('honours --fail-on never and warning', () => {
    expect(him(['validate', fx('csv/patients-invalid.csv'), '--fail-on', 'never']).code).to.equal(0)
    const warnOnly = join(tmp, 'warn.csv')
    const rows = readFileSync(fx('csv/patients-valid.csv'), 'utf8').replace('avery.q@example.org', 'avery.example.org')
    writeFileSync(warnOnly, rows)
    expect(him(['validate', warnOnly]).code).to.equal(0)
    expect(him(['validate', warnOnly, '--fail-on', 'warning']).code).to.equal(1)
  })

  it('applies a --rules file and refuses an unknown rule id with exit 78', () => {
    const r = him(['validate', fx('csv/patients-invalid.csv'), '--rules', fx('csv/rules.yaml'), '--json'])
    const out = JSON.parse(r.stdout)
    expect(out.findings.some((f: any) => f.rule === 'csv.phone.format')).to.equal(false)
    expect(out.findings.find((f: any) => f.rule === 'csv.state.code').severity).to.equal('error')
    const bad = join(tmp, 'bad-rules.yaml')
    writeFileSync(bad, 'rules:\n  csv.no-such-rule: off\n')
    const e = him(['validate', fx('csv/patients-invalid.csv'), '--rules', bad])
    expect(e.code).to.equal(78)
    expect(e.stderr).to.include('unknown rule id "csv.no-such-rule"')
  })

  it('writes HTML, JSON and CSV reports that agree on the counts', () => {
    const html = join(tmp, 'r.html')
    const json = join(tmp, 'r.json')
    const csv = join(tmp, 'r.csv')
    const r = him(['validate', fx('csv/patients-invalid.csv'), '--report', html, '--report', json, '--report', csv])
    expect(r.code).to.equal(1)
    const rep = JSON.parse(readFileSync(json, 'utf8'))
    expect(rep.counts.error + rep.counts.warning + rep.counts.info).to.equal(20)
    expect(readFileSync(csv, 'utf8').trim().split('\r\n')).to.have.length(21)
    expect(readFileSync(html, 'utf8')).to.include('Findings by rule')
    expect(him(['validate', fx('csv/patients-valid.csv'), '--report', join(tmp, 'r.pdf')]).code).to.equal(64)
  })

  it('validates the other inputs when one cannot be read as its format, and exits 65', () => {
    const unknown = join(tmp, 'unknown-layout.csv')
    writeFileSync(unknown, 'alpha,beta\n1,2\n')
    const r = him(['validate', fx('csv/patients-invalid.csv'), unknown, '--json'])
    expect(r.code).to.equal(65)
    const out = JSON.parse(r.stdout)
    expect(out.inputs[1].error.code).to.equal('CSV_UNKNOWN_LAYOUT')
    expect(out.inputs[0].records).to.equal(18)
    expect(out.counts.error).to.be.greaterThan(0)
  })

  it('exits 66 for a missing file', () => {
    const r = him(['validate', join(tmp, 'nope.csv')])
    expect(r.code).to.equal(66)
    expect(r.stderr).to.include('no such file')
  })

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
  ;(chromium ? it : it.skip)(`renders the HTML report in headless Chromium with a record list built by its script${chromium ? '' : ' (skipped: no chromium; apt-get install -y chromium)'}`, () => {
    const html = join(tmp, 'view.html')
    expect(him(['validate', fx('csv/patients-invalid.csv'), '--report', html]).code).to.equal(1)
    const dom = execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(tmp, 'chrome')}`, '--dump-dom', `file://${html}`], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000})
    expect((dom.match(/<details class="rec"/g) ?? []).length).to.equal(18)
    expect(dom).to.include('18 records')
  })
})

describe('him validate HL7 v2 (CLI)', () => {
  it('passes valid ADT and ORU messages', () => {
    const r = him(['validate', fx('hl7v2/messages-valid.hl7')])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.include('3 records')
  })

  it('finds each planted problem at its message, line and HL7 path', () => {
    const r = him(['validate', fx('hl7v2/messages-invalid.hl7'), '--json'])
    expect(r.code).to.equal(1)
    const got = JSON.parse(r.stdout).findings.map((f: any) => ({rule: f.rule, record: f.location.record, line: f.location.line, path: f.location.path}))
    expect(got).to.deep.equal(JSON.parse(readFileSync(fx('hl7v2/messages-invalid.expected.json'), 'utf8')))
  })
})
