import {mkdir, open, readFile, rename} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {createServer as createTlsServer} from 'node:tls'
import {join} from 'node:path'

import {HimError} from '../../cli/errors.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {charsetOfMsh, decodeBytes, messageEncoding} from '../../formats/hl7v2/charset.js'
import {hl7Now} from '../../formats/hl7v2/datetime.js'
import {Hl7Message, Hl7ParseError} from '../../formats/hl7v2/message.js'
import {type AckCode, ackPlan, buildAck, type Outcome} from './ack.js'
import {frame, MllpDecoder, MllpFrameError} from './framing.js'

export interface ListenOptions {
  port: number
  /** 127.0.0.1 unless told otherwise. */
  host?: string
  /** Where each received message is stored, as received, before it is acknowledged. */
  outDir: string
  /** MLLP over TLS: the server's certificate chain and private key (PEM). */
  tls?: {cert: string | Buffer; key: string | Buffer}
  now?: () => Date
  /** Told of each message handled (no values: file, control id, ACK code). */
  onMessage?: (e: ReceivedMessage) => void
  /** Told of connection problems (oversized frame, socket error). */
  onProblem?: (text: string) => void
}

export interface ReceivedMessage {
  file?: string
  controlId: string
  type: string
  outcome: Outcome
  ack?: AckCode
  reason?: string
}

export interface ListenStats {
  received: number
  stored: number
  errors: number
  rejected: number
  connections: number
}

export interface Listener {
  /** The address actually bound (port 0 picks a free one). */
  host: string
  port: number
  stats: ListenStats
  /** Stop accepting, finish the messages in flight (store and ACK), then close the connections. */
  close(): Promise<ListenStats>
}

/**
 * An MLLP receiver: each message is written to its own file (fsync'd, then renamed into place) before the ACK
 * goes out, so an acknowledged message is never lost. AA (or CA) when stored; AE with an ERR segment when the
 * message cannot be parsed (it is still stored, under a `.unparsed.hl7` name, for a person to look at); AR when it
 * cannot be stored. MSH-15/16 decide whether an ACK is sent at all (see ackPlan).
 */
export async function listen(o: ListenOptions): Promise<Listener> {
  const now = o.now ?? (() => new Date())
  try {
    await mkdir(o.outDir, {recursive: true})
  } catch (error) {
    throw new HimError(`${o.outDir}: cannot make the folder for messages (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {code: 'OUTPUT_UNWRITABLE', exit: ExitCode.CANT_CREATE})
  }
  const stats: ListenStats = {received: 0, stored: 0, errors: 0, rejected: 0, connections: 0}
  const sockets = new Set<Socket>()
  const inFlight = new Set<Promise<void>>()
  const runStamp = hl7Now(now()).slice(0, 14)
  let seq = 0
  let ackSeq = 0
  let closing = false

  async function store(payload: Buffer, controlId: string, parsed: boolean): Promise<string> {
    const n = String(++seq).padStart(6, '0')
    const safeId = controlId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)
    const name = `${runStamp}-${n}${safeId ? `-${safeId}` : ''}${parsed ? '' : '.unparsed'}.hl7`
    const path = join(o.outDir, name)
    const tmp = `${path}.part`
    const fh = await open(tmp, 'wx')
    try {
      await fh.writeFile(payload)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
    // The rename itself must survive a crash too: sync the folder's entry.
    const dirHandle = await open(o.outDir, 'r')
    try {
      await dirHandle.sync()
    } finally {
      await dirHandle.close()
    }
    return path
  }

  async function handle(socket: Socket, payload: Buffer): Promise<void> {
    stats.received++
    const text = decodeBytes(payload, messageEncoding(payload, charsetOfMsh(payload.subarray(0, 4096).toString('latin1').split(/[\r\n]/)[0])))
    let msg: Hl7Message | undefined
    let parseProblem: string | undefined
    try {
      msg = Hl7Message.parse(text)
    } catch (error) {
      if (!(error instanceof Hl7ParseError)) throw error
      parseProblem = error.message
    }
    if (msg && (!msg.type.code || !msg.controlId)) parseProblem = 'MSH-9 (message type) or MSH-10 (control id) is empty'
    const controlId = msg?.controlId ?? ''
    let outcome: Outcome = parseProblem ? 'error' : 'accepted'
    let reason = parseProblem
    let file: string | undefined
    try {
      file = await store(payload, controlId, !parseProblem)
      if (!parseProblem) stats.stored++
    } catch (error) {
      outcome = 'rejected'
      reason = `the message could not be stored (${(error as NodeJS.ErrnoException).code ?? 'error'})`
    }
    if (outcome === 'error') stats.errors++
    if (outcome === 'rejected') stats.rejected++
    const code = ackPlan(msg, outcome)
    if (code && !socket.destroyed) {
      const ack = buildAck(msg, code, {
        now: now(),
        controlId: `ACK${runStamp}${String(++ackSeq).padStart(6, '0')}`,
        text: reason,
        errorCode: outcome === 'error' ? (msg ? '101' : '102') : outcome === 'rejected' ? '207' : undefined,
      })
      socket.write(frame(ack.toString()))
    }
    o.onMessage?.({file, controlId, type: msg ? `${msg.type.code}^${msg.type.event}` : '', outcome, ack: code, reason})
  }

  const onConnection = (socket: Socket) => {
    stats.connections++
    sockets.add(socket)
    const decoder = new MllpDecoder()
    // Messages on one connection are handled in order: the next waits for the previous one's ACK.
    let chain: Promise<void> = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[]
      try {
        payloads = decoder.push(chunk)
      } catch (error) {
        if (!(error instanceof MllpFrameError)) throw error
        o.onProblem?.(`${socket.remoteAddress}: ${error.message}; connection closed`)
        socket.destroy()
        return
      }
      for (const p of payloads) {
        const job = chain.then(() => handle(socket, p)).catch((error: Error) => o.onProblem?.(`message not handled: ${error.message}`))
        chain = job
        inFlight.add(job)
        void job.finally(() => inFlight.delete(job))
      }
    })
    socket.on('error', (e: NodeJS.ErrnoException) => o.onProblem?.(`connection error (${e.code ?? e.message})`))
    socket.on('close', () => sockets.delete(socket))
  }
  const server: Server = o.tls ? createTlsServer({cert: o.tls.cert, key: o.tls.key}, onConnection) : createServer(onConnection)
  if (o.tls) server.on('tlsClientError', (e: NodeJS.ErrnoException) => o.onProblem?.(`TLS handshake failed (${e.code ?? e.message})`))

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address()
  const bound = typeof addr === 'object' && addr ? addr : {address: o.host ?? '127.0.0.1', port: o.port}

  return {
    host: bound.address,
    port: bound.port,
    stats,
    async close() {
      if (closing) return stats
      closing = true
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      while (inFlight.size) await Promise.allSettled([...inFlight])
      for (const s of sockets) s.end()
      const forced = setTimeout(() => {
        for (const s of sockets) s.destroy()
      }, 2000)
      await stopped
      clearTimeout(forced)
      return stats
    },
  }
}

export interface ReceiveResult extends ListenStats {
  host: string
  port: number
  outDir: string
  durationMs: number
}

/**
 * `him listen`: receive until `signal` aborts (SIGINT/SIGTERM), then stop accepting, finish what is in flight and
 * return the counts. A port that cannot be bound or a folder that cannot be made ends the run with a HimError.
 */
export async function receiveUntilStopped(
  o: ListenOptions & {signal: AbortSignal; onReady?: (l: {host: string; port: number}) => void; tlsFiles?: {cert: string; key: string}},
): Promise<ReceiveResult> {
  const started = Date.now()
  let tls = o.tls
  if (o.tlsFiles) {
    const read = (path: string) =>
      readFile(path).catch((error: NodeJS.ErrnoException) => {
        throw new HimError(`${path}: cannot read (${error.code ?? 'error'})`, {code: 'INPUT_MISSING', exit: ExitCode.NO_INPUT})
      })
    tls = {cert: await read(o.tlsFiles.cert), key: await read(o.tlsFiles.key)}
  }
  let l: Listener
  try {
    l = await listen({...o, tls})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const where = `${o.host ?? '127.0.0.1'}:${o.port}`
    if (code === 'EADDRINUSE') throw new HimError(`${where}: the port is already in use`, {code: 'PORT_IN_USE', exit: ExitCode.UNAVAILABLE, suggestion: 'stop the other listener, or choose another --port'})
    if (code === 'EACCES') throw new HimError(`${where}: not allowed to listen on this port`, {code: 'PORT_DENIED', exit: ExitCode.UNAVAILABLE, suggestion: 'ports below 1024 need privileges; choose e.g. --port 2575'})
    if (typeof code === 'string' && code.startsWith('ERR_OSSL'))
      throw new HimError('the TLS certificate or key cannot be used (not PEM, or they do not match)', {code: 'TLS_BAD_CERT', exit: ExitCode.DATA})
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new HimError(`${where}: no such address on this machine`, {code: 'BAD_HOST', exit: ExitCode.USAGE})
    throw error
  }
  o.onReady?.({host: l.host, port: l.port})
  if (!o.signal.aborted) await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), {once: true}))
  const stats = await l.close()
  return {...stats, host: l.host, port: l.port, outDir: o.outDir, durationMs: Date.now() - started}
}
