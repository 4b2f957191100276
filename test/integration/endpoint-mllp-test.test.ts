/**
 * `him endpoint test` for an endpoint of kind mllp, against a real peer: an asyncio MLLP server from Debian's
 * python3-hl7 (hl7.mllp), as in hl7v2-mllp.test.ts. Skips with a visible message where it is not installed.
 */
import {expect} from 'chai'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {himAsync} from './support/run-cli.js'
import {writeConfig} from './support/test-keys.js'
import {pythonMllpServer} from './support/python-mllp.js'

const MLLP_SEND = '/usr/bin/mllp_send'
const PYTHON = '/usr/bin/python3'

/** An hl7.mllp server that prints what it receives and answers AA, or AR to a network-management query (NMQ). */
const PY_SERVER = pythonMllpServer([
  "kind = str(msg.segment('MSH')[9])",
  "print('GOT', kind, str(msg.segment('MSH')[11]), flush=True)",
  "ack = 'AR' if kind.startswith('NMQ') else 'AA'",
])

/** A TCP server that accepts and never answers: connects, but no ACK ever comes. */
function silentServer(): Promise<{port: number; close: () => Promise<void>}> {
  const sockets = new Set<Socket>()
  const s = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const close = () => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((r) => s.close(() => r()))
  }
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({port: (s.address() as {port: number}).port, close})))
}

async function deadPort(): Promise<number> {
  const s = await silentServer()
  await s.close()
  return s.port
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`the python-hl7 server printed no port; got: ${seen}`)), 30_000)
    child.stdout!.on('data', (b: Buffer) => {
      seen += b.toString()
      const m = /PORT (\d+)/.exec(seen)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => reject(new Error(`the python-hl7 server exited (${code}); got: ${seen}`)))
  })
}

describe('him endpoint test: MLLP endpoints against python-hl7', function () {
  this.timeout(60_000)
  if (!existsSync(MLLP_SEND)) {
    it(`skipped: ${MLLP_SEND} is missing (install Debian's python3-hl7: apt-get install -y python3-hl7)`, function () {
      this.skip()
    })
    return
  }

  let dir: string
  let server: ChildProcess
  let received = ''
  let silent: {port: number; close: () => Promise<void>}
  const run = (...args: string[]) => himAsync(['endpoint', 'test', ...args], {cwd: dir})

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'him-mllp-probe-'))
    server = spawn(PYTHON, ['-c', PY_SERVER])
    server.stdout!.on('data', (b: Buffer) => (received += b.toString()))
    const port = await waitForPort(server)
    silent = await silentServer()
    writeConfig(dir, [
      {name: 'adt-feed', kind: 'mllp', host: '127.0.0.1', port},
      {name: 'dead', kind: 'mllp', host: '127.0.0.1', port: await deadPort(), timeoutMs: 2000},
      {name: 'mute', kind: 'mllp', host: '127.0.0.1', port: silent.port, timeoutMs: 1000},
    ])
  })

  after(async () => {
    server?.kill('SIGTERM')
    await silent?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('connects and sends nothing without --ping', async () => {
    // messages the server got, not its raw output: the end of its PORT line may arrive in a later chunk
    const got = () => received.split('\n').filter((l) => l.startsWith('GOT ')).length
    const before = got()
    const r = await run('adt-feed')
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.match(/Connected to endpoint "adt-feed" \(mllp:\/\/127\.0\.0\.1:\d+\)/)
    expect(r.stdout).to.match(/latency\s+\d+ ms \(connect\)/)
    expect(r.stdout).to.contain('not checked, nothing was sent')
    expect(got()).to.equal(before)
  })

  it('with --ping sends one NMQ^N01 (processing id D) and reports the ACK code, also as JSON', async () => {
    const r = await run('adt-feed', '--ping', '--json')
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j).to.deep.include({name: 'adt-feed', kind: 'mllp', reachable: true, tls: false})
    expect(j.connectMs).to.be.a('number')
    expect(j.ack.code).to.equal('AR')
    expect(j.ack.ms).to.be.a('number')
    // python-hl7 parsed what we sent
    expect(received).to.contain('GOT NMQ^N01^NMQ_N01 D')
    const human = await run('adt-feed', '--ping')
    expect(human.stdout).to.match(/ACK to NMQ\^N01\s+AR in \d+ ms/)
  })

  it('exits 69 when nothing listens, with --json too', async () => {
    const r = await run('dead')
    expect(r.code).to.equal(69)
    expect(r.stderr).to.match(/endpoint "dead" \(mllp:\/\/127\.0\.0\.1:\d+\): not reachable/)
    const j = await run('dead', '--json')
    expect(j.code).to.equal(69)
    expect(j.stdout).to.contain('ENDPOINT_UNREACHABLE')
  })

  it('exits 69 when --ping gets no ACK from a receiver that connects but never answers', async () => {
    const r = await run('mute', '--ping')
    expect(r.code).to.equal(69)
    expect(r.stderr).to.match(/connected, but no ACK to the ping: .*no ACK within 1000 ms/)
  })

  it('refuses --ping for a FHIR endpoint (usage, 64)', async () => {
    writeConfig(dir, [{name: 'fhir1', kind: 'fhir', url: 'http://127.0.0.1:9/fhir'}])
    const r = await run('fhir1', '--ping')
    expect(r.code).to.equal(64)
  })
})
