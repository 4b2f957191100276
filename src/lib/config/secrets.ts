import {readFile} from 'node:fs/promises'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

/**
 * Resolve a secret reference (env:NAME or file:PATH) at the moment it is needed. The value is never logged,
 * never put in an error, never written anywhere by him.
 */
export async function resolveSecret(ref: string, env = process.env): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4)
    const v = env[name]
    if (v === undefined || v === '')
      throw new HimError(`secret reference ${ref}: the environment variable ${name} is not set`, {code: 'SECRET_MISSING', exit: ExitCode.CONFIG})
    return v
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5)
    try {
      return (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
    } catch (error) {
      throw new HimError(`secret reference ${ref}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        code: 'SECRET_MISSING',
        exit: ExitCode.CONFIG,
      })
    }
  }
  throw new HimError('a secret must be given as a reference, env:NAME or file:PATH', {code: 'SECRET_LITERAL', exit: ExitCode.CONFIG})
}
