import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import YAML from 'yaml'

import {configError} from '../cli/errors.js'
import {isMsConfig, MsConfig} from './fhir-rules.js'

export interface DeidConfigFile {
  path: string
  sha256: string
  ms: MsConfig
}

/**
 * `--config` of `him deid`: a Microsoft FHIR anonymizer configuration (a file with `fhirPathRules`), taken as it
 * is; undefined when the file is something else (then it is him's own configuration file).
 */
export async function readDeidConfig(path: string): Promise<DeidConfigFile | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw configError(`${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let data: unknown
  try {
    data = /\.ya?ml$/i.test(path) ? YAML.parse(text) : JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch {
    return undefined // not JSON/YAML: let him's configuration loader say what is wrong
  }
  if (!isMsConfig(data)) return undefined
  const r = MsConfig.safeParse(data)
  if (!r.success) {
    const i = r.error.issues[0]
    throw configError(`${path}: ${i.path.join('.')}: ${i.message}`)
  }
  return {path, sha256: createHash('sha256').update(text).digest('hex'), ms: r.data}
}
