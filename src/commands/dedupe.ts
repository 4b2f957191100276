import {Args, Flags} from '@oclif/core'

import {HimCommand} from '../lib/cli/base-command.js'
import {usageError} from '../lib/cli/errors.js'
import {findEndpoint} from '../lib/config/endpoints.js'
import {loadConfig} from '../lib/config/load.js'
import {loadMapping} from '../lib/convert/mappings.js'
import {CSV_ENCODINGS} from '../lib/formats/csv/reader.js'
import {confirmMerges} from '../lib/dedupe/apply-prompt.js'
import {dedupeEndpoint, type DedupeEndpointOptions} from '../lib/dedupe/dedupe-endpoint.js'
import {renderMergeOutcome, renderMergePlan} from '../lib/dedupe/endpoint-summary-text.js'
import {reviewInTerminal} from '../lib/dedupe/review-prompt.js'
import {dedupeFiles} from '../lib/dedupe/run.js'
import {parseThresholds} from '../lib/dedupe/settings.js'
import {renderDedupeSummary} from '../lib/dedupe/summary-text.js'

export default class Dedupe extends HimCommand {
  static summary = 'Find the same patient entered twice, explain why, and merge safely.'
  static description = `Standardizes each record, compares likely pairs field by field (Fellegi-Sunter, estimated from the data itself), and decides:
at or above --auto-threshold the records are the same person; between the thresholds, and always for conflicting SSNs, Jr/Sr conflicts,
likely twins and oversized clusters, a person reviews. Reports show counts, never record values; the review screen and review file show them.
With --endpoint, the Patients of a FHIR server are matched instead of files, and --apply writes the merges there (Patient.link replaces /
replaced-by, merged-away records inactive) after showing the plan; exit 1 when some records conflicted or failed.`

  static examples = [
    {description: 'Find duplicates and write the pairs with their explanation', command: '<%= config.bin %> <%= command.id %> patients.csv --pairs pairs.csv'},
    {description: 'Review the doubtful pairs in the terminal, then write golden records', command: '<%= config.bin %> <%= command.id %> patients.csv --review --decisions decisions.csv -o golden.csv'},
    {description: 'In a script: write the review file, a person fills it in, run again with it', command: '<%= config.bin %> <%= command.id %> patients.ndjson --review --decisions review.csv -o golden.ndjson --json'},
    {description: 'Link a registry against an EHR extract, one to one', command: '<%= config.bin %> <%= command.id %> registry.csv --link-to ehr.csv --one-to-one --pairs links.csv'},
    {description: 'Learn the model once, then reuse it on each new extract', command: '<%= config.bin %> <%= command.id %> extract.csv --model dedupe-model.json -o golden.csv'},
    {description: 'Match without SSNs, clusters as JSON', command: '<%= config.bin %> <%= command.id %> patients.csv --ignore ssn --clusters clusters.json'},
    {description: 'The Patients of the FHIR server "ehr" of one MRN system: show the merge plan, write nothing', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --query "identifier=urn:oid:1.2.3|" --dry-run'},
    {description: 'Review the doubtful pairs, then write the merges to the server (asks once on a terminal)', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --review --decisions ehr-decisions.csv --apply'},
    {description: 'In a script: write the merges without asking, summary as JSON', command: '<%= config.bin %> <%= command.id %> --endpoint ehr --apply --json'},
  ]

  static strict = false
  static args = {input: Args.string({description: 'input files: CSV, FHIR (Bundle, NDJSON, a Patient) or HL7 v2; or --endpoint'})}

  static flags = {
    from: Flags.string({description: 'input format (auto: by file name, then content)', options: ['auto', 'csv', 'fhir', 'hl7'], default: 'auto'}),
    output: Flags.string({char: 'o', description: 'golden records: .csv (input columns + cluster_id), .json (FHIR Bundle) or .ndjson'}),
    pairs: Flags.string({description: 'write scored pairs with their explanation (.csv or .json)'}),
    clusters: Flags.string({description: 'write each record\'s cluster (.csv or .json)'}),
    review: Flags.boolean({description: 'review doubtful pairs: in the terminal on a TTY, else write them to the --decisions file to fill in'}),
    decisions: Flags.string({description: 'decisions file: read (pairs decided are never asked again) and written by --review'}),
    'auto-threshold': Flags.string({description: 'match probability at or above which records are merged [default: 0.95]'}),
    'review-threshold': Flags.string({description: 'match probability at or above which a pair goes to review [default: 0.5]'}),
    settings: Flags.string({description: 'settings file (JSON/YAML): autoThreshold, reviewThreshold, blockCap, ignore, maxClusterSize, alwaysReview, oneToOne'}),
    model: Flags.string({description: 'learned model file (JSON): used instead of estimating when it exists, else the estimated model is saved to it'}),
    'link-to': Flags.string({description: 'link the inputs against this other file (pairs across the two only)'}),
    'one-to-one': Flags.boolean({description: 'with --link-to: each record linked at most once'}),
    ignore: Flags.string({description: 'leave a field out of matching (repeatable), e.g. ssn', multiple: true, options: ['given', 'middle', 'family', 'dob', 'sex', 'ssn', 'phone', 'email', 'houseNumber', 'street', 'locality', 'city', 'state', 'zip']}),
    mapping: Flags.string({description: 'CSV mapping: generic, synthea, febrl or a YAML/JSON file'}),
    encoding: Flags.string({description: 'CSV input encoding', options: CSV_ENCODINGS}),
    rejects: Flags.string({description: 'rejects file [default: OUTPUT.rejects.ndjson]'}),
    endpoint: Flags.string({char: 'e', description: 'match the Patients of this configured FHIR endpoint instead of files (him endpoint list)'}),
    query: Flags.string({description: 'with --endpoint: extra FHIR search parameters for Patient, e.g. "identifier=urn:oid:1.2.3|"', dependsOn: ['endpoint']}),
    apply: Flags.boolean({description: 'with --endpoint: write the merges to the server after showing the plan', dependsOn: ['endpoint'], exclusive: ['dry-run']}),
    'dry-run': Flags.boolean({description: 'with --endpoint: show the merge plan only (the default without --apply)', dependsOn: ['endpoint']}),
    yes: Flags.boolean({char: 'y', description: 'with --apply: do not ask for confirmation on a terminal'}),
    'allow-insecure': Flags.boolean({description: 'with --endpoint: allow plain http:// to another machine'}),
  }

  async run() {
    const {flags, argv} = await this.parse(Dedupe)
    const {config} = await loadConfig(flags.config)
    const {auto, review} = parseThresholds(flags['auto-threshold'], flags['review-threshold'])
    if (flags.json && flags.output === '-') throw usageError('--json and -o - both write to stdout; write the golden records to a file')
    if (flags.endpoint && (argv.length || flags.output || flags['link-to']))
      throw usageError('--endpoint matches the server\'s Patients: give no INPUT files, -o or --link-to with it', 'him dedupe --endpoint NAME [--apply]')
    if (!flags.endpoint && !argv.length) throw usageError('give INPUT files, or --endpoint NAME', 'him dedupe patients.csv --pairs pairs.csv')
    const tty = Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY) && !flags.json
    const interactive = flags.review && tty

    const progress = this.progress()
    progress.start('Deduplicating…')
    const common: DedupeEndpointOptions['dedupe'] = {
      mappingCtx: {mrnSystem: config.defaults.mrnSystem},
      pairs: flags.pairs,
      clusters: flags.clusters,
      decisions: flags.decisions,
      rejects: flags.rejects,
      review: flags.review,
      settings: flags.settings,
      model: flags.model,
      engine: {autoThreshold: auto, reviewThreshold: review, ignore: flags.ignore, oneToOne: flags['one-to-one'] || undefined},
      onStage: (stage) => progress.update(`Deduplicating: ${stage}…`),
      reviewer: interactive
        ? async (items) => {
            progress.stop()
            return reviewInTerminal(items, (s) => this.log(s))
          }
        : undefined,
    }
    if (flags.endpoint) {
      const result = await dedupeEndpoint({
        endpoint: findEndpoint(config, flags.endpoint),
        query: flags.query,
        apply: flags.apply,
        dedupe: common,
        allowInsecure: flags['allow-insecure'],
        debug: flags.debug ? (line) => this.logToStderr(line) : undefined,
        onPlan: async (plan) => {
          progress.stop()
          if (!this.jsonEnabled()) for (const line of renderMergePlan(plan)) this.logToStderr(line)
          if (!flags.apply || !tty || flags.yes || plan.plan.updates.every((u) => u.inPlace)) return true
          return confirmMerges(flags.endpoint!, plan.plan.updates.filter((u) => !u.inPlace).length)
        },
      }).finally(() => progress.stop())
      if (!this.jsonEnabled()) for (const line of renderMergeOutcome(result)) this.logToStderr(line)
      if (result.exitCode !== 0) process.exitCode = result.exitCode
      return result
    }

    const summary = await dedupeFiles({
      ...common,
      inputs: argv as string[],
      linkTo: flags['link-to'],
      from: flags.from as 'auto',
      mapping: flags.mapping ? await loadMapping(flags.mapping) : undefined,
      encoding: (flags.encoding ?? config.defaults.encoding) as never,
      output: flags.output,
    }).finally(() => progress.stop())

    if (!this.jsonEnabled()) for (const line of renderDedupeSummary(summary)) this.logToStderr(line)
    if (summary.exitCode !== 0) process.exitCode = summary.exitCode
    return summary
  }
}
