import {Args, Flags} from '@oclif/core'
import chalk from 'chalk'

import {HimCommand} from '../../lib/cli/base-command.js'
import {verifyDeidentified} from '../../lib/deid/verify.js'
import {formatLocation} from '../../lib/records/types.js'

export default class DeidVerify extends HimCommand {
  static summary = 'Check a de-identified file for identifiers of the original that survived.'
  static description = `Collects every identifier value in ORIGINAL (names, SSNs, MRNs and other ids, phones, emails, street addresses, full dates of birth) and searches DEIDENTIFIED for them, in any of the formats him reads (the two files need not be in the same format).
Each leak is printed with its location and the kind of identifier and where it was in the original, not its value (unless --show-values). Exits 1 when there is a leak.`

  static examples = [
    {description: 'After a Safe Harbor release', command: '<%= config.bin %> <%= command.id %> patients.csv release.csv'},
    {description: 'Across formats, as JSON for a pipeline', command: '<%= config.bin %> <%= command.id %> adt.hl7 export.deid.ndjson --json'},
    {description: 'Show the leaked values (prints PHI to the terminal)', command: '<%= config.bin %> <%= command.id %> patients.csv release.csv --show-values'},
  ]

  static args = {
    original: Args.string({description: 'the file before de-identification', required: true}),
    deidentified: Args.string({description: 'the de-identified file', required: true}),
  }

  static flags = {
    'show-values': Flags.boolean({description: 'print the leaked values themselves (they are PHI)'}),
    'max-leaks': Flags.integer({description: 'list at most this many leaks (all are counted)', default: 50}),
  }

  async run() {
    const {args, flags} = await this.parse(DeidVerify)
    const r = await verifyDeidentified({original: args.original, deidentified: args.deidentified, showValues: flags['show-values'], maxLeaks: flags['max-leaks']})
    const cats = Object.entries(r.byCategory).map(([c, n]) => `${c} ${n}`).join(', ')
    this.log(`${r.original}: ${r.identifiersCollected} identifier values collected (${cats || 'none'})`)
    for (const l of r.leaks) this.log(chalk.red(`leak: ${formatLocation(l.loc)}: ${l.category} (from ${l.origin} of the original)${l.value === undefined ? '' : `: ${l.value}`}`))
    if (r.leakCount > r.leaks.length) this.log(chalk.red(`… and ${r.leakCount - r.leaks.length} more`))
    this.log(r.leakCount === 0 ? chalk.green(`✓ no identifier of the original found in ${r.deidentified}`) : chalk.red(`✗ ${r.leakCount} leak(s) in ${r.deidentified}`))
    if (r.exitCode !== 0) process.exitCode = r.exitCode
    return r
  }
}
