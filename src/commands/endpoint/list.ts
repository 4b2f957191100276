import {HimCommand} from '../../lib/cli/base-command.js'
import {describeEndpoint} from '../../lib/config/endpoints.js'
import {loadConfig} from '../../lib/config/load.js'

export default class EndpointList extends HimCommand {
  static summary = 'List the configured endpoints (secret references are named, never resolved).'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run() {
    const {flags} = await this.parse(EndpointList)
    const {config, path} = await loadConfig(flags.config)
    const rows = config.endpoints.map(describeEndpoint)
    if (rows.length === 0) this.log(`No endpoints${path ? ` in ${path}` : ' (no configuration file)'}. Add one with: him endpoint add NAME --kind fhir --url URL`)
    else {
      const w = (k: keyof (typeof rows)[0]) => Math.max(k.length, ...rows.map((r) => r[k].length))
      const cols = ['name', 'kind', 'address', 'auth', 'secrets'] as const
      this.log(cols.map((c) => c.toUpperCase().padEnd(w(c))).join('  ').trimEnd())
      for (const r of rows) this.log(cols.map((c) => r[c].padEnd(w(c))).join('  ').trimEnd())
    }
    return {path, endpoints: rows}
  }
}
