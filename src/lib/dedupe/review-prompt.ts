/**
 * The terminal review screen (inquirer): each doubtful pair side by side, differences highlighted, the
 * field-by-field explanation beside it; same person / not the same / skip / stop. Only ever called on a TTY:
 * the command checks, and without one the queue goes to a file instead. This screen shows record values
 * because the person asked to review.
 */
import {select} from '@inquirer/prompts'
import chalk from 'chalk'

import {type Decision} from './engine.js'
import {REVIEW_FIELDS, type ReviewItem} from './review-queue.js'

const LABELS: Record<string, string> = {name: 'Name', birthDate: 'Birth date', sex: 'Sex', ssn: 'SSN', address: 'Address', phone: 'Phone', email: 'Email', identifiers: 'Identifiers'}

/** The side-by-side text of one pair (exported for tests). */
export function renderPair(it: ReviewItem, index: number, total: number, width = 34): string {
  const cut = (s: string) => (s.length > width ? s.slice(0, width - 1) + '…' : s.padEnd(width))
  const lines = [
    chalk.bold(`Pair ${index + 1} of ${total}: match probability ${(it.probability * 100).toFixed(1)}%`) + (it.reasons.length ? chalk.red(`  review because: ${it.reasons.join('; ')}`) : ''),
    chalk.dim(`${''.padEnd(12)} ${cut(it.locationA)} ${cut(it.locationB)}`),
  ]
  for (const f of REVIEW_FIELDS) {
    const l = it.left[f] ?? ''
    const r = it.right[f] ?? ''
    if (!l && !r) continue
    const differ = l.trim().toLowerCase() !== r.trim().toLowerCase()
    const paint = (s: string) => (differ ? chalk.yellow(cut(s)) : cut(s))
    lines.push(`${(LABELS[f] ?? f).padEnd(12)} ${paint(l)} ${paint(r)}${differ ? chalk.yellow(' ≠') : ''}`)
  }
  lines.push(chalk.dim('Why: ') + it.explanation.fields.filter((x) => x.level !== 'missing').map((x) => `${x.field} ${x.level} ${x.weight >= 0 ? chalk.green('+' + x.weight) : chalk.red(String(x.weight))}`).join(', '))
  return lines.join('\n')
}

export async function reviewInTerminal(items: ReviewItem[], write: (s: string) => void): Promise<Decision[]> {
  const decisions: Decision[] = []
  for (const [i, it] of items.entries()) {
    const width = Math.max(20, Math.min(60, Math.floor(((process.stdout.columns ?? 100) - 16) / 2)))
    write('\n' + renderPair(it, i, items.length, width) + '\n')
    const answer = await select({
      message: 'Are these the same person?',
      choices: [
        {name: 'Same person (merge)', value: 'same'},
        {name: 'Not the same', value: 'different'},
        {name: 'Skip (ask again next time)', value: 'skip'},
        {name: 'Stop reviewing', value: 'stop'},
      ],
    })
    if (answer === 'stop') break
    if (answer === 'same' || answer === 'different') decisions.push({a: it.a, b: it.b, decision: answer})
  }
  return decisions
}
