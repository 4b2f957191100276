import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../../lib/cli/base-command.js'
import {addEndpoint, buildEndpoint} from '../../lib/config/endpoints.js'
import {loadConfigForWrite, saveConfig} from '../../lib/config/load.js'
import {AUTH_KINDS} from '../../lib/config/schema.js'

export default class EndpointAdd extends HimCommand {
  static summary = 'Add an EHR endpoint: a FHIR server or an HL7 v2 MLLP peer.'
  static description = `Secrets are given only as references, env:NAME or file:PATH; the file never holds a password, token or key.
Writes to the configuration file in use (see --config), or creates ./himkit.config.json.`

  static examples = [
    {description: 'A FHIR server with a bearer token from the environment', command: '<%= config.bin %> <%= command.id %> prod --kind fhir --url https://ehr.example.org/fhir/R4 --auth bearer --token-ref env:EHR_TOKEN'},
    {description: 'SMART Backend Services', command: '<%= config.bin %> <%= command.id %> epic --kind fhir --url https://fhir.example.org/api/FHIR/R4 --auth smart-backend --client-id abc --private-key-ref file:/etc/himkit/key.pem --kid k1'},
    {description: 'An HL7 v2 interface engine', command: '<%= config.bin %> <%= command.id %> adt-feed --kind mllp --url 10.0.0.5:2575'},
  ]

  static args = {name: Args.string({description: 'a name for the endpoint', required: true})}

  static flags = {
    kind: Flags.string({description: 'fhir or mllp', options: ['fhir', 'mllp'], required: true}),
    url: Flags.string({description: 'FHIR base URL, or host:port for mllp'}),
    host: Flags.string({description: 'mllp host'}),
    port: Flags.integer({description: 'mllp port'}),
    tls: Flags.boolean({description: 'mllp over TLS'}),
    auth: Flags.string({description: 'authentication', options: [...AUTH_KINDS], default: 'none'}),
    username: Flags.string({description: 'basic: user name'}),
    'password-ref': Flags.string({description: 'basic: password reference (env:NAME or file:PATH)'}),
    'token-ref': Flags.string({description: 'bearer: token reference'}),
    'client-id': Flags.string({description: 'client-credentials / smart-backend: client id'}),
    'client-secret-ref': Flags.string({description: 'client-credentials: client secret reference'}),
    'private-key-ref': Flags.string({description: 'smart-backend: private key reference (PEM or JWK)'}),
    kid: Flags.string({description: 'smart-backend: key id'}),
    alg: Flags.string({description: 'smart-backend: signing algorithm', options: ['RS384', 'ES384']}),
    'token-url': Flags.string({description: 'token endpoint [default: discovered from .well-known/smart-configuration]'}),
    scope: Flags.string({description: 'OAuth scope'}),
    'ca-file': Flags.string({description: 'PEM file of extra CA certificates to trust'}),
    'timeout-ms': Flags.integer({description: 'per-request timeout'}),
    'allow-insecure': Flags.boolean({description: 'allow plain http:// to a host other than this machine'}),
    force: Flags.boolean({description: 'replace an endpoint of the same name'}),
  }

  async run() {
    const {args, flags} = await this.parse(EndpointAdd)
    const loaded = await loadConfigForWrite(flags.config)
    const ep = buildEndpoint({
      name: args.name, kind: flags.kind, url: flags.url, host: flags.host, port: flags.port, tls: flags.tls || undefined,
      auth: flags.auth, username: flags.username, passwordRef: flags['password-ref'], tokenRef: flags['token-ref'],
      clientId: flags['client-id'], clientSecretRef: flags['client-secret-ref'], privateKeyRef: flags['private-key-ref'],
      kid: flags.kid, alg: flags.alg, tokenUrl: flags['token-url'], scope: flags.scope, caFile: flags['ca-file'],
      timeoutMs: flags['timeout-ms'], allowInsecure: flags['allow-insecure'] || undefined,
    })
    const {path} = loaded
    await saveConfig(path, addEndpoint(loaded.config, ep, flags.force))
    this.log(`Added endpoint "${ep.name}" (${ep.kind}) to ${path}${loaded.created ? ' (new file)' : ''}.`)
    return {path, endpoint: ep}
  }
}
