import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/* eslint-disable @typescript-eslint/no-explicit-any */
const root = fileURLToPath(new URL('../../', import.meta.url))
const corpus = join(root, '../shared/data/hl7v2')
const present = existsSync(corpus)

describe('him validate on the shared HL7 v2 corpus', () => {
  ;(present ? it : it.skip)(`reads every message and points every finding at a real line and path${present ? '' : ' (skipped: ../shared/data/hl7v2 not present)'}`, () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.hl7')).map((f) => join(corpus, f))
    const r = spawnSync(process.execPath, [join(root, 'bin/dev.js'), 'validate', ...files, '--json', '--fail-on', 'never'], {cwd: root, encoding: 'utf8', maxBuffer: 1 << 26})
    expect(r.status, r.stderr).to.equal(0)
    const out = JSON.parse(r.stdout)
    const messages = files.reduce((n, f) => n + (readFileSync(f, 'utf8').replace(/^\uFEFF/, '').match(/(^|[\r\n])MSH\|/g) ?? []).length, 0)
    expect(out.records).to.equal(messages)
    expect(out.findings.filter((f: any) => f.rule === 'hl7.message.unreadable')).to.deep.equal([])
    const lines = new Map(files.map((f) => [f, readFileSync(f, 'utf8').replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)]))
    for (const f of out.findings) {
      const text = lines.get(f.location.file)!
      expect(f.location.path, JSON.stringify(f)).to.match(/^[A-Z][A-Z0-9]{2}(\[\d+\])?(-\d+)?/)
      const segment = f.location.path.slice(0, 3)
      // A missing segment is reported at the message's MSH line; anything else at the segment's own line.
      const want = f.rule === 'hl7.segment.missing' ? 'MSH' : segment
      expect(text[f.location.line - 1].slice(0, 3), JSON.stringify(f)).to.equal(want)
    }
  })
})
