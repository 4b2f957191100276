import {createServer} from 'node:net'

/** A loopback port nothing listens on: bound, then closed, so connecting to it is refused. */
export async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const {port} = s.address() as {port: number}
  await new Promise<void>((r) => s.close(() => r()))
  return port
}
