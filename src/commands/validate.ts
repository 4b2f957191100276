import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../lib/cli/base-command.js'
import {usageError, worstExit} from '../lib/cli/errors.js'
import {ExitCode} from '../lib/cli/exit-codes.js'
import {loadConfig} from '../lib/config/load.js'
import {loadMapping} from '../lib/convert/mappings.js'
import {CSV_ENCODINGS} from '../lib/formats/csv/reader.js'
import {renderFindingsText} from '../lib/report/findings-text.js'
import {reportKind, writeFindingsReport} from '../lib/report/write-findings-report.js'
import {reachesFailOn} from '../lib/validate/findings.js'
import {RULES} from '../lib/validate/rules.js'
import {loadRuleSet} from '../lib/validate/rules-file.js'
import {PROFILES, validate, VALIDATE_FORMATS} from '../lib/validate/validate.js'

export default class Validate extends HimCommand {
  static summary = 'Find what is wrong in patient files (CSV, FHIR R4, HL7 v2): what, where, how often, how bad.'
  static description = `Checks every record of each INPUT with its format's rules and reports findings: severity, rule id, message and location (file, line or record, column / FHIRPath / HL7 path).
Values never appear in messages or reports unless --show-values: reports get shared.
Exit code 1 when findings reach --fail-on (default error), so a nightly job can alert.`

  static examples = [
    {description: 'Check a hospital export and see the summary', command: '<%= config.bin %> <%= command.id %> patients.csv'},
    {description: 'An HTML report to share and a CSV of every finding', command: '<%= config.bin %> <%= command.id %> patients.csv --report report.html --report findings.csv'},
    {description: 'FHIR NDJSON against US Core, failing a cron job on warnings too', command: '<%= config.bin %> <%= command.id %> patients.ndjson --profile us-core --fail-on warning'},
    {description: 'Turn rules off or re-level them', command: '<%= config.bin %> <%= command.id %> export.csv --rules rules.yaml   # rules: {csv.phone.format: off, csv.state.code: error}'},
    {description: 'The findings as JSON for a script', command: '<%= config.bin %> <%= command.id %> patients.csv --json > findings.json'},
    {description: 'List every rule with its id and default severity', command: '<%= config.bin %> <%= command.id %> --list-rules'},
  ]

  static strict = false
  static args = {input: Args.string({description: 'input files (- for stdin)'})}

  static flags = {
    from: Flags.string({description: 'input format (auto: by file name, then content)', options: ['auto', ...VALIDATE_FORMATS], default: 'auto'}),
    profile: Flags.string({description: 'FHIR rules to add to the base R4 ones', options: [...PROFILES], default: 'base'}),
    rules: Flags.string({description: 'YAML/JSON file turning rules off or re-levelling them: rules: {ID or PREFIX.*: error|warning|info|off}'}),
    report: Flags.string({description: 'write a report; the name says its kind: .html, .json or .csv; - for JSON on stdout (repeatable)', multiple: true}),
    'fail-on': Flags.string({description: 'exit 1 when findings reach this severity', options: ['error', 'warning', 'never'], default: 'error'}),
    'show-values': Flags.boolean({description: 'include the offending values in the output and reports (they may be PHI)'}),
    mapping: Flags.string({description: 'CSV mapping: generic, synthea, febrl or a YAML/JSON file [default: recognised from the header]'}),
    encoding: Flags.string({description: 'CSV input encoding [default: config defaults.encoding, else utf8]', options: CSV_ENCODINGS}),
    delimiter: Flags.string({description: 'CSV delimiter [default: sniffed]', options: [',', ';', 'tab', '|']}),
    'list-rules': Flags.boolean({description: 'list the rules (id, default severity, meaning) and stop'}),
  }

  async run() {
    const {flags, argv} = await this.parse(Validate)
    if (flags['list-rules']) {
      for (const r of RULES) this.log(`${r.severity.padEnd(7)} ${r.id.padEnd(34)} ${r.description}`)
      return {rules: RULES}
    }
    const inputs = argv as string[]
    if (inputs.length === 0) throw usageError('name at least one input file', 'e.g. him validate patients.csv')
    const toStdout = (flags.report ?? []).filter((r) => r === '-').length
    if (toStdout > 1 || (toStdout && flags.json)) throw usageError('only one thing can go to stdout: --json, or one --report -', 'write the other reports to files')
    for (const r of flags.report ?? []) if (r !== '-') reportKind(r)
    const {config} = await loadConfig(flags.config)
    const rules = await loadRuleSet(flags.rules)
    const failOn = flags['fail-on'] as 'error' | 'warning' | 'never'

    const progress = this.progress()
    progress.start('Validating…')
    const report = await validate({
      inputs,
      from: flags.from as never,
      profile: flags.profile as never,
      rules,
      showValues: flags['show-values'],
      mapping: flags.mapping ? await loadMapping(flags.mapping) : undefined,
      mappingCtx: {mrnSystem: config.defaults.mrnSystem},
      encoding: (flags.encoding ?? config.defaults.encoding) as never,
      delimiter: (flags.delimiter === 'tab' ? '\t' : flags.delimiter) as never,
      failOn,
      onProgress: (records, file) => progress.update(`Validating ${file}: ${records.toLocaleString('en-US')} records`),
      warn: (m) => this.logger().warn(m),
    }).finally(() => progress.stop())

    for (const r of flags.report ?? []) await writeFindingsReport(r, report, r === '-' ? 'json' : reportKind(r))
    const say = (line: string) => (toStdout ? this.logToStderr(line) : this.log(line))
    for (const line of renderFindingsText(report)) say(line)
    for (const r of flags.report ?? []) if (r !== '-') say(`report: ${r}`)

    const exits = report.inputs.map((i) => i.error?.exit).filter((e): e is number => e !== undefined)
    if (reachesFailOn(report.counts, failOn)) exits.push(ExitCode.REJECTS)
    const exitCode = worstExit(exits)
    if (exitCode !== 0) process.exitCode = exitCode
    return {...report, exitCode, reports: flags.report ?? []}
  }
}
