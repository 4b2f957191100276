import {readFile} from 'node:fs/promises'
import YAML from 'yaml'

import {configError} from '../cli/errors.js'
import {describeIssue} from '../config/load.js'
import {RuleSet, RulesFile, unknownRuleIds} from './rules.js'

/** Read a --rules file (YAML or JSON: `rules: {rule-id or prefix.*: error|warning|info|off}`) into a RuleSet. */
export async function loadRuleSet(path: string | undefined): Promise<RuleSet> {
  if (!path) return new RuleSet()
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw configError(`--rules ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let data: unknown
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : YAML.parse(text)
  } catch {
    throw configError(`${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}`)
  }
  const r = RulesFile.safeParse(data)
  if (!r.success) throw configError(`${path}: ${describeIssue(r.error.issues[0])}`, 'e.g. rules: {csv.phone.format: off, csv.state.code: error}')
  const unknown = unknownRuleIds(r.data)
  if (unknown.length) throw configError(`${path}: unknown rule id ${unknown.map((u) => `"${u}"`).join(', ')}`, 'list the rules with: him validate --list-rules')
  return new RuleSet(r.data)
}
