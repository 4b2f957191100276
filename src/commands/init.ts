import {Flags} from '@oclif/core'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

import {HimCommand} from '../lib/cli/base-command.js'
import {HimError, usageError} from '../lib/cli/errors.js'
import {ExitCode} from '../lib/cli/exit-codes.js'
import {saveConfig} from '../lib/config/load.js'
import {askInit, configFromAnswers, defaultAnswers, type Prompter} from '../lib/config/init.js'

export default class Init extends HimCommand {
  static summary = 'Create a himkit configuration file (a wizard on a terminal; flags and defaults with --yes).'
  static description = `Writes himkit.config.json (or .yaml) with your defaults: the MRN identifier system, the layout of your CSV files,
their encoding, the HL7 v2 sender, and EHR endpoints. Secrets are never written: endpoints name them by reference (env:NAME or file:PATH).
When stdin is not a terminal, or with --yes, no question is asked.`

  static examples = [
    {description: 'Answer the questions', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'No questions, for scripts', command: '<%= config.bin %> <%= command.id %> --yes --mrn-system urn:oid:1.2.840.99999.1 --mapping synthea'},
    {description: 'YAML, in another place', command: '<%= config.bin %> <%= command.id %> --yes --output /etc/himkit/himkit.config.yaml'},
  ]

  static flags = {
    yes: Flags.boolean({char: 'y', description: 'ask nothing; take the flags and the defaults'}),
    output: Flags.string({char: 'o', description: 'file to write (.json, .yaml or .yml)', default: 'himkit.config.json'}),
    force: Flags.boolean({description: 'replace an existing file'}),
    'mrn-system': Flags.string({description: 'identifier system URI of your MRNs'}),
    mapping: Flags.string({description: 'default CSV mapping: generic, synthea, febrl or a file'}),
    encoding: Flags.string({description: 'default CSV encoding', options: ['utf8', 'windows-1252', 'latin1']}),
    'sending-application': Flags.string({description: 'HL7 v2 MSH-3'}),
    'sending-facility': Flags.string({description: 'HL7 v2 MSH-4'}),
  }

  async run() {
    const {flags} = await this.parse(Init)
    const path = resolve(flags.output)
    if (!/\.(json|ya?ml)$/i.test(path)) throw usageError(`${flags.output}: the file name must end in .json, .yaml or .yml`)
    if (existsSync(path) && !flags.force) throw usageError(`${flags.output} exists already`, 'add --force to replace it')

    let answers = defaultAnswers()
    if (flags['mrn-system']) answers.mrnSystem = flags['mrn-system']
    if (flags.mapping) answers.csvMapping = flags.mapping
    if (flags.encoding) answers.encoding = flags.encoding as never
    if (flags['sending-application']) answers.sendingApplication = flags['sending-application']
    if (flags['sending-facility']) answers.sendingFacility = flags['sending-facility']

    const interactive = !flags.yes && !flags.json && Boolean(process.stdin.isTTY)
    if (interactive) {
      const inquirer = await import('@inquirer/prompts')
      answers = await askInit(inquirer as unknown as Prompter, answers).catch((error: Error) => {
        if (error.name === 'ExitPromptError') throw new HimError('cancelled; nothing was written', {code: 'CANCELLED', exit: ExitCode.CANCELLED})
        throw error
      })
    }
    const config = configFromAnswers(answers)
    await saveConfig(path, config)
    this.log(`Wrote ${flags.output}${interactive ? '' : ' (no questions asked: defaults and flags)'}.`)
    this.log('Next: him endpoint add NAME --kind fhir --url https://… , then him convert FILE.csv --to ndjson')
    return {path, config}
  }
}
