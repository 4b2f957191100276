import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../lib/cli/base-command.js'
import {usageError} from '../lib/cli/errors.js'
import {loadConfig} from '../lib/config/load.js'
import {convert} from '../lib/convert/convert.js'
import {INPUT_FORMATS, OUTPUT_FORMATS} from '../lib/convert/formats.js'
import {loadMapping, printableMapping} from '../lib/convert/mappings.js'
import {renderConvertSummary} from '../lib/report/convert-summary.js'
import {CSV_ENCODINGS, DELIMITERS} from '../lib/formats/csv/reader.js'

export default class Convert extends HimCommand {
  static summary = 'Convert patient records between CSV, FHIR R4 (JSON Bundle or NDJSON) and other formats.'
  static description = `Reads each INPUT (a file, or - for stdin), turns every record into FHIR R4 and writes it in the --to format.
CSV headers are recognised as a generic hospital export, Synthea's patients.csv or FEBRL; any other layout takes a mapping file (--mapping).
Records that cannot be converted go to a rejects file with their reason and location; the summary shows in = out + rejected.`

  static examples = [
    {description: 'A hospital export to FHIR NDJSON', command: '<%= config.bin %> <%= command.id %> patients.csv --to ndjson -o patients.ndjson'},
    {description: 'FHIR back to CSV in the generic layout', command: '<%= config.bin %> <%= command.id %> patients.ndjson --to csv -o patients.csv'},
    {description: 'A transaction Bundle (PUTs with stable ids) to stdout', command: '<%= config.bin %> <%= command.id %> patients.csv --to fhir --bundle-type transaction -o -'},
    {description: 'Patients as HL7 v2 ADT^A04, one file per message in the folder out/', command: '<%= config.bin %> <%= command.id %> patients.csv --to hl7 --event A04 --split -o out'},
    {description: 'See the mapping him would use, to edit it', command: '<%= config.bin %> <%= command.id %> export.csv --print-mapping > mapping.yaml'},
    {description: 'Excel export from Windows, with a custom mapping, summary as JSON for a script', command: '<%= config.bin %> <%= command.id %> export.csv --encoding windows-1252 --mapping mapping.yaml --to ndjson -o out.ndjson --json'},
  ]

  static strict = false
  static args = {input: Args.string({description: 'input files (- for stdin)', required: true})}

  static flags = {
    to: Flags.string({description: 'output format', options: [...OUTPUT_FORMATS]}),
    from: Flags.string({description: 'input format (auto: by file name, then content)', options: ['auto', ...INPUT_FORMATS], default: 'auto'}),
    output: Flags.string({char: 'o', description: 'output file, - for stdout [default: next to the first input]'}),
    rejects: Flags.string({description: 'rejects file [default: OUTPUT.rejects.ndjson]'}),
    mapping: Flags.string({description: 'CSV mapping: generic, synthea, febrl or a YAML/JSON file (the CSV input\'s, or the CSV output\'s)'}),
    'out-mapping': Flags.string({description: 'CSV output mapping when converting CSV to CSV [default: the input\'s layout]'}),
    'print-mapping': Flags.boolean({description: 'print the mapping that would be used, as YAML, and stop'}),
    encoding: Flags.string({description: 'CSV input encoding [default: config defaults.encoding, else utf8]', options: CSV_ENCODINGS}),
    delimiter: Flags.string({description: 'CSV delimiter [default: sniffed when reading, "," when writing]', options: [',', ';', 'tab', '|']}),
    event: Flags.string({description: 'ADT event of Patients for --to hl7 (A28 add, A31 update, A04 register)', options: ['A28', 'A31', 'A04'], default: 'A28'}),
    split: Flags.boolean({description: 'with --to hl7: one file per message in the folder -o names, instead of one batch file'}),
    'bundle-type': Flags.string({description: 'Bundle type for --to fhir', options: ['collection', 'transaction', 'batch'], default: 'collection'}),
  }

  async run() {
    const {flags, argv} = await this.parse(Convert)
    const inputs = argv as string[]
    const {config} = await loadConfig(flags.config)
    const mapping = flags.mapping ? await loadMapping(flags.mapping) : undefined
    const defaultMapping = await loadMapping(config.defaults.csvMapping)
    const encoding = (flags.encoding ?? config.defaults.encoding) as never

    if (flags['print-mapping']) {
      this.log((await printableMapping({input: inputs[0], given: mapping, fallback: defaultMapping, encoding})).trimEnd())
      return {mappingPrinted: true}
    }
    if (!flags.to) throw usageError(`--to is required: ${OUTPUT_FORMATS.join(', ')}`, `e.g. him convert ${inputs[0]} --to ndjson`)
    if (flags.json && flags.output === '-') throw usageError('--json and -o - both write to stdout; write the data to a file with -o FILE')

    const progress = this.progress()
    progress.start('Converting…')
    const started = Date.now()
    const result = await convert({
      inputs,
      from: flags.from,
      to: flags.to,
      output: flags.output,
      rejects: flags.rejects,
      mapping,
      outMapping: flags['out-mapping'] ? await loadMapping(flags['out-mapping']) : undefined,
      defaultMapping,
      mappingCtx: {mrnSystem: config.defaults.mrnSystem},
      encoding,
      delimiter: (flags.delimiter === 'tab' ? '\t' : flags.delimiter) as never,
      bundleType: flags['bundle-type'] as never,
      hl7: {event: flags.event as 'A28' | 'A31' | 'A04', msh: config.hl7, split: flags.split},
      onProgress: (t, file) => progress.update(`Converting ${file}: ${t.in.toLocaleString('en-US')} records (${Math.round(t.in / ((Date.now() - started) / 1000 || 1)).toLocaleString('en-US')}/s)`),
      warn: (m) => this.logger().warn(m),
    }).finally(() => progress.stop())

    for (const line of renderConvertSummary(result)) this.logToStderr(line)
    if (result.exitCode !== 0) process.exitCode = result.exitCode
    return result
  }
}
