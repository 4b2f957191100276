import {Args} from '@oclif/core'

import {HimCommand} from '../../lib/cli/base-command.js'
import {configError} from '../../lib/cli/errors.js'
import {removeEndpoint} from '../../lib/config/endpoints.js'
import {loadConfig, saveConfig} from '../../lib/config/load.js'

export default class EndpointRemove extends HimCommand {
  static summary = 'Remove an endpoint from the configuration.'
  static examples = ['<%= config.bin %> <%= command.id %> prod']
  static args = {name: Args.string({description: 'the endpoint to remove', required: true})}

  async run() {
    const {args, flags} = await this.parse(EndpointRemove)
    const {config, path} = await loadConfig(flags.config)
    if (!path) throw configError('no configuration file, so no endpoints to remove', 'create one with: him init')
    await saveConfig(path, removeEndpoint(config, args.name))
    this.log(`Removed endpoint "${args.name}" from ${path}.`)
    return {path, removed: args.name}
  }
}
