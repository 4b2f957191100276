import {Flags} from '@oclif/core'

import {HimCommand} from '../lib/cli/base-command.js'
import {loadConfig} from '../lib/config/load.js'
import {findEndpoint} from '../lib/config/endpoints.js'
import {HimError, usageError} from '../lib/cli/errors.js'
import {ExitCode} from '../lib/cli/exit-codes.js'
import {loadMapping} from '../lib/convert/mappings.js'
import {EXPORT_FORMATS, exportRecords} from '../lib/export/export.js'
import {defaultStateFile} from '../lib/export/state.js'
import {renderExportSummary} from '../lib/export/summary.js'

export default class Export extends HimCommand {
  static summary = 'Export records from a FHIR endpoint: bulk $export or paged search, full or incremental.'
  static description = `Uses Bulk Data $export when the server's CapabilityStatement offers it (--method auto), paged search otherwise.
Everything is checked and deduplicated by Type/id before it is written; the output appears only when the export is complete.
--since last exports only what changed since the last complete export of the same endpoint, types and patient or group (kept in a state file).
Default types: ${'Patient, Encounter, Observation, Condition, AllergyIntolerance, Procedure, MedicationRequest, Immunization, DiagnosticReport'}; --type all for everything.
Exit codes: 0 done, 1 some records rejected, 69 endpoint unreachable or the export failed, 77 authentication refused, 78 configuration, 130 stopped.`

  static examples = [
    {description: 'Everything about patients from "ehr", one NDJSON file per type', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --to ndjson -o export/'},
    {description: 'Nightly in cron: only what changed since the last run, summary as JSON', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --since last --to ndjson -o nightly/ --json'},
    {description: 'Patients as CSV (through the configured mapping)', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --type Patient --to csv -o patients.csv'},
    {description: 'One patient and their resources, as a FHIR Bundle, by search', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --patient 123 --method search --include-related --to fhir -o patient-123.json'},
    {description: 'Pick up a bulk export that is already running', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --status-url \'https://ehr.example.org/fhir/$export-poll-status?_jobId=…\' --to ndjson -o export/'},
    {description: 'Patients as HL7 v2 ADT messages', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --to hl7 -o patients.hl7'},
  ]

  static flags = {
    endpoint: Flags.string({char: 'e', description: 'configured endpoint name (him endpoint list)', required: true}),
    type: Flags.string({description: 'resource types, comma-separated, or "all" [default: patient data types; csv: Patient]'}),
    since: Flags.string({description: 'only what changed since: a date, an instant, or "last" (the previous complete export)'}),
    patient: Flags.string({description: 'one patient (its server id)', exclusive: ['group']}),
    group: Flags.string({description: 'the members of a Group (its server id; bulk only)', exclusive: ['patient']}),
    method: Flags.string({description: 'auto: bulk $export when the server offers it, else paged search', options: ['auto', 'bulk', 'search'], default: 'auto'}),
    to: Flags.string({description: 'output format', options: [...EXPORT_FORMATS], required: true}),
    output: Flags.string({char: 'o', description: 'output: a folder for ndjson (one file per type), a file otherwise; - for stdout', required: true}),
    'status-url': Flags.string({description: 'pick up a bulk export that is already running (the status URL printed when it started)'}),
    'include-related': Flags.boolean({description: 'search: fetch the other types through _revinclude on the Patient search (with --patient or --since: those patients\' resources)'}),
    'page-size': Flags.integer({description: 'search: entries per page (_count)', default: 500, min: 1, max: 5000}),
    concurrency: Flags.integer({description: 'bulk files downloaded at once', default: 4, min: 1, max: 32}),
    rejects: Flags.string({description: 'rejects file [default: OUTPUT.rejects.ndjson]'}),
    state: Flags.string({description: 'incremental state file [default: $HIMKIT_STATE_DIR or ~/.local/state/himkit/export-state.json]'}),
    mapping: Flags.string({description: 'CSV mapping for --to csv: generic, synthea, febrl or a file [default: config defaults.csvMapping]'}),
    event: Flags.string({description: 'ADT event for --to hl7', options: ['A28', 'A31', 'A04'], default: 'A28'}),
    'allow-insecure': Flags.boolean({description: 'allow plain http:// to another machine'}),
  }

  async run() {
    const {flags} = await this.parse(Export)
    const {config} = await loadConfig(flags.config)
    if (flags.json && flags.output === '-') throw usageError('--json and -o - both write to stdout; write the export to a file or folder')
    const endpoint = findEndpoint(config, flags.endpoint)
    if (endpoint.kind !== 'fhir')
      throw new HimError(`endpoint "${endpoint.name}" is an MLLP endpoint: export reads from FHIR servers`, {code: 'ENDPOINT_KIND', exit: ExitCode.USAGE})
    const stop = new AbortController()
    const onSignal = () => (stop.signal.aborted ? process.exit(130) : stop.abort())
    process.on('SIGINT', onSignal)
    const progress = this.progress()
    progress.start('Exporting…')
    const result = await exportRecords({
      endpoint,
      types: flags.type === 'all' ? 'all' : flags.type?.split(',').map((t) => t.trim()).filter(Boolean),
      since: flags.since,
      patient: flags.patient,
      group: flags.group,
      method: flags.method as 'auto',
      to: flags.to as 'ndjson',
      output: flags.output,
      rejects: flags.rejects,
      statusUrl: flags['status-url'],
      stateFile: flags.state ?? defaultStateFile(),
      includeRelated: flags['include-related'],
      pageSize: flags['page-size'],
      concurrency: flags.concurrency,
      mapping: await loadMapping(flags.mapping ?? config.defaults.csvMapping),
      mappingCtx: {mrnSystem: config.defaults.mrnSystem},
      hl7: {event: flags.event as 'A28', msh: config.hl7},
      allowInsecure: flags['allow-insecure'],
      signal: stop.signal,
      debug: flags.debug ? (line) => this.logToStderr(line) : undefined,
      onProgress: (text) => progress.update(text),
      onStatusUrl: (url) => this.logger().info(`bulk export started on the server; to pick it up later: --status-url '${url}'`),
    }).finally(() => {
      progress.stop()
      process.off('SIGINT', onSignal)
    })
    if (!this.jsonEnabled()) for (const line of renderExportSummary(result)) this.logToStderr(line)
    if (result.exitCode !== 0) process.exitCode = result.exitCode
    return result
  }
}
