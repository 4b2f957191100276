import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {fixture, scratch} from '../support/files.js'
import {KEY, plain, runInTerminal} from './support/terminal.js'

// The review screen as a person sees it: the built CLI on a real pseudo-terminal (util-linux `script`), keys typed
// as answers. Input: fixtures/dedupe/patients.csv (synthetic, see its README) plus three more pairs of synthetic
// twins written here (invented names, 555 phones): with the fixture's twins, four pairs that always go to review.
const TWINS = [
  'T0003,Henrietta,,Oakhollow,1995-03-03,F,,5 Birch Row,Eastwick,MA,01234,617-555-0131,',
  'T0004,Beatrice,,Oakhollow,1995-03-03,F,,5 Birch Row,Eastwick,MA,01234,617-555-0131,',
  'T0005,Marcus,,Pennyworth,1988-07-21,M,,22 Cedar Path,Westwick,MA,01240,617-555-0152,',
  'T0006,Lionel,,Pennyworth,1988-07-21,M,,22 Cedar Path,Westwick,MA,01240,617-555-0152,',
  'T0007,Rosalind,,Thistlewood,2010-12-01,F,,9 Aspen Way,Eastwick,MA,01234,617-555-0164,',
  'T0008,Gwendolyn,,Thistlewood,2010-12-01,F,,9 Aspen Way,Eastwick,MA,01234,617-555-0164,',
]

const ANSWER = {
  same: KEY.enter,
  different: KEY.down + KEY.enter,
  skip: KEY.down + KEY.down + KEY.enter,
  stop: KEY.down + KEY.down + KEY.down + KEY.enter,
}
type Answer = keyof typeof ANSWER

/** One CSV line into cells (quotes, doubled quotes). */
function cells(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}

/** The decisions file as {pair of MRNs -> decision}. */
function decisionsByMrns(file: string): Map<string, string> {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split(/\r?\n/).map(cells)
  const col = (name: string) => header.indexOf(name)
  return new Map(rows.map((r) => [[r[col('a_identifiers')], r[col('b_identifiers')]].sort().join('+'), r[col('decision')]]))
}

/** Answer each pair shown with the next answer; returns the screen and, per pair shown, its two MRNs. */
async function review(args: string[], answers: Answer[]) {
  let asked = 0
  const run = await runInTerminal(args, (screen) => {
    if (asked >= answers.length) return undefined
    const s = plain(screen)
    const at = s.indexOf(`Pair ${asked + 1} of`)
    if (at === -1 || !s.includes('Are these the same person?', at)) return undefined
    return ANSWER[answers[asked++]]
  })
  const s = plain(run.screen)
  const shown = [...s.matchAll(/Pair (\d+) of (\d+)[^\n]*\n([\s\S]*?)\? Are these the same person\?/g)].map((m) => {
    const ids = m[3].match(/Identifiers\s+(\S+)\s+(\S+)/)!
    return {text: m[0], total: Number(m[2]), mrns: [ids[1], ids[2]].sort().join('+')}
  })
  return {...run, plain: s, shown}
}

describe('him dedupe --review in a terminal (built CLI on a pseudo-terminal)', function () {
  this.timeout(120_000)
  const tmp = scratch()
  after(() => tmp.cleanup())
  before(function () {
    // util-linux `script` makes the pseudo-terminal; without it there is no terminal to test in.
    if (spawnSync('script', ['--version']).error) this.skip()
  })
  const input = tmp.file('patients.csv', readFileSync(fixture('dedupe/patients.csv'), 'utf8').trimEnd() + '\n' + TWINS.join('\n') + '\n')
  const decisions = tmp.path('decisions.csv')

  it('shows each pair side by side with differences marked and the explanation; same / not the same / skip / stop go to the decisions file; decided pairs are not asked again', async () => {
    const model = tmp.path('model.json')
    const first = await review(['dedupe', input, '--review', '--decisions', decisions, '--model', model], ['same', 'different', 'skip', 'stop'])
    expect(first.code, first.plain.slice(-2000)).to.equal(0)
    expect(first.shown).to.have.length(4)
    expect(first.shown[0].total).to.equal(4)

    // What a person sees for a pair: both records' locations, each field side by side, differences marked, why.
    const pair = first.shown[0].text
    expect(pair).to.match(new RegExp(`${input}:line \\d+\\s+${input}:line \\d+`))
    expect(pair).to.match(/review because: likely twins/)
    const line = (label: string) => pair.split('\n').find((l) => l.startsWith(label))!
    expect(line('Name')).to.match(/^Name\s+\S+ \S+\s+\S+ \S+\s+≠$/)
    expect(line('Birth date')).to.match(/^Birth date\s+(\d{4}-\d\d-\d\d)\s+\1\s*$/) // the same: no mark
    expect(line('Address')).to.not.include('≠')
    expect(pair).to.match(/Why: given different -[\d.]+, family exact \+[\d.]+, birthDate exact \+[\d.]+/)
    // Differences are coloured (yellow), agreeing fields are not.
    const raw = first.screen.split('\n')
    const rawLine = (label: string) => raw.find((l) => plain(l).startsWith(label))!
    expect(rawLine('Name')).to.include('\u001B[33m')
    expect(rawLine('Birth date')).to.not.include('\u001B[33m')

    const [same, different, skipped, stopped] = first.shown.map((x) => x.mrns)
    let decided = decisionsByMrns(decisions)
    expect(decided.get(same)).to.equal('same')
    expect(decided.get(different)).to.equal('different')
    expect(decided.get(skipped)).to.equal('')
    expect(decided.get(stopped)).to.equal('')
    expect(first.plain).to.match(/You reviewed 2 pairs\./)
    // The model saved after the review holds the two decisions (they entered the estimate).
    expect(JSON.parse(readFileSync(model, 'utf8')).decisions).to.deep.equal({same: 1, different: 1})

    // Next time: the two decided pairs are not asked again; the skipped one and the one never reached are.
    const second = await review(['dedupe', input, '--review', '--decisions', decisions], ['skip', 'skip', 'skip', 'skip', 'skip'])
    expect(second.code, second.plain.slice(-2000)).to.equal(0)
    const again = second.shown.map((x) => x.mrns)
    expect(again).to.include.members([skipped, stopped])
    expect(again).to.not.include(same)
    expect(again).to.not.include(different)
    expect(second.shown[0].total).to.equal(again.length)
    decided = decisionsByMrns(decisions)
    expect(decided.get(same)).to.equal('same')
    expect(decided.get(different)).to.equal('different')
  })
})
