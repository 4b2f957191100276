import {readFile} from 'node:fs/promises'
import YAML from 'yaml'

import {configError} from '../cli/errors.js'
import {describeIssue} from '../config/load.js'
import {builtin, BUILTIN_NAMES} from '../formats/csv/mapping/builtin.js'
import {type Mapping, MappingFile} from '../formats/csv/mapping/schema.js'

/** A mapping by built-in name (generic, synthea, febrl) or from a YAML/JSON file, checked with zod. */
export async function loadMapping(nameOrPath: string): Promise<Mapping> {
  const b = builtin(nameOrPath)
  if (b) return b
  let text: string
  try {
    text = await readFile(nameOrPath, 'utf8')
  } catch {
    throw configError(
      `mapping "${nameOrPath}": not a built-in mapping (${BUILTIN_NAMES.join(', ')}) and no such file`,
      'print a mapping to start from with: him convert FILE.csv --print-mapping > mapping.yaml',
    )
  }
  let data: unknown
  try {
    data = /\.json$/i.test(nameOrPath) ? JSON.parse(text) : YAML.parse(text)
  } catch {
    throw configError(`${nameOrPath}: not valid ${/\.json$/i.test(nameOrPath) ? 'JSON' : 'YAML'}`)
  }
  const r = MappingFile.safeParse(data)
  if (!r.success) throw configError(`${nameOrPath}: ${describeIssue(r.error.issues[0])}`)
  return r.data
}

/** A mapping as a YAML file a person can edit. */
export function mappingToYaml(m: Mapping, extraComment?: string): string {
  const head = [
    '# himkit CSV <-> FHIR Patient mapping. Edit and pass it with --mapping FILE.',
    '# to: identifier (system, type), name.prefix|given|middle|family|suffix|maiden, birthDate, deceasedDate,',
    '#     gender, address.line|line2|houseNumber|streetName|city|district|state|postalCode|country,',
    '#     telecom.phone (use: home|work|mobile), telecom.email, maritalStatus, race, ethnicity',
    '# system: "mrn" is the configured MRN system (defaults.mrnSystem), "ssn" is http://hl7.org/fhir/sid/us-ssn.',
    '# dateFormats: accepted in order; the first one is written back to CSV. codes: CSV code -> FHIR code.',
  ]
  if (extraComment) head.push(...extraComment.split('\n').map((l) => `# ${l}`))
  return head.join('\n') + '\n' + YAML.stringify(m)
}

/**
 * The mapping `him convert` would use, as YAML: for a CSV input, the one its header is recognised as (or the one
 * given), with only the columns it has; a skeleton listing every column when the header is not recognised.
 */
export async function printableMapping(opts: {
  input?: string
  given?: Mapping
  fallback: Mapping
  encoding?: import('../formats/csv/reader.js').CsvEncoding
}): Promise<string> {
  const {openSource, detectFormat} = await import('../io/source.js')
  const {readCsv} = await import('../formats/csv/reader.js')
  const {recognise} = await import('../formats/csv/mapping/builtin.js')
  const {matchColumns} = await import('../formats/csv/mapping/patient-mapping.js')
  if (!opts.input) return mappingToYaml(opts.given ?? opts.fallback)
  const src = await openSource(opts.input)
  if (detectFormat(src) !== 'csv') return mappingToYaml(opts.given ?? opts.fallback, `the mapping used to write CSV`)
  for await (const item of readCsv(src, {encoding: opts.encoding})) {
    if (!('header' in item)) break
    const m = opts.given ?? recognise(item.header)
    if (!m) {
      const skeleton = item.header.map((h) => `#  - column: ${JSON.stringify(h)}\n#    to: ?`).join('\n')
      return `# The columns of ${src.name} are not a layout him knows. Start from this list: uncomment each column\n# that belongs in FHIR and give it a target (see below), then pass the file with --mapping.\n${mappingToYaml({name: 'custom', columns: [{column: item.header[0], to: 'identifier', system: 'mrn', type: 'MR'}]})}${skeleton}\n`
    }
    const {found, absent} = matchColumns(m, item.header)
    const used = new Set(found.map(([, i]) => i))
    const unmapped = item.header.filter((_, i) => !used.has(i))
    const effective: Mapping = {...m, columns: found.map(([spec, i]) => ({...spec, column: item.header[i]}))}
    const notes = [`recognised in ${src.name} as "${m.name}"`]
    if (unmapped.length) notes.push(`columns not mapped (not carried into FHIR): ${unmapped.join(', ')}`)
    if (absent.length) notes.push(`mapping columns missing from this file: ${absent.join(', ')}`)
    return mappingToYaml(effective, notes.join('\n'))
  }
  return mappingToYaml(opts.given ?? opts.fallback)
}
