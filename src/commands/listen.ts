import {Flags} from '@oclif/core'

import {HimCommand} from '../lib/cli/base-command.js'
import {receiveUntilStopped} from '../lib/endpoint/mllp/listener.js'

export default class Listen extends HimCommand {
  static summary = 'Receive HL7 v2 messages over MLLP, store each one in a folder, and acknowledge it.'
  static description = `Each message is written to its own file in --out (as received) before the ACK goes back, so an acknowledged message is never lost.
Replies AA when stored, AE with an ERR segment when the message cannot be parsed (it is kept as *.unparsed.hl7), AR when it cannot be stored;
MSH-15/MSH-16 (enhanced acknowledgement) are honoured. Binds 127.0.0.1 unless --host says otherwise.
Ctrl-C (SIGINT) or SIGTERM stops accepting, finishes the messages in flight, and exits with the counts.`

  static examples = [
    {description: 'Receive on port 2575 into ./inbox', command: '<%= config.bin %> <%= command.id %> --port 2575 -o inbox'},
    {description: 'Accept connections from other machines', command: '<%= config.bin %> <%= command.id %> --port 2575 --host 0.0.0.0 -o /var/spool/hl7'},
    {description: 'MLLP over TLS', command: '<%= config.bin %> <%= command.id %> --port 2576 -o inbox --tls-cert server.crt --tls-key server.key'},
    {description: 'Counts as JSON when stopped (for a service wrapper)', command: '<%= config.bin %> <%= command.id %> --port 2575 -o inbox --json'},
  ]

  static flags = {
    port: Flags.integer({char: 'p', description: 'TCP port to listen on (0: any free port, printed at start)', required: true, min: 0, max: 65535}),
    host: Flags.string({description: 'address to bind', default: '127.0.0.1'}),
    out: Flags.string({char: 'o', description: 'folder for the received messages (made if missing)', required: true}),
    'tls-cert': Flags.string({description: 'MLLP over TLS: certificate chain file (PEM)', dependsOn: ['tls-key']}),
    'tls-key': Flags.string({description: 'MLLP over TLS: private key file (PEM)', dependsOn: ['tls-cert']}),
  }

  async run() {
    const {flags} = await this.parse(Listen)
    const log = this.logger()
    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      const result = await receiveUntilStopped({
        port: flags.port,
        host: flags.host,
        outDir: flags.out,
        tlsFiles: flags['tls-cert'] && flags['tls-key'] ? {cert: flags['tls-cert'], key: flags['tls-key']} : undefined,
        signal: stop.signal,
        onReady: (l) => log.info(`listening on ${l.host}:${l.port}, storing messages in ${flags.out} (Ctrl-C stops)`),
        onMessage: (m) => log.info(`${m.ack ?? 'no ACK (MSH-15/16)'} ${m.type || 'unparsed message'}${m.controlId ? ` ${m.controlId}` : ''}${m.reason ? `: ${m.reason}` : ''}`),
        onProblem: (text) => log.warn(text),
      })
      log.info(`stopped: ${result.received} received, ${result.stored} stored, ${result.errors} unparsed (AE), ${result.rejected} not stored (AR)`)
      return result
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
