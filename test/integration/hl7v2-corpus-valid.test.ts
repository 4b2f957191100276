import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

// The FHIR that `him convert` makes from the shared HL7 v2 corpus passes `him validate` (which agrees with the
// HAPI validator) without errors: coded v2 fields are mapped to the code systems their FHIR elements are bound to.
const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const corpus = join(root, '../shared/data/hl7v2')
const present = existsSync(corpus)

async function him(...args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const {stdout, stderr} = await run('node', [join(root, 'bin/run.js'), ...args], {cwd: root, env: {...process.env, CI: '1', NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024})
    return {code: 0, stdout, stderr}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stdout: e.stdout, stderr: e.stderr}
  }
}

describe('him convert of the shared HL7 v2 corpus gives valid FHIR', function () {
  this.timeout(120_000)
  ;(present ? it : it.skip)(`has no validation errors (languages, marital status, admit source, attachments)${present ? '' : ' (skipped: ../shared/data/hl7v2 not present)'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'him-hl7-valid-'))
    try {
      const out = join(dir, 'corpus.ndjson')
      const files = readdirSync(corpus).filter((f) => f.endsWith('.hl7')).map((f) => join(corpus, f))
      const c = await him('convert', ...files, '--to', 'ndjson', '-o', out, '--rejects', join(dir, 'rejects.ndjson'), '--json')
      expect(JSON.parse(c.stdout).counts.out, c.stderr).to.be.greaterThan(10)
      const v = await him('validate', out, '--json')
      const report = JSON.parse(v.stdout)
      const errors = report.findings.filter((f: {severity: string}) => f.severity === 'error').map((f: {rule: string; location: {expression?: string}}) => `${f.rule} ${f.location.expression}`)
      expect(errors).to.deep.equal([])
      expect(report.counts.error).to.equal(0)
      expect(report.records).to.be.greaterThan(10)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
