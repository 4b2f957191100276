import {Args, Flags} from '@oclif/core'
import {basename} from 'node:path'

import {HimCommand} from '../lib/cli/base-command.js'
import {loadConfig} from '../lib/config/load.js'
import {findEndpoint} from '../lib/config/endpoints.js'
import {INPUT_FORMATS} from '../lib/convert/formats.js'
import {loadMapping} from '../lib/convert/mappings.js'
import {CSV_ENCODINGS} from '../lib/formats/csv/reader.js'
import {importRecords} from '../lib/import/import.js'
import {renderImportSummary} from '../lib/import/summary.js'

export default class Import extends HimCommand {
  static summary = 'Import patient records into an EHR endpoint (FHIR server or MLLP receiver), safe to re-run.'
  static description = `Reads each INPUT (CSV through its mapping, FHIR NDJSON/Bundles, HL7 v2), and writes the records to the endpoint.
To a FHIR server: transaction Bundles of PUT Type/id (ids from identifiers) or conditional updates on the identifier, chosen from the server's CapabilityStatement and printed. Running the same import again creates nothing.
Duplicates inside the input are merged before sending. A transaction the server refuses is split until the bad records are isolated; only those go to the rejects file, with the server's reason and their location.
HL7 v2 to an MLLP endpoint is sent message by message, each waiting for its ACK.
Exit codes: 0 done, 1 some records rejected, 69 endpoint unreachable, 77 authentication refused, 78 configuration.`

  static examples = [
    {description: 'A hospital export into the FHIR server configured as "ehr"', command: '<%= config.bin %> <%= command.id %> patients.csv --endpoint ehr'},
    {description: 'See what would be written, without writing', command: '<%= config.bin %> <%= command.id %> patients.csv --endpoint ehr --dry-run'},
    {description: 'An NDJSON export, 200 entries a transaction, 2 in flight, summary as JSON', command: '<%= config.bin %> <%= command.id %> export.ndjson --endpoint ehr --batch-size 200 --concurrency 2 --json'},
    {description: 'Carry on after a crash or Ctrl-C, without resending what the server confirmed', command: '<%= config.bin %> <%= command.id %> patients.csv --endpoint ehr --resume'},
    {description: 'HL7 v2 messages to an MLLP receiver', command: '<%= config.bin %> <%= command.id %> adt.hl7 --endpoint lab-mllp'},
  ]

  static strict = false
  static args = {input: Args.string({description: 'input files (- for stdin)', required: true})}

  static flags = {
    endpoint: Flags.string({char: 'e', description: 'configured endpoint name (him endpoint list)', required: true}),
    from: Flags.string({description: 'input format (auto: by file name, then content)', options: ['auto', ...INPUT_FORMATS], default: 'auto'}),
    'batch-size': Flags.integer({description: 'entries per transaction', default: 100, min: 1, max: 5000}),
    concurrency: Flags.integer({description: 'transactions in flight', default: 4, min: 1, max: 64}),
    strategy: Flags.string({description: 'how records are written: auto (from the CapabilityStatement), put (PUT Type/id) or conditional (on the identifier)', options: ['auto', 'put', 'conditional'], default: 'auto'}),
    resume: Flags.boolean({description: 'carry on an interrupted import from its journal (same inputs, endpoint and --rejects), without resending what the server confirmed'}),
    mode: Flags.string({description: 'upsert: create or update; create-only: create what is missing, leave what exists as it is', options: ['upsert', 'create-only'], default: 'upsert'}),
    'dry-run': Flags.boolean({description: 'read, convert and plan (strategy, counts per resource type, transactions) without writing'}),
    rejects: Flags.string({description: 'rejects file [default: INPUT.rejects.ndjson in the current folder, INPUT the first input\'s name]'}),
    mapping: Flags.string({description: 'CSV mapping: generic, synthea, febrl or a YAML/JSON file'}),
    encoding: Flags.string({description: 'CSV input encoding [default: config defaults.encoding, else utf8]', options: CSV_ENCODINGS}),
    'allow-insecure': Flags.boolean({description: 'allow plain http:// to another machine'}),
  }

  async run() {
    const {flags, argv} = await this.parse(Import)
    const inputs = argv as string[]
    const {config} = await loadConfig(flags.config)
    const endpoint = findEndpoint(config, flags.endpoint)
    const stop = new AbortController()
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130) // a second Ctrl-C: stop now (the journal holds what was confirmed)
      this.logToStderr('stopping: finishing the transactions in flight (Ctrl-C again to stop at once)…')
      stop.abort()
    }
    process.on('SIGINT', onSignal)
    const progress = this.progress()
    progress.start('Importing…')
    const result = await importRecords({
      inputs,
      endpoint,
      from: flags.from,
      batchSize: flags['batch-size'],
      concurrency: flags.concurrency,
      dryRun: flags['dry-run'],
      rejects: flags.rejects ?? `${inputs[0] === '-' ? 'stdin' : basename(inputs[0])}.rejects.ndjson`,
      strategy: flags.strategy as 'auto' | 'put' | 'conditional',
      mapping: flags.mapping ? await loadMapping(flags.mapping) : undefined,
      mappingCtx: {mrnSystem: config.defaults.mrnSystem},
      encoding: (flags.encoding ?? config.defaults.encoding) as never,
      allowInsecure: flags['allow-insecure'],
      resume: flags.resume,
      mode: flags.mode as 'upsert' | 'create-only',
      signal: stop.signal,
      debug: flags.debug ? (line) => this.logToStderr(line) : undefined,
      onProgress: (c) => progress.update(`Importing: ${(c.created + c.updated + c.unchanged + c.rejected).toLocaleString('en-US')} of ${c.in.toLocaleString('en-US')} read`),
    }).finally(() => {
      progress.stop()
      process.off('SIGINT', onSignal)
    })
    if (!this.jsonEnabled()) for (const line of renderImportSummary(result)) this.logToStderr(line)
    if (result.interrupted && !this.jsonEnabled()) this.logToStderr(`to carry on: ${this.config.bin} import ${this.argv.filter((a) => a !== '--resume').join(' ')} --resume`)
    if (result.exitCode !== 0) process.exitCode = result.exitCode
    return result
  }
}
