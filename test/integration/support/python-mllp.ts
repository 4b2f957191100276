/**
 * The script of a real MLLP peer: an `hl7.mllp` server from Debian's python3-hl7 on a free loopback port. It prints
 * `PORT n` when it listens; `onMessage` is Python run for each message `msg`: it prints what the test checks and
 * sets `ack` to the acknowledgement code to send back.
 */
export function pythonMllpServer(onMessage: string[]): string {
  const body = onMessage.map((l) => `            ${l}`).join('\n')
  return `
import asyncio
from hl7.mllp import start_hl7_server

async def handle(reader, writer):
    try:
        while not writer.is_closing():
            msg = await reader.readmessage()
${body}
            writer.writemessage(msg.create_ack(ack))
            await writer.drain()
    except asyncio.IncompleteReadError:
        if not writer.is_closing():
            writer.close()

async def main():
    server = await start_hl7_server(handle, '127.0.0.1', 0, encoding='utf-8')
    print('PORT', server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
`
}
