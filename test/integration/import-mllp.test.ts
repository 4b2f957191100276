import {expect} from 'chai'
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {listen, type Listener} from '../../src/lib/endpoint/mllp/listener.js'
import {himAsync} from './support/run-cli.js'
import {tempDir} from './support/test-keys.js'

// him import of an HL7 v2 file to an MLLP endpoint (the him listen receiver, in this process), through sendMessages.
// The fixture messages are synthetic (fixtures/hl7v2/README.md).
const root = fileURLToPath(new URL('../..', import.meta.url))
const BATCH = join(root, 'fixtures/hl7v2/batch-synthetic.hl7')

describe('him import (MLLP endpoint)', () => {
  let receiver: Listener
  let dir: string
  let inbox: string

  before(async () => {
    dir = tempDir('himkit-import-mllp-')
    inbox = join(dir, 'inbox')
    receiver = await listen({port: 0, outDir: inbox})
    writeFileSync(join(dir, 'himkit.config.json'), JSON.stringify({version: 1, endpoints: [{name: 'lab', kind: 'mllp', host: '127.0.0.1', port: receiver.port}]}))
  })

  after(async () => receiver?.close())

  it('sends every message of an HL7 file and counts the ACKs', async () => {
    const r = await himAsync(['import', BATCH, '--endpoint', 'lab', '--json'], {cwd: dir})
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts.in).to.equal(2) // the two messages of the batch file (inside FHS/BHS)
    expect(j.counts).to.include({created: j.counts.in, rejected: 0})
    expect(j.balanced).to.equal(true)
    expect(readdirSync(inbox).filter((f) => f.endsWith('.hl7'))).to.have.length(j.counts.in)
  })

  it('refuses a CSV for an MLLP endpoint (exit 64)', async () => {
    const r = await himAsync(['import', join(root, 'fixtures/sample/patients.csv'), '--endpoint', 'lab'], {cwd: dir})
    expect(r.code).to.equal(64)
    expect(r.stderr).to.match(/an MLLP endpoint takes HL7 v2 messages, this is csv/)
  })
})
