import {existsSync} from 'node:fs'
import {readFile, writeFile, rename} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import envPaths from 'env-paths'
import YAML from 'yaml'
import {type ZodError, type ZodIssue} from 'zod'

import {configError} from '../cli/errors.js'
import {defaultConfig, HimConfig} from './schema.js'

export const CONFIG_NAMES = ['himkit.config.json', 'himkit.config.yaml', 'himkit.config.yml']

export const userConfigDir = () => envPaths('himkit', {suffix: ''}).config

export interface LoadedConfig {
  config: HimConfig
  /** The file it came from; undefined when no file was found and defaults apply. */
  path?: string
  /** How it was found: flag, env, cwd, user, or none. */
  source: 'flag' | 'env' | 'cwd' | 'user' | 'none'
}

/** Where the configuration is: --config, $HIMKIT_CONFIG, ./himkit.config.*, then the user config dir. */
export function findConfig(flag?: string, cwd = process.cwd(), env = process.env): {path?: string; source: LoadedConfig['source']} {
  if (flag) return {path: resolve(cwd, flag), source: 'flag'}
  if (env.HIMKIT_CONFIG) return {path: resolve(cwd, env.HIMKIT_CONFIG), source: 'env'}
  for (const n of CONFIG_NAMES) if (existsSync(join(cwd, n))) return {path: join(cwd, n), source: 'cwd'}
  const dir = env.HIMKIT_CONFIG_DIR ?? userConfigDir()
  for (const n of ['config.json', 'config.yaml', 'config.yml', ...CONFIG_NAMES])
    if (existsSync(join(dir, n))) return {path: join(dir, n), source: 'user'}
  return {source: 'none'}
}

const isYaml = (p: string) => /\.ya?ml$/i.test(p)

/** A path like endpoints[1].auth.tokenRef. */
export function keyPath(path: Array<string | number>): string {
  let s = ''
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p
  return s || '(top level)'
}

/** One line per problem, naming the key and what was expected, never the value found (it may be a secret). */
export function describeIssue(issue: ZodIssue): string {
  const where = keyPath(issue.path)
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? `${where}: required (${issue.expected})` : `${where}: expected ${issue.expected}, found ${issue.received}`
    case 'invalid_enum_value':
      return `${where}: expected one of ${issue.options.join(', ')}`
    case 'invalid_literal':
      return `${where}: expected ${JSON.stringify(issue.expected)}`
    case 'invalid_union_discriminator':
      return `${where}: expected one of ${issue.options.map(String).join(', ')}`
    case 'unrecognized_keys': {
      const secretish = issue.keys.filter((k) => /password|secret|token|privatekey|apikey/i.test(k) && !/Ref$/.test(k))
      if (secretish.length)
        return `${where}: ${secretish.join(', ')} not allowed: secrets are given by reference (${secretish[0]}Ref: env:NAME or file:PATH)`
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    }
    default:
      return `${where}: ${issue.message}`
  }
}

export function parseConfig(data: unknown, file: string): HimConfig {
  const r = HimConfig.safeParse(data)
  if (!r.success) throw configFileError(file, r.error)
  return r.data
}

function configFileError(file: string, err: ZodError) {
  const issues = [...err.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))
  const lines = issues.map(describeIssue)
  return configError(`${file}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more: ${lines.slice(1, 4).join('; ')})` : ''}`)
}

export async function readConfigFile(path: string): Promise<HimConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw configError(`${path}: cannot read the configuration file (${code === 'ENOENT' ? 'no such file' : code})`, 'create one with: him init')
  }
  let data: unknown
  if (isYaml(path)) {
    const doc = YAML.parseDocument(text)
    if (doc.errors.length) {
      const e = doc.errors[0]
      throw configError(`${path}:line ${e.linePos?.[0].line ?? '?'}: invalid YAML (${e.code})`)
    }
    data = doc.toJS()
  } else {
    try {
      data = JSON.parse(text)
    } catch (error) {
      const m = /position (\d+)/.exec(String((error as Error).message))
      const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined
      throw configError(`${path}${line ? `:line ${line}` : ''}: invalid JSON`)
    }
  }
  return parseConfig(data ?? {}, path)
}

export async function loadConfig(flag?: string): Promise<LoadedConfig> {
  const found = findConfig(flag)
  if (!found.path) return {config: defaultConfig(), source: 'none'}
  return {config: await readConfigFile(found.path), path: found.path, source: found.source}
}

/** Write the configuration (JSON or YAML by the file name), atomically. It holds no secrets, only references. */
export async function saveConfig(path: string, config: HimConfig): Promise<void> {
  const checked = parseConfig(config, path)
  const text = isYaml(path) ? YAML.stringify(checked) : JSON.stringify(checked, null, 2) + '\n'
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, text, {mode: 0o600})
  await rename(tmp, path)
}

/** The configuration to change and where to write it: the file in use; a named file that does not exist yet is
 * created (from the defaults); with none at all, ./himkit.config.json. */
export async function loadConfigForWrite(flag?: string): Promise<{config: HimConfig; path: string; created: boolean}> {
  const found = findConfig(flag)
  if (found.path && existsSync(found.path)) return {config: await readConfigFile(found.path), path: found.path, created: false}
  return {config: defaultConfig(), path: found.path ?? resolve('himkit.config.json'), created: true}
}
