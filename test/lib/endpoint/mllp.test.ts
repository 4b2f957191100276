import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {ackPlan, buildAck, readAck} from '../../../src/lib/endpoint/mllp/ack.js'
import {MllpClient, MllpError} from '../../../src/lib/endpoint/mllp/client.js'
import {frame, MllpDecoder, MllpFrameError} from '../../../src/lib/endpoint/mllp/framing.js'
import {listen, receiveUntilStopped} from '../../../src/lib/endpoint/mllp/listener.js'
import {sendMessages} from '../../../src/lib/endpoint/mllp/send-messages.js'
import {pingMessage, probeMllp} from '../../../src/lib/endpoint/mllp/probe.js'
import {HimError} from '../../../src/lib/cli/errors.js'
import {type Reject} from '../../../src/lib/records/types.js'
import {Hl7Message} from '../../../src/lib/formats/hl7v2/message.js'

const MSG = (id: string, extra = '') => `MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20240101000000||ADT^A04^ADT_A01|${id}|P|2.5.1${extra}\rPID|1||${id}^^^^MR||SYNTHETIC^PATIENT\r`

describe('MLLP framing', () => {
  it('frames a message as 0x0B message 0x1C 0x0D', () => {
    expect([...frame('AB')]).to.deep.equal([0x0b, 0x41, 0x42, 0x1c, 0x0d])
  })

  it('finds several frames in one read, skipping bytes between them', () => {
    const d = new MllpDecoder()
    const got = d.push(Buffer.concat([frame('one'), Buffer.from('\r\n'), frame('two'), frame('thr')]))
    expect(got.map(String)).to.deep.equal(['one', 'two', 'thr'])
    expect(d.skipped).to.equal(2)
    expect(d.pending).to.equal(false)
  })

  it('joins a frame split across reads at every possible point, multi-byte characters included', () => {
    const all = Buffer.concat([frame('MSH|Zoë\r'), frame('second')])
    for (let cut = 1; cut < all.length; cut++) {
      const d = new MllpDecoder()
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))]
      expect(got.map((b) => b.toString('utf8')), `cut at ${cut}`).to.deep.equal(['MSH|Zoë\r', 'second'])
    }
  })

  it('refuses a frame that never ends past the size limit', () => {
    const d = new MllpDecoder(10)
    expect(() => d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(20, 0x41)]))).to.throw(MllpFrameError)
  })
})

describe('HL7 ACK', () => {
  const now = new Date(Date.UTC(2024, 1, 2, 3, 4, 5))

  it('swaps sender and receiver and echoes MSH-10 in MSA-2', () => {
    const ack = buildAck(Hl7Message.parse(MSG('C42')), 'AA', {now, controlId: 'A1'})
    expect(ack.toString()).to.equal('MSH|^~\\&|RECVAPP|RECVFAC|SENDAPP|SENDFAC|20240202030405+0000||ACK^A04^ACK|A1|P|2.5.1\rMSA|AA|C42\r')
    expect(readAck(ack.toString())).to.deep.equal({code: 'AA', controlId: 'C42', text: '', accepted: true})
  })

  it('adds an ERR segment to AE/AR, and reads its text back', () => {
    const ack = buildAck(undefined, 'AE', {now, controlId: 'A2', text: 'the message does not start with an MSH segment', errorCode: '102'})
    expect(ack.segment('ERR')!.toString()).to.equal('ERR|||102^Data type error^HL70357|E||||the message does not start with an MSH segment')
    expect(readAck(ack.toString())).to.include({code: 'AE', accepted: false, text: 'the message does not start with an MSH segment'})
  })

  it('chooses the ACK by MSH-15/MSH-16', () => {
    const plan = (m15: string, m16: string, outcome: 'accepted' | 'error' | 'rejected') =>
      ackPlan(Hl7Message.parse(MSG('X', `|||${m15}|${m16}`)), outcome)
    expect(plan('', '', 'accepted')).to.equal('AA')
    expect(plan('', '', 'error')).to.equal('AE')
    expect(plan('', '', 'rejected')).to.equal('AR')
    expect(plan('AL', 'NE', 'accepted')).to.equal('CA')
    expect(plan('AL', 'NE', 'error')).to.equal('CE')
    expect(plan('ER', 'NE', 'accepted')).to.equal(undefined)
    expect(plan('ER', 'NE', 'rejected')).to.equal('CR')
    expect(plan('SU', 'NE', 'error')).to.equal(undefined)
    expect(plan('NE', 'AL', 'accepted')).to.equal('AA')
    expect(plan('NE', 'ER', 'accepted')).to.equal(undefined)
    expect(plan('NE', 'NE', 'accepted')).to.equal(undefined)
    expect(ackPlan(undefined, 'error')).to.equal('AE')
  })
})

describe('MLLP listener and client', function () {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('stores each message before its ACK: AA for a message, AE with ERR for text that is not one', async () => {
    const l = await listen({port: 0, outDir: dir})
    const c = new MllpClient({host: '127.0.0.1', port: l.port, timeoutMs: 5000})
    try {
      const a = await c.send(MSG('M1'))
      expect(a).to.include({code: 'AA', controlId: 'M1', accepted: true})
      expect(readdirSync(dir).filter((f) => f.endsWith('-M1.hl7'))).to.have.length(1)
      const b = await c.send('this is not HL7')
      expect(b).to.include({code: 'AE', accepted: false})
      expect(b.raw).to.match(/\rERR\|/)
    } finally {
      await c.close()
    }
    const stats = await l.close()
    expect(stats).to.include({received: 2, stored: 1, errors: 1})
    const files = readdirSync(dir).sort()
    expect(files).to.have.length(2)
    expect(readFileSync(join(dir, files.find((f) => f.endsWith('-M1.hl7'))!), 'utf8')).to.equal(MSG('M1'))
    expect(files.some((f) => f.endsWith('.unparsed.hl7'))).to.equal(true)
  })

  it('handles several frames in one write and a frame split over writes, acknowledging each in order', async () => {
    const l = await listen({port: 0, outDir: dir})
    const acks: string[] = []
    await new Promise<void>((resolve, reject) => {
      const s = connect(l.port, '127.0.0.1', () => {
        const two = Buffer.concat([frame(MSG('F1')), frame(MSG('F2'))])
        const third = frame(MSG('F3'))
        s.write(two)
        s.write(third.subarray(0, 7))
        setTimeout(() => s.write(third.subarray(7)), 50)
      })
      const d = new MllpDecoder()
      s.on('data', (chunk: Buffer) => {
        for (const p of d.push(chunk)) acks.push(readAck(p.toString()).controlId)
        if (acks.length === 3) s.end()
      })
      s.on('close', () => resolve())
      s.on('error', reject)
    })
    expect(acks).to.deep.equal(['F1', 'F2', 'F3'])
    expect((await l.close()).stored).to.equal(3)
  })

  it('answers AR with an ERR segment when the message cannot be stored', async () => {
    const inbox = join(dir, 'inbox')
    const l = await listen({port: 0, outDir: inbox})
    rmSync(inbox, {recursive: true}) // the folder disappears under the running listener
    const c = new MllpClient({host: '127.0.0.1', port: l.port, timeoutMs: 5000})
    try {
      const a = await c.send(MSG('S9'))
      expect(a).to.include({code: 'AR', controlId: 'S9', accepted: false})
      expect(a.text).to.equal('the message could not be stored (ENOENT)')
      expect(a.raw).to.contain('\rERR|||207^Application internal error^HL70357|E|')
    } finally {
      await c.close()
      await l.close()
    }
    expect(l.stats).to.include({received: 1, stored: 0, rejected: 1})
  })

  it('times out waiting for an ACK that never comes', async () => {
    const l = await listen({port: 0, outDir: dir})
    const c = new MllpClient({host: '127.0.0.1', port: l.port, timeoutMs: 300})
    try {
      // MSH-15/16 NE/NE: the listener stores the message and, as asked, sends no ACK.
      await c.send(MSG('N1', '|||NE|NE')).then(
        () => expect.fail('expected a timeout'),
        (e: MllpError) => expect(e.code).to.equal('MLLP_ACK_TIMEOUT'),
      )
    } finally {
      await c.close()
      await l.close()
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('-N1.hl7'))).to.have.length(1)
  })

  it('says when nobody listens', async () => {
    const l = await listen({port: 0, outDir: dir})
    const port = l.port
    await l.close()
    const c = new MllpClient({host: '127.0.0.1', port, timeoutMs: 2000})
    await c.send(MSG('Z')).then(
      () => expect.fail('expected a connection failure'),
      (e: MllpError) => expect(e.code).to.equal('MLLP_CONNECT_FAILED'),
    )
  })
})

describe('sendMessages (him import of an HL7 file to an MLLP endpoint)', function () {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  const source = (text: string) => ({name: 'msgs.hl7', head: Buffer.from(text.slice(0, 100)), open: () => Readable.from([Buffer.from(text)])})
  const collect = () => {
    const got: Reject[] = []
    return {got, sink: {write: async (r: Reject) => void got.push(r)}}
  }

  it('counts AA as sent, rejects AE with the receiver text and unreadable text without sending it', async () => {
    const l = await listen({port: 0, outDir: dir})
    const {got, sink} = collect()
    try {
      const noControlId = MSG('') // MSH-10 empty: the listener answers AE
      const text = 'PID|1||stray\r' + MSG('S1') + noControlId + MSG('S3')
      const r = await sendMessages(source(text), {endpoint: {host: '127.0.0.1', port: l.port, timeoutMs: 5000}, rejects: sink})
      expect(r.counts).to.deep.include({in: 4, out: 2, rejected: 2})
      expect(r.balanced).to.equal(true)
      expect(r.acks).to.deep.equal({AA: 2, AE: 1})
      expect(got.map((x) => x.code)).to.deep.equal(['HL7_SEGMENT_OUTSIDE_MESSAGE', 'HL7_ACK_AE'])
      expect(got[1].reason).to.equal('the receiver answered AE: MSH-9 (message type) or MSH-10 (control id) is empty')
      expect(got[1].loc).to.include({line: 4, record: 2, field: 'MSA-1'})
    } finally {
      await l.close()
    }
    expect(l.stats.received).to.equal(3)
  })

  it('stops with exit 69 when the receiver is unreachable, after its retries', async () => {
    const l = await listen({port: 0, outDir: dir})
    const port = l.port
    await l.close()
    const {sink} = collect()
    const err = await sendMessages(source(MSG('U1')), {endpoint: {host: '127.0.0.1', port, timeoutMs: 1000}, rejects: sink, retries: 1, backoffMs: () => 10}).then(
      () => undefined,
      (e: HimError) => e,
    )
    expect(err).to.be.instanceOf(HimError)
    expect(err!.exit).to.equal(69)
    expect(err!.message).to.match(/cannot connect .*0 message\(s\) acknowledged before, stopped at message 1 \(line 1\)/)
  })
})

describe('receiveUntilStopped (him listen)', function () {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('runs until aborted and returns the counts; a port in use ends the run with exit 69', async () => {
    const stop = new AbortController()
    let ready: (p: number) => void
    const port = new Promise<number>((r) => (ready = r))
    const run = receiveUntilStopped({port: 0, outDir: dir, signal: stop.signal, onReady: (l) => ready(l.port)})
    const p = await port
    const c = new MllpClient({host: '127.0.0.1', port: p, timeoutMs: 5000})
    expect((await c.send(MSG('R1'))).code).to.equal('AA')
    const busy = await receiveUntilStopped({port: p, outDir: dir, signal: new AbortController().signal}).then(
      () => undefined,
      (e: HimError) => e,
    )
    expect(busy).to.be.instanceOf(HimError)
    expect(busy).to.include({code: 'PORT_IN_USE', exit: 69})
    await c.close()
    stop.abort()
    expect(await run).to.include({received: 1, stored: 1, port: p, outDir: dir})
  })
})

describe('MLLP over TLS', function () {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('the client sends to a TLS listener it trusts, and refuses one it does not', async function () {
    if (!existsSync('/usr/bin/openssl')) {
      this.skip() // needs /usr/bin/openssl to make a throwaway certificate
    }
    const cert = join(dir, 'c.pem')
    const key = join(dir, 'k.pem')
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], {stdio: 'ignore'})
    const l = await listen({port: 0, outDir: join(dir, 'in'), tls: {cert: readFileSync(cert), key: readFileSync(key)}})
    try {
      const trusted = new MllpClient({host: 'localhost', port: l.port, tls: true, ca: readFileSync(cert), timeoutMs: 5000})
      expect((await trusted.send(MSG('T1'))).code).to.equal('AA')
      await trusted.close()
      const untrusted = new MllpClient({host: 'localhost', port: l.port, tls: true, timeoutMs: 5000})
      await untrusted.send(MSG('T2')).then(
        () => expect.fail('expected the self-signed certificate to be refused'),
        (e: MllpError) => expect(e.code).to.equal('MLLP_CONNECT_FAILED'),
      )
    } finally {
      await l.close()
    }
    expect(readdirSync(join(dir, 'in'))).to.have.length(1)
  })
})

describe('probeMllp (him endpoint test)', function () {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'him-mllp-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('connects without sending a message, and says why when it cannot', async () => {
    const l = await listen({port: 0, outDir: dir})
    const up = await probeMllp({host: '127.0.0.1', port: l.port})
    await l.close()
    expect(up.reachable).to.equal(true)
    expect(l.stats).to.include({connections: 1, received: 0})
    const down = await probeMllp({host: '127.0.0.1', port: l.port, timeoutMs: 2000})
    expect(down.reachable).to.equal(false)
    expect(down.problem).to.match(/cannot connect \(ECONNREFUSED\)/)
  })
  it('with ping sends one NMQ^N01 (processing id D) and reads the ACK our listener gives it', async () => {
    const l = await listen({port: 0, outDir: dir})
    const r = await probeMllp({host: '127.0.0.1', port: l.port}, {ping: {msh: {sendingApplication: 'HIMKIT', receivingApplication: 'EHR'}}})
    await l.close()
    expect(r.reachable).to.equal(true)
    expect(r.ack?.code).to.equal('AA')
    expect(r.ack?.ms).to.be.a('number')
    expect(l.stats).to.include({connections: 1, received: 1})
  })

  it('builds the ping as MSH + NCK, NMQ^N01^NMQ_N01, processing id D', () => {
    const m = Hl7Message.parse(pingMessage({msh: {sendingApplication: 'HIMKIT'}, now: new Date(Date.UTC(2024, 0, 2, 3, 4, 5))}))
    expect(m.segments.map((s) => s.name)).to.deep.equal(['MSH', 'NCK'])
    expect(m.get('MSH-9')).to.equal('NMQ^N01^NMQ_N01')
    expect(m.get('MSH-11')).to.equal('D')
    expect(m.get('MSH-3')).to.equal('HIMKIT')
    expect(m.get('NCK-1')).to.match(/^2024010[12]/)
  })
})
