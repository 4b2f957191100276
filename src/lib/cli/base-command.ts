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

  /**
   * Every error ends here: one line (what and where), a hint when there is one, the exit code of the table, the
   * same under --json (as JSON on stdout). A stack trace only with --debug.
   */
  async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}; code?: string; parse?: unknown}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    let exit: number
    let code: string
    let message: string
    let suggestions: string[] = []
    if (err instanceof HimError) {
      exit = err.exit
      code = err.code
      message = err.message
      if (err.suggestion) suggestions = [err.suggestion]
    } else if (err instanceof Errors.CLIError || err.oclif !== undefined) {
      // oclif's own: flag and argument parsing
      exit = err.parse !== undefined || err.oclif?.exit === undefined || err.oclif.exit === ExitCode.INTERNAL ? ExitCode.USAGE : err.oclif.exit
      code = 'USAGE'
      message = err.message.replace(/\n?See more help with --help/, '').replace(/\s*\n\s*/g, ' ').trim()
      suggestions = [`see: ${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help`.replace(/\s+--help/, ' --help')]
    } else {
      exit = ExitCode.INTERNAL
      code = 'INTERNAL'
      const what = [err.name, err.code].filter(Boolean).join(' ')
      message = `internal error (${what || 'unknown'})`
      suggestions = ['run again with --debug for details, and report it']
    }
    process.exitCode = exit
    if (this.jsonEnabled()) {
      const e = new Errors.CLIError(message, {exit, code, suggestions})
      ;(e as {exitCode?: number}).exitCode = exit
      return super.catch(e)
    }
    this.logToStderr(`${chalk.red('error:')} ${message}${this.isDebug() ? ` [${code}]` : ''}`)
    for (const s of suggestions) this.logToStderr(`  ${chalk.dim('hint:')} ${s}`)
    if (this.isDebug() && err.stack) this.logToStderr(err.stack)
    throw new Errors.ExitError(exit)
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
