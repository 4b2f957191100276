/**
 * The one question dedupe --endpoint --apply asks on a terminal before writing merges to a server. Only ever called
 * on a TTY (the command checks); Ctrl-C at the prompt cancels the run with nothing written (exit 130).
 */
import {confirm} from '@inquirer/prompts'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'

export async function confirmMerges(endpointName: string, updates: number): Promise<boolean> {
  try {
    return await confirm({message: `Write ${updates === 1 ? 'this update' : `these ${updates.toLocaleString('en-US')} updates`} to "${endpointName}"?`, default: false})
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new HimError('cancelled; nothing was written', {code: 'CANCELLED', exit: ExitCode.CANCELLED})
    throw error
  }
}
