import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../../lib/cli/base-command.js'
import {configError, HimError, usageError} from '../../lib/cli/errors.js'
import {ExitCode} from '../../lib/cli/exit-codes.js'
import {findEndpoint} from '../../lib/config/endpoints.js'
import {loadConfig} from '../../lib/config/load.js'
import {probeMllp, type MllpProbe} from '../../lib/endpoint/mllp/probe.js'
import {testEndpoint, type EndpointReport} from '../../lib/endpoint/probe.js'

type MllpReport = MllpProbe & {name: string; kind: 'mllp'; host: string; port: number; tls: boolean}

export default class EndpointTest extends HimCommand {
  static summary = 'Connect to an endpoint: for FHIR, authenticate and report what the server offers import and export; for MLLP, connect (and with --ping, read an ACK).'
  static description = `FHIR: reads the CapabilityStatement and makes one authenticated request that returns no records (a count-only Patient search).
MLLP: opens a connection (TLS when configured) and closes it, sending nothing; --ping also sends one NMQ^N01 network-management query (processing id D) and reports the ACK code the receiver answers with.
Exit codes: 0 connected, 69 unreachable (or not a FHIR server, an untrusted certificate, or no ACK to --ping), 77 authentication refused, 78 configuration error.`

  static examples = [
    {description: 'Check an endpoint', command: '<%= config.bin %> <%= command.id %> prod'},
    {description: 'As JSON, for a script', command: '<%= config.bin %> <%= command.id %> prod --json'},
    {description: 'A test server on another host over plain http', command: '<%= config.bin %> <%= command.id %> lab --allow-insecure'},
    {description: 'An MLLP receiver: connect, send one NMQ^N01 and report its ACK code', command: '<%= config.bin %> <%= command.id %> lab-adt --ping'},
  ]

  static args = {name: Args.string({description: 'the endpoint name (see: him endpoint list)', required: true})}

  static flags = {
    'allow-insecure': Flags.boolean({description: 'allow plain http:// to a host other than this machine'}),
    ping: Flags.boolean({description: 'MLLP only: send one NMQ^N01 network-management query and report the ACK code (without it nothing is sent)'}),
    'timeout-ms': Flags.integer({description: 'per-request timeout [default: the endpoint timeoutMs, else 60000; MLLP 5000]', min: 1}),
  }

  async run(): Promise<EndpointReport | MllpReport> {
    const {args, flags} = await this.parse(EndpointTest)
    const {config} = await loadConfig(flags.config)
    const ep = findEndpoint(config, args.name)
    if (ep.kind === 'mllp') {
      const r = await probeMllp({...ep, timeoutMs: flags['timeout-ms'] ?? ep.timeoutMs}, {ping: flags.ping ? {msh: config.hl7} : undefined})
      const where = `endpoint "${ep.name}" (mllp${ep.tls ? '+tls' : ''}://${ep.host}:${ep.port})`
      if (!r.reachable) throw new HimError(`${where}: not reachable: ${r.problem}`, {code: 'ENDPOINT_UNREACHABLE', exit: ExitCode.UNAVAILABLE})
      if (r.ack?.problem) throw new HimError(`${where}: connected, but no ACK to the ping: ${r.ack.problem}`, {code: 'MLLP_NO_ACK', exit: ExitCode.UNAVAILABLE})
      this.log(`Connected to ${where}`)
      this.log(`  latency            ${r.connectMs} ms (connect${ep.tls ? ' and TLS handshake' : ''})`)
      this.log(r.ack ? `  ACK to NMQ^N01     ${r.ack.code} in ${r.ack.ms} ms${r.ack.text ? ` (${r.ack.text})` : ''}` : '  ACK                not checked, nothing was sent (--ping sends one NMQ^N01)')
      return {name: ep.name, kind: 'mllp', host: ep.host, port: ep.port, tls: Boolean(ep.tls), ...r}
    }
    if (flags.ping) throw usageError(`endpoint "${ep.name}" is a FHIR endpoint; --ping is for MLLP endpoints`)
    const debug = this.isDebug() ? (line: string) => this.logToStderr(`debug: ${line}`) : undefined
    const r = await testEndpoint(ep, {allowInsecure: flags['allow-insecure'] || undefined, timeoutMs: flags['timeout-ms'], debug})
    const yes = (b: boolean) => (b ? 'yes' : 'not advertised')
    const c = r.capabilities
    this.log(`Connected to "${r.name}" (${r.url})`)
    this.log(`  FHIR version       ${r.fhirVersion ?? 'not stated'}`)
    this.log(`  server software    ${[r.software?.name, r.software?.version].filter(Boolean).join(' ') || 'not stated'}`)
    this.log(`  authentication     ${r.auth}${r.auth === 'client-credentials' || r.auth === 'smart-backend' ? ` (token in ${r.authMs} ms)` : ''}, accepted`)
    this.log(`  transaction        ${yes(c.transaction)}`)
    this.log(`  batch              ${yes(c.batch)}`)
    this.log(`  conditional create ${yes(c.conditionalCreate)}`)
    this.log(`  conditional update ${yes(c.conditionalUpdate)}`)
    this.log(`  update as create   ${yes(c.updateCreate)}`)
    this.log(`  bulk $export       ${yes(c.bulkExport)}`)
    this.log(`  latency            ${r.latencyMs} ms (GET metadata)`)
    return r
  }
}
