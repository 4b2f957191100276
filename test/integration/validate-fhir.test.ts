import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/* eslint-disable @typescript-eslint/no-explicit-any */
const root = fileURLToPath(new URL('../../', import.meta.url))
const fx = (p: string) => join(root, 'fixtures/validate/fhir', p)

function validate(file: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/dev.js'), 'validate', fx(file), '--json', ...args], {cwd: root, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', CI: '1'}})
  return {code: r.status, out: JSON.parse(r.stdout), stderr: r.stderr}
}
const expected = (f: string) => JSON.parse(readFileSync(fx(f), 'utf8'))

describe('him validate FHIR (CLI)', () => {
  for (const f of ['patient-valid.json', 'bundle-valid.json'])
    it(`finds nothing in ${f}, even with --profile us-core for the Patients`, () => {
      const r = validate(f, '--profile', 'us-core')
      expect(r.code, r.stderr).to.equal(0)
      expect(r.out.findings).to.deep.equal([])
    })

  it('finds each planted problem of patients.ndjson at its line and FHIRPath', () => {
    const r = validate('patients.ndjson')
    expect(r.code).to.equal(1)
    expect(r.out.records).to.equal(14)
    const got = r.out.findings.map((f: any) => ({rule: f.rule, line: f.location.line, ...(f.location.expression ? {expression: f.location.expression} : {})}))
    expect(got).to.deep.equal(expected('patients.expected.json'))
  })

  it('checks the Bundle rules of a transaction', () => {
    const r = validate('bundle-invalid.json')
    expect(r.code).to.equal(1)
    expect(r.out.findings.map((f: any) => ({rule: f.rule, record: f.location.record, expression: f.location.expression}))).to.deep.equal(expected('bundle-invalid.expected.json'))
  })

  it('checks US Core Patient rules with --profile us-core only', () => {
    expect(validate('patient-us-core-invalid.json').code).to.equal(0)
    const r = validate('patient-us-core-invalid.json', '--profile', 'us-core')
    expect(r.code).to.equal(1)
    expect(r.out.findings.map((f: any) => ({rule: f.rule, expression: f.location.expression}))).to.deep.equal(expected('patient-us-core-invalid.expected.json'))
  })
})
