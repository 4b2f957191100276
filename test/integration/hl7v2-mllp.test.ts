/**
 * MLLP interop with a real peer: Debian's python3-hl7 (`/usr/bin/mllp_send` and the asyncio server in hl7.mllp).
 * Skips with a visible message where it is not installed (apt-get install python3-hl7).
 */
import {expect} from 'chai'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {MllpClient} from '../../src/lib/endpoint/mllp/client.js'
import {sendMessages} from '../../src/lib/endpoint/mllp/send-messages.js'
import {openSource} from '../../src/lib/io/source.js'
import {type Reject} from '../../src/lib/records/types.js'
import {frame} from '../../src/lib/endpoint/mllp/framing.js'
import {Hl7Message} from '../../src/lib/formats/hl7v2/message.js'
import {pythonMllpServer} from './support/python-mllp.js'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const MLLP_SEND = '/usr/bin/mllp_send'
const PYTHON = '/usr/bin/python3'
const fixture = (name: string) => readFileSync(join(root, 'fixtures/hl7v2', name), 'utf8')

/** Start a process and wait for a line on `stream` matching `re`; resolves with the match. */
function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; got: ${seen.slice(0, 500)}`)), timeoutMs)
    child[stream]!.on('data', (b: Buffer) => {
      seen += b.toString()
      const m = re.exec(seen)
      if (m) {
        clearTimeout(timer)
        resolve(m)
      }
    })
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${re}; got: ${seen.slice(0, 500)}`)))
  })
}

describe('MLLP interop with python-hl7', function () {
  this.timeout(120_000)
  if (!existsSync(MLLP_SEND)) {
    it(`skipped: ${MLLP_SEND} is missing (install Debian's python3-hl7: apt-get install -y python3-hl7)`, function () {
      this.skip()
    })
    return
  }

  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-it-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('him listen receives from mllp_send, stores each message before its ACK, and stops cleanly on SIGINT', async () => {
    const inbox = join(dir, 'inbox')
    const him = spawn('node', [join(root, 'bin/dev.js'), 'listen', '--port', '0', '-o', inbox], {cwd: root, env: {...process.env, CI: '1', NO_COLOR: '1'}})
    let stderr = ''
    him.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
    const exited = new Promise<number | null>((resolve) => him.once('exit', (code) => resolve(code)))
    try {
      const [, port] = await waitForLine(him, 'stderr', /listening on 127\.0\.0\.1:(\d+)/)
      const adt = fixture('adt-a01-synthetic.hl7').replace('|AL|NE', '') // original acknowledgement mode
      const oru = fixture('oru-r01-synthetic.hl7')
      const framed = join(dir, 'framed.bin')
      writeFileSync(framed, Buffer.concat([frame(adt), frame(oru), frame('not an HL7 message')]))
      const {stdout} = await run(MLLP_SEND, ['-p', port, '-f', framed, '127.0.0.1'])
      const acks = stdout.split(/\r|\n/).filter((l) => l.startsWith('MSA|'))
      expect(acks).to.have.length(3)
      expect(acks[0]).to.equal('MSA|AA|CTRL0001')
      expect(acks[1]).to.equal('MSA|AA|CTRL0002')
      expect(acks[2]).to.match(/^MSA\|AE\|\|/)
      expect(stdout).to.match(/ERR\|\|\|102\^/)
      // stored exactly as received; mllp_send strips the last segment's CR before framing (m.strip(SB + CR))
      const sent = (m: string) => m.replace(/\r$/, '')
      const files = readdirSync(inbox).sort()
      expect(files).to.have.length(3)
      expect(readFileSync(join(inbox, files.find((f) => f.endsWith('-CTRL0001.hl7'))!), 'utf8')).to.equal(sent(adt))
      expect(readFileSync(join(inbox, files.find((f) => f.endsWith('-CTRL0002.hl7'))!), 'utf8')).to.equal(sent(oru))
      expect(files.filter((f) => f.endsWith('.unparsed.hl7'))).to.have.length(1)
    } finally {
      him.kill('SIGINT')
    }
    expect(await exited).to.equal(0)
    expect(stderr).to.contain('stopped: 3 received, 2 stored, 1 unparsed (AE)')
  })

  it('our client sends to an hl7.mllp server and reads its AA and AE', async () => {
    const server = spawn(PYTHON, ['-c', PY_SERVER])
    let out = ''
    server.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    try {
      const [, port] = await waitForLine(server, 'stdout', /PORT (\d+)/)
      const client = new MllpClient({host: '127.0.0.1', port: Number(port), timeoutMs: 10_000})
      try {
        const msg = fixture('adt-a01-synthetic.hl7')
        const ok = await client.send(msg)
        expect(ok).to.include({code: 'AA', controlId: 'CTRL0001', accepted: true})
        expect(Hl7Message.parse(ok.raw).type.code).to.equal('ACK')
        const bad = await client.send(msg.replace('CTRL0001', 'BAD0002'))
        expect(bad).to.include({code: 'AE', controlId: 'BAD0002', accepted: false})
      } finally {
        await client.close()
      }
      // python-hl7 parsed what we sent: the control ids and the patient name (PID-5) as it reads them
      expect(out).to.contain('GOT CTRL0001 TESTPATIENT^ALICE^B^^^^L~SMITH^ALICE^^^^^M')
      expect(out).to.contain('GOT BAD0002')
    } finally {
      server.kill('SIGTERM')
    }
  })

  it('sendMessages sends a file of messages to an hl7.mllp server: AA counted, AE rejected with its location', async () => {
    const server = spawn(PYTHON, ['-c', PY_SERVER])
    try {
      const [, port] = await waitForLine(server, 'stdout', /PORT (\d+)/)
      const file = join(dir, 'two.hl7')
      writeFileSync(file, fixture('adt-a01-synthetic.hl7') + fixture('oru-r01-synthetic.hl7').replace('CTRL0002', 'BAD0002'))
      const rejected: Reject[] = []
      const r = await sendMessages(await openSource(file), {endpoint: {host: '127.0.0.1', port: Number(port), timeoutMs: 10_000}, rejects: {write: async (x) => void rejected.push(x)}})
      expect(r.counts).to.deep.include({in: 2, out: 1, rejected: 1})
      expect(r.acks).to.deep.equal({AA: 1, AE: 1})
      expect(rejected[0]).to.deep.include({code: 'HL7_ACK_AE', reason: 'the receiver answered AE'})
      expect(rejected[0].loc).to.deep.include({file, record: 2, field: 'MSA-1'})
    } finally {
      server.kill('SIGTERM')
    }
  })
})

const PY_SERVER = pythonMllpServer([
  "ctrl = str(msg.segment('MSH')[10])",
  "print('GOT', ctrl, str(msg.segment('PID')[5]), flush=True)",
  "ack = 'AE' if ctrl.startswith('BAD') else 'AA'",
])
