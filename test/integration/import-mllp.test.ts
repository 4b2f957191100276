import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {listen, type Listener} from '../../src/lib/endpoint/mllp/listener.js'
import {himAsync} from './support/run-cli.js'
import {pythonMllpServer} from './support/python-mllp.js'
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

  it('Ctrl-C stops after the message on the wire (journaled); --resume sends exactly the rest', async function () {
    if (!existsSync('/usr/lib/python3/dist-packages/hl7/mllp')) this.skip() // Debian python3-hl7 (installed by .ci/run)
    // 200 synthetic ADT messages: the sample CSV through him convert
    const hl7 = join(dir, 'adt.hl7')
    const c = await himAsync(['convert', join(root, 'fixtures/sample/patients.csv'), '--to', 'hl7', '-o', hl7], {cwd: dir})
    expect(c.code, c.stderr).to.equal(0)
    // a real MLLP peer (python3-hl7) that takes 10 ms a message, so the run is still going when Ctrl-C comes
    const peer = spawn('/usr/bin/python3', ['-c', pythonMllpServer(["print('GOT', str(msg.segment('MSH')[10]), flush=True)", 'await asyncio.sleep(0.01)', "ack = 'AA'"])])
    try {
      const got: string[] = []
      let out = ''
      const port = await new Promise<number>((resolve, reject) => {
        peer.once('exit', (code) => reject(new Error(`the python MLLP server exited (${code})`)))
        peer.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const lines = out.split('\n')
          out = lines.pop()!
          for (const l of lines) {
            const m = /^PORT (\d+)/.exec(l)
            if (m) resolve(Number(m[1]))
            else if (l.startsWith('GOT ')) got.push(l.slice(4))
          }
        })
      })
      writeFileSync(join(dir, 'himkit.config.json'), JSON.stringify({version: 1, endpoints: [{name: 'lab', kind: 'mllp', host: '127.0.0.1', port: receiver.port}, {name: 'slow', kind: 'mllp', host: '127.0.0.1', port}]}))
      const child = spawn(process.execPath, [join(root, 'bin/run.js'), 'import', hl7, '--endpoint', 'slow'], {cwd: dir, env: {...process.env, NO_COLOR: '1'}})
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const poll = setInterval(() => {
        if (got.length >= 20) {
          clearInterval(poll)
          child.kill('SIGINT')
        }
      }, 10)
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      clearInterval(poll)
      expect(code, stderr).to.equal(130)
      expect(stderr).to.match(/interrupted: the message in flight was finished and recorded in .*adt\.hl7\.import-journal\.ndjson/)
      const first = got.length
      expect(first).to.be.within(20, 199)

      const r = await himAsync(['import', hl7, '--endpoint', 'slow', '--resume', '--json'], {cwd: dir})
      expect(r.code, r.stderr + r.stdout).to.equal(0)
      const j = JSON.parse(r.stdout)
      expect(j.counts).to.include({in: 200, skipped: first, created: 200 - first, rejected: 0})
      expect(j.balanced).to.equal(true)
      expect(got, 'each message received exactly once').to.have.length(200)
      expect(new Set(got).size).to.equal(200)
      expect(existsSync(join(dir, 'adt.hl7.import-journal.ndjson')), 'a finished run removes its journal').to.equal(false)
    } finally {
      peer.kill('SIGTERM')
    }
  })

  it('refuses a CSV for an MLLP endpoint (exit 64)', async () => {
    const r = await himAsync(['import', join(root, 'fixtures/sample/patients.csv'), '--endpoint', 'lab'], {cwd: dir})
    expect(r.code).to.equal(64)
    expect(r.stderr).to.match(/an MLLP endpoint takes HL7 v2 messages, this is csv/)
  })
})
