import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../../lib/cli/base-command.js'
import {usageError} from '../../lib/cli/errors.js'
import {loadConfig} from '../../lib/config/load.js'
import {loadMapping} from '../../lib/convert/mappings.js'
import {readDeidConfig} from '../../lib/deid/config-file.js'
import {deidentifyFiles} from '../../lib/deid/deidentify-files.js'
import {PRESET_NAMES, type PresetName} from '../../lib/deid/presets.js'
import {renderDeidSummary} from '../../lib/deid/summary.js'
import {ZIP3_TABLE_NAMES, type Zip3TableName} from '../../lib/deid/zip-tables.js'
import {CSV_ENCODINGS} from '../../lib/formats/csv/reader.js'

export default class Deid extends HimCommand {
  static summary = 'De-identify CSV, FHIR and HL7 v2 files: Safe Harbor, limited data set or keyed pseudonyms, in the same shape.'
  static description = `Each INPUT is de-identified in its own format: CSV by column (columns are recognised through the CSV mapping and their header names; a column nothing recognises is emptied), FHIR by FHIRPath rules (--config takes a Microsoft FHIR anonymizer configuration file as it is), HL7 v2 by field.
Keys are given only by reference (env:NAME or file:PATH). The same --key gives the same pseudonyms, and the same date shift per patient, in every file, format and run.
Rejected records go to a rejects file with their location and reason, never their values.`

  static examples = [
    {description: 'Safe Harbor release of a hospital export', command: '<%= config.bin %> <%= command.id %> patients.csv --preset safe-harbor -o release.csv --audit release.audit.jsonl'},
    {description: 'Pseudonymize a CSV and an HL7 file with one key (same patients, same pseudonyms and shifts)', command: 'HIM_DEID_KEY=... <%= config.bin %> <%= command.id %> patients.csv adt.hl7 --preset pseudonymize --key env:HIM_DEID_KEY -o out/'},
    {description: 'A Microsoft FHIR anonymizer configuration, unchanged', command: '<%= config.bin %> <%= command.id %> export.ndjson --config configuration-sample.json --key file:/run/secrets/deid-key -o export.deid.ndjson'},
    {description: 'Limited data set with a k-anonymity report on the quasi-identifiers', command: '<%= config.bin %> <%= command.id %> patients.csv --preset limited-data-set --k-anonymity ZIP,DOB,Sex --k 5'},
    {description: 'Check the result', command: '<%= config.bin %> deid verify patients.csv release.csv'},
  ]

  static strict = false
  static args = {input: Args.string({description: 'input files (- for stdin): CSV, FHIR JSON/NDJSON, HL7 v2', required: true})}

  static flags = {
    config: Flags.string({description: "a Microsoft FHIR anonymizer configuration file (fhirPathRules + parameters), taken as it is; any other file is him's configuration"}),
    preset: Flags.string({description: 'what the release must be', options: [...PRESET_NAMES]}),
    key: Flags.string({description: 'pseudonym / cryptoHash key, by reference: env:NAME or file:PATH'}),
    'date-key': Flags.string({description: 'date-shift key, by reference [default: derived from --key]'}),
    'encrypt-key': Flags.string({description: 'AES key for the anonymizer method encrypt, by reference'}),
    output: Flags.string({char: 'o', description: 'output file (- for stdout); a folder when there are several inputs [default: NAME.deid.EXT next to each input]'}),
    rejects: Flags.string({description: 'rejects file [default: OUTPUT.rejects.ndjson]'}),
    audit: Flags.string({description: 'write the audit manifest (JSONL: version, config hash, key fingerprints, tables, file hashes, counts per rule; no values)'}),
    'k-anonymity': Flags.string({description: 'quasi-identifiers to report k-anonymity on, comma-separated: CSV columns, FHIR Patient paths (gender,address.postalCode) or HL7 paths (PID-8,PID-11.5)'}),
    k: Flags.integer({description: 'the k of --k-anonymity', default: 5}),
    suppress: Flags.boolean({description: 'drop records in classes smaller than --k (CSV rows, HL7 messages, FHIR patients with their resources), counted as suppressed'}),
    'keep-column': Flags.string({description: 'CSV column to keep as is (you vouch it identifies no one); repeatable', multiple: true}),
    'scrub-column': Flags.string({description: 'CSV column to treat as free text (scrubbed); repeatable', multiple: true}),
    mapping: Flags.string({description: 'CSV mapping: generic, synthea, febrl or a YAML/JSON file [default: recognised from the header]'}),
    'zip-table': Flags.string({description: 'restricted ZIP3 table', options: ZIP3_TABLE_NAMES, default: 'union'}),
    encoding: Flags.string({description: 'CSV input encoding', options: CSV_ENCODINGS}),
  }

  async run() {
    const {flags, argv} = await this.parse(Deid)
    if (flags.suppress && !flags['k-anonymity']) throw usageError('--suppress needs --k-anonymity COLUMNS')
    if (flags.json && flags.output === '-') throw usageError('--json and -o - both write to stdout; write the data to a file with -o FILE')
    const deidConfig = flags.config ? await readDeidConfig(flags.config) : undefined
    const {config} = await loadConfig(deidConfig ? undefined : flags.config)
    const progress = this.progress()
    progress.start('De-identifying…')
    const result = await deidentifyFiles({
      inputs: argv as string[],
      preset: flags.preset as PresetName | undefined,
      config: deidConfig,
      keyRefs: {key: flags.key, dateKey: flags['date-key'], encryptKey: flags['encrypt-key']},
      output: flags.output,
      rejects: flags.rejects,
      audit: flags.audit,
      kAnonymity: flags['k-anonymity'] ? {quasiIdentifiers: flags['k-anonymity'].split(',').map((s) => s.trim()).filter(Boolean), k: flags.k, suppress: flags.suppress} : undefined,
      keepColumns: flags['keep-column'],
      scrubColumns: flags['scrub-column'],
      mapping: flags.mapping ? await loadMapping(flags.mapping) : undefined,
      mrnSystem: config.defaults.mrnSystem,
      zipTable: flags['zip-table'] as Zip3TableName,
      encoding: (flags.encoding ?? config.defaults.encoding) as never,
      onProgress: (t, file) => progress.update(`De-identifying ${file}: ${t.in.toLocaleString('en-US')} records`),
      warn: (m) => this.logger().warn(m),
    }).finally(() => progress.stop())
    if (!this.jsonEnabled()) for (const line of renderDeidSummary(result)) this.logToStderr(line)
    if (result.exitCode !== 0) process.exitCode = result.exitCode
    return result
  }
}
