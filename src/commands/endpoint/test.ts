import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../../lib/cli/base-command.js'
import {configError} from '../../lib/cli/errors.js'
import {findEndpoint} from '../../lib/config/endpoints.js'
import {loadConfig} from '../../lib/config/load.js'
import {testEndpoint, type EndpointReport} from '../../lib/endpoint/probe.js'

export default class EndpointTest extends HimCommand {
  static summary = 'Connect to a FHIR endpoint, authenticate, and report what the server offers import and export.'
  static description = `Reads the CapabilityStatement and makes one authenticated request that returns no records (a count-only Patient search).
Exit codes: 0 connected, 69 unreachable (or not a FHIR server, or an untrusted certificate), 77 authentication refused, 78 configuration error.`

  static examples = [
    {description: 'Check an endpoint', command: '<%= config.bin %> <%= command.id %> prod'},
    {description: 'As JSON, for a script', command: '<%= config.bin %> <%= command.id %> prod --json'},
    {description: 'A test server on another host over plain http', command: '<%= config.bin %> <%= command.id %> lab --allow-insecure'},
  ]

  static args = {name: Args.string({description: 'the endpoint name (see: him endpoint list)', required: true})}

  static flags = {
    'allow-insecure': Flags.boolean({description: 'allow plain http:// to a host other than this machine'}),
    'timeout-ms': Flags.integer({description: 'per-request timeout [default: the endpoint timeoutMs, else 60000]', min: 1}),
  }

  async run(): Promise<EndpointReport> {
    const {args, flags} = await this.parse(EndpointTest)
    const {config} = await loadConfig(flags.config)
    const ep = findEndpoint(config, args.name)
    if (ep.kind !== 'fhir') throw configError(`endpoint "${ep.name}" is an MLLP peer; endpoint test checks FHIR endpoints`)
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
