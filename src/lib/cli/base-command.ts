import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import chalk from 'chalk'

import {HimError} from './errors.js'
import {ExitCode} from './exit-codes.js'
import {createProgress, type Progress} from './progress.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof HimCommand)['baseFlags'] & T['flags']>

/**
 * The base of every `him` command: --json, --config, --debug, exit codes that hold with and without --json,
 * one-line errors without stack traces (unless --debug), progress on a TTY only.
 */
export abstract class HimCommand extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    config: Flags.string({
      description: 'Configuration file (else $HIMKIT_CONFIG, ./himkit.config.{json,yaml,yml}, then the user config dir).',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({description: 'Show stack traces and internal detail on errors.', helpGroup: 'GLOBAL'}),
  }

  async init(): Promise<void> {
    if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0
    await super.init()
  }

  /** Progress on stderr, only on an interactive terminal, never under --json or CI. */
  protected progress(): Progress {
    return createProgress({enabled: Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !process.env.CI})
  }

  /** A logger for library code: muted under --json, to stderr so stdout stays data when -o -. */
  protected logger() {
    return {
      info: (msg: string) => {
        if (!this.jsonEnabled()) this.logToStderr(msg)
      },
      warn: (msg: string) => {
        if (!this.jsonEnabled()) this.logToStderr(chalk.yellow(`warning: ${msg}`))
      },
    }
  }

  protected isDebug(): boolean {
    return this.argv.includes('--debug') || process.env.HIMKIT_DEBUG === '1'
  }

  async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}; code?: string}): Promise<unknown> {
    let out: Error & {exitCode?: number; oclif?: {exit?: number}}
    if (err instanceof HimError) {
      out = new Errors.CLIError(err.message, {
        code: err.code,
        exit: err.exit,
        suggestions: err.suggestion ? [err.suggestion] : undefined,
      })
      if (this.isDebug() && err.stack) out.stack = err.stack
    } else if (err.oclif?.exit !== undefined || err instanceof Errors.CLIError) {
      out = err
    } else if (this.isDebug()) {
      out = err
      ;(out as {oclif?: {exit: number}}).oclif = {exit: ExitCode.INTERNAL}
    } else {
      const what = [err.name, err.code].filter(Boolean).join(' ')
      out = new Errors.CLIError(`internal error (${what || 'unknown'}); run again with --debug for details`, {
        exit: ExitCode.INTERNAL,
        code: 'INTERNAL',
      })
    }

    const exit = out.oclif?.exit ?? ExitCode.INTERNAL
    out.exitCode = exit
    process.exitCode = exit
    return super.catch(out)
  }

  protected toErrorJson(err: unknown): {error: Record<string, unknown>} {
    const e = err as Errors.CLIError & {code?: string; suggestions?: string[]}
    return {
      error: {
        code: e.code ?? 'ERROR',
        exit: e.oclif?.exit ?? ExitCode.INTERNAL,
        message: e.message.replace(/^Error: /, ''),
        suggestions: e.suggestions,
      },
    }
  }
}
