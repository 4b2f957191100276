import {connect as tcpConnect, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'

import {type AckReading, readAck} from './ack.js'
import {frame, MllpDecoder} from './framing.js'

export interface MllpClientOptions {
  host: string
  port: number
  tls?: boolean
  /** PEM of a CA to trust (TLS). */
  ca?: string | Buffer
  /** How long to wait to connect, and for each ACK. */
  timeoutMs?: number
}

export class MllpError extends Error {
  constructor(
    readonly code: 'MLLP_CONNECT_FAILED' | 'MLLP_ACK_TIMEOUT' | 'MLLP_CLOSED' | 'MLLP_BAD_ACK',
    message: string,
  ) {
    super(message)
  }
}

/**
 * One MLLP connection to a receiver: send a message, wait for its ACK (one message in flight at a time, as MLLP
 * requires), with a timeout. A timed-out connection is closed: the ACK might still arrive and must not be taken
 * for the next message's.
 */
export class MllpClient {
  private socket?: Socket
  private readonly decoder = new MllpDecoder()
  private waiting?: {resolve: (b: Buffer) => void; reject: (e: Error) => void}
  private readonly early: Buffer[] = []

  constructor(private readonly opts: MllpClientOptions) {}

  get where(): string {
    return `${this.opts.host}:${this.opts.port}`
  }

  async connect(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return
    const timeoutMs = this.opts.timeoutMs ?? 10_000
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = this.opts.tls
        ? tlsConnect({host: this.opts.host, port: this.opts.port, ca: this.opts.ca, servername: this.opts.host})
        : tcpConnect({host: this.opts.host, port: this.opts.port})
      const timer = setTimeout(() => {
        s.destroy()
        reject(new MllpError('MLLP_CONNECT_FAILED', `${this.where}: no connection within ${timeoutMs} ms`))
      }, timeoutMs)
      s.once(this.opts.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(new MllpError('MLLP_CONNECT_FAILED', `${this.where}: cannot connect (${e.code ?? e.message})`))
      })
    })
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) {
        const w = this.waiting
        this.waiting = undefined
        if (w) w.resolve(payload)
        else this.early.push(payload)
      }
    })
    const fail = (e: Error) => {
      const w = this.waiting
      this.waiting = undefined
      w?.reject(e)
    }
    socket.on('error', (e: NodeJS.ErrnoException) => fail(new MllpError('MLLP_CLOSED', `${this.where}: connection failed (${e.code ?? e.message})`)))
    socket.on('close', () => fail(new MllpError('MLLP_CLOSED', `${this.where}: the receiver closed the connection before it acknowledged`)))
    this.socket = socket
  }

  /** Send one message and return its ACK, read. Throws MllpError on timeout, closed connection or a reply that is not an ACK. */
  async send(message: string): Promise<AckReading & {raw: string}> {
    await this.connect()
    const socket = this.socket!
    const timeoutMs = this.opts.timeoutMs ?? 10_000
    this.early.length = 0
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined
        socket.destroy()
        reject(new MllpError('MLLP_ACK_TIMEOUT', `${this.where}: no ACK within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting = {
        resolve: (b) => {
          clearTimeout(timer)
          resolve(b)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
    })
    socket.write(frame(message))
    const raw = (await reply).toString('utf8')
    try {
      return {...readAck(raw), raw}
    } catch (error) {
      throw new MllpError('MLLP_BAD_ACK', `${this.where}: the reply is not an HL7 ACK (${(error as Error).message})`)
    }
  }

  async close(): Promise<void> {
    const s = this.socket
    this.socket = undefined
    if (!s || s.destroyed) return
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve())
      s.end()
      setTimeout(() => s.destroy(), 2000).unref()
    })
  }
}

export interface SendOptions {
  retries?: number
  /** Wait before retry n (1-based): backoff(n) ms. */
  backoffMs?: (attempt: number) => number
}

/**
 * Send a message and wait for its ACK, retrying on connection failures and timeouts (not on AE/AR: a receiver
 * that read the message and refused it will refuse it again).
 */
export async function sendWithRetry(client: MllpClient, message: string, o: SendOptions = {}): Promise<AckReading & {raw: string}> {
  const retries = o.retries ?? 2
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.send(message)
    } catch (error) {
      if (!(error instanceof MllpError) || error.code === 'MLLP_BAD_ACK' || attempt >= retries) throw error
      await client.close()
      await new Promise((r) => setTimeout(r, o.backoffMs?.(attempt + 1) ?? 250 * 2 ** attempt))
    }
  }
}
