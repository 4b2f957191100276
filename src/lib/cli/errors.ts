import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * An error that ends a run. Its message is one line for a person and never holds record values (PHI) or
 * secrets: say what is wrong and where (file, line, field), not what the value was.
 */
export class HimError extends Error {
  readonly code: string
  readonly exit: ExitCodeValue
  readonly suggestion?: string

  constructor(message: string, opts: {code: string; exit: ExitCodeValue; suggestion?: string; cause?: unknown}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'HimError'
    this.code = opts.code
    this.exit = opts.exit
    this.suggestion = opts.suggestion
  }
}

export const usageError = (message: string, suggestion?: string) =>
  new HimError(message, {code: 'USAGE', exit: ExitCode.USAGE, suggestion})

export const configError = (message: string, suggestion?: string) =>
  new HimError(message, {code: 'CONFIG', exit: ExitCode.CONFIG, suggestion})

/** Pick the exit code that tells the most: missing input beats unreadable input beats rejects. */
export function worstExit(codes: number[]): number {
  const order = [ExitCode.INTERNAL, ExitCode.CONFIG, ExitCode.AUTH, ExitCode.UNAVAILABLE, ExitCode.CANT_CREATE,
    ExitCode.NO_INPUT, ExitCode.DATA, ExitCode.USAGE, ExitCode.REJECTS]
  for (const c of order) if (codes.includes(c)) return c
  return ExitCode.OK
}
