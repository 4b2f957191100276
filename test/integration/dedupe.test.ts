import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'

import {him} from '../support/cli.js'
import {fixture, scratch} from '../support/files.js'

// fixtures/dedupe/patients.csv is synthetic; its README gives the known answer checked here.
const tmp = scratch()
after(() => tmp.cleanup())

const csv = (p: string) => readFileSync(p, 'utf8').replace(/\r\n/g, '\n').trimEnd().split('\n').map((l) => l.split(','))
const input = fixture('dedupe/patients.csv')

describe('him dedupe (built CLI)', function () {
  this.timeout(120_000)

  it('clusters the known duplicates, keeps twins apart, and writes golden CSV by the survivorship rules', () => {
    const clusters = tmp.path('clusters.csv')
    const golden = tmp.path('golden.csv')
    const r = him(['dedupe', input, '--clusters', clusters, '-o', golden])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/Read 307 records/)
    const rows = csv(clusters)
    const line = (n: number) => rows.find((x) => x[4] === `${input}:line ${n}`)!
    // Lines 2-4: one person, named after the oldest record (line 2); twins (5, 6) apart; the newborn (7, 8) merged.
    expect(line(3)[1]).to.equal(line(2)[0])
    expect(line(4)[1]).to.equal(line(2)[0])
    expect(line(5)[1]).to.not.equal(line(6)[1])
    expect(line(8)[1]).to.equal(line(7)[0])
    expect(rows.filter((x) => x[3] === 'yes')).to.have.length(5)

    const g = csv(golden)
    expect(g[0]).to.deep.equal(['MRN', 'First Name', 'Middle Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email', 'cluster_id', 'cluster_size'])
    expect(g).to.have.length(1 + 307 - 3)
    const robert = g.find((x) => x[0] === 'A0001')!
    expect(robert[1].toLowerCase()).to.equal('robert')
    expect(robert[3].toLowerCase()).to.equal('quillfeather')
    expect(robert[11]).to.equal('617-555-0177') // contact from the most recent record
    expect(robert[14]).to.equal('3')
    const baby = g.find((x) => x[0] === 'B0001')!
    expect(baby[1]).to.equal('Daisy') // placeholder BABY GIRL never survives
    expect(g.filter((x) => x[0] === 'A0002' || x[0] === 'A0003' || x[0] === 'B0002')).to.have.length(0)
  })

  it('writes FHIR golden records with replaces / replaced-by links, seealso for the pair under review, and lineage', () => {
    const nd = tmp.path('in.ndjson')
    expect(him(['convert', input, '--to', 'ndjson', '-o', nd]).code).to.equal(0)
    const out = tmp.path('golden.ndjson')
    const r = him(['dedupe', nd, '-o', out])
    expect(r.code, r.stderr).to.equal(0)
    const res = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(res).to.have.length(307)
    const mrn = (p: {identifier: Array<{value: string}>}) => p.identifier[0].value
    const golden = res.find((p) => mrn(p) === 'A0001')
    expect(golden.active).to.equal(true)
    expect(golden.link.map((l: {type: string}) => l.type)).to.deep.equal(['replaces', 'replaces'])
    expect(golden.identifier.map((i: {value: string}) => i.value)).to.include.members(['A0001', 'A0002', 'A0003'])
    expect(golden.birthDate).to.equal('1961-04-12')
    expect(golden.address.map((a: {use: string}) => a.use)).to.deep.equal(['home', 'old'])
    expect(golden.name[0].given[0].toLowerCase()).to.equal('robert')
    expect(golden.extension.find((e: {url: string}) => e.url.endsWith('dedupe-lineage'))).to.not.equal(undefined)
    const replaced = res.filter((p) => ['A0002', 'A0003'].includes(mrn(p)))
    expect(replaced.every((p) => p.active === false && p.link[0].type === 'replaced-by' && p.link[0].other.reference === `Patient/${golden.id}`)).to.equal(true)
    const twin = res.find((p) => mrn(p) === 'T0001')
    expect(twin.link[0].type).to.equal('seealso')
  })

  it('without a TTY, --review writes the queue to the decisions file instead of prompting; filled in, it is obeyed and not asked again', () => {
    const decisions = tmp.path('review.csv')
    const first = him(['dedupe', input, '--review', '--decisions', decisions])
    expect(first.code, first.stderr).to.equal(0)
    let rows = csv(decisions)
    expect(rows[0].slice(0, 3)).to.deep.equal(['record_a', 'record_b', 'decision'])
    expect(rows).to.have.length(2) // the twins
    expect(rows[1][2]).to.equal('')
    expect(first.stderr).to.match(/1 pairs still to decide/)

    const text = readFileSync(decisions, 'utf8').split('\r\n')
    const cells = text[1].split(',')
    cells[2] = 'same'
    text[1] = cells.join(',')
    writeFileSync(decisions, text.join('\r\n'))
    const clusters = tmp.path('after.csv')
    const second = him(['dedupe', input, '--review', '--decisions', decisions, '--clusters', clusters, '--json'])
    expect(second.code, second.stderr).to.equal(0)
    const summary = JSON.parse(second.stdout)
    expect(summary.reviewQueue.pending).to.equal(0)
    expect(summary.pairs.decidedByReviewer).to.equal(1)
    const c = csv(clusters)
    const line = (n: number) => c.find((x) => x[4] === `${input}:line ${n}`)!
    expect(line(6)[1]).to.equal(line(5)[1])
    rows = csv(decisions)
    expect(rows[1][2]).to.equal('same')
  })

  it('keeps record values out of the summary and the --json output', () => {
    const r = him(['dedupe', input, '--json', '--pairs', tmp.path('pairs.json')])
    expect(r.code).to.equal(0)
    for (const v of ['Quillfeather', 'Brightwater', '1961', '617-555', 'A0001']) {
      expect(r.stdout).to.not.include(v)
      expect(r.stderr).to.not.include(v)
    }
    const pairs = JSON.parse(readFileSync(tmp.path('pairs.json'), 'utf8'))
    expect(pairs[0].explanation.fields.length).to.be.greaterThan(5)
  })

  it('links two files without merging them: seealso links, one to one, pairs only across the files', () => {
    const out = tmp.path('linked.ndjson')
    const pairs = tmp.path('links.csv')
    const r = him(['dedupe', fixture('dedupe/registry.csv'), '--link-to', input, '--one-to-one', '-o', out, '--pairs', pairs])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/Groups linked \(not merged\)/)
    const res = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(res).to.have.length(310)
    expect(res.every((p) => p.active !== false && !(p.link ?? []).some((l: {type: string}) => l.type !== 'seealso'))).to.equal(true)
    const byMrn = new Map(res.map((p) => [p.identifier[0].value, p]))
    const linkedTo = (mrn: string) => (byMrn.get(mrn).link ?? []).map((l: {other: {reference: string}}) => l.other.reference.replace('Patient/', ''))
    const idOf = (mrn: string) => byMrn.get(mrn).id
    expect(linkedTo('R-100')).to.have.length(1)
    expect(['A0001', 'A0002', 'A0003'].map(idOf)).to.include(linkedTo('R-100')[0])
    expect(linkedTo('R-200')).to.include(idOf('T0001'))
    expect(linkedTo('R-300')).to.deep.equal([])
    const rows = csv(pairs).slice(1)
    expect(rows.every((x) => x[2].includes('registry.csv') !== x[3].includes('registry.csv'))).to.equal(true)
  })

  it('reads HL7 v2: the fixture as ADT messages gives the same clusters, located at each message', () => {
    const hl7 = tmp.path('adt.hl7')
    expect(him(['convert', input, '--to', 'hl7', '-o', hl7]).code).to.equal(0)
    // A later update (A08) of A0003 repeats that patient: matched once, as the later message has it.
    const a0003 = readFileSync(hl7, 'utf8').split(/\r\n?|\n/).find((l) => l.startsWith('PID|1||A0003^'))!
    const feed = tmp.path('feed.txt')
    writeFileSync(feed, readFileSync(hl7, 'utf8').replace(/^FHS.*\r?\n?BHS.*\r?\n?/, '').replace(/BTS.*\r?\n?FTS.*\s*$/, '') + ['MSH|^~\\&|REG|SYNTH|HIMKIT|HIMKIT|20260101||ADT^A08^ADT_A01|X1|P|2.5.1', 'EVN|A08|20260101', a0003].join('\r') + '\r')
    const clusters = tmp.path('hl7-clusters.csv')
    const r = him(['dedupe', feed, '--from', 'hl7', '--clusters', clusters, '--json'])
    expect(r.code, r.stderr).to.equal(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.files[0]).to.include({format: 'hl7', records: 307, repeated: 1})
    expect(summary.clusters).to.include({merged: 2, recordsInMerged: 5})
    const rows = csv(clusters).slice(1)
    const byLine = (n: number) => rows.find((x) => x[4] === `${feed}:line ${n}`)!
    // Each message is 4 lines (MSH, EVN, PID, PV1): Robert's three records in one cluster named after the first.
    expect(byLine(1)[0]).to.equal(byLine(1)[1])
    expect(byLine(5)[1]).to.equal(byLine(1)[0])
    const last = Math.max(...rows.map((x) => Number(x[4].split(':line ')[1])))
    expect(rows.find((x) => x[4] === `${feed}:line ${last}`)![1]).to.equal(byLine(1)[0]) // A0003, from its A08
    expect(rows.filter((x) => x[3] === 'yes')).to.have.length(5)
  })

  it('--model saves the estimated model (no record values), loads it on the next run instead of estimating, and refuses other settings (78)', () => {
    const model = tmp.path('model.json')
    const first = him(['dedupe', input, '--model', model, '--clusters', tmp.path('m1.csv'), '--json'])
    expect(first.code, first.stderr).to.equal(0)
    expect(JSON.parse(first.stdout).model).to.include({source: 'estimated', file: model})
    const text = readFileSync(model, 'utf8')
    expect(JSON.parse(text)).to.include({format: 'himkit-dedupe-model', version: 1})
    for (const v of ['Quillfeather', 'Brightwater', 'Eastwick', 'A0001', '617-555', '1961-04-12']) expect(text).to.not.include(v)

    const second = him(['dedupe', input, '--model', model, '--clusters', tmp.path('m2.csv')])
    expect(second.code, second.stderr).to.equal(0)
    expect(second.stderr).to.include(`Model: loaded from ${model}`)
    expect(readFileSync(tmp.path('m2.csv'), 'utf8')).to.equal(readFileSync(tmp.path('m1.csv'), 'utf8'))
    expect(readFileSync(model, 'utf8')).to.equal(text) // a loaded model is not rewritten

    const other = him(['dedupe', input, '--model', model, '--ignore', 'ssn'])
    expect(other.code).to.equal(78)
    expect(other.stderr).to.include('the model was made ignoring none, this run ignores ssn')
    writeFileSync(tmp.path('broken.json'), '{"format": "himkit-dedupe-model", "version": 1')
    expect(him(['dedupe', input, '--model', tmp.path('broken.json')]).code).to.equal(78)

    // A reviewer's decision (the twins are the same person) enters the saved estimate.
    const keyAt = (n: number) => csv(tmp.path('m1.csv')).find((x) => x[4] === `${input}:line ${n}`)![0]
    const decisions = tmp.file('twins.json', JSON.stringify([{a: keyAt(5), b: keyAt(6), decision: 'same'}]))
    const refined = tmp.path('refined.json')
    const third = him(['dedupe', input, '--decisions', decisions, '--model', refined])
    expect(third.code, third.stderr).to.equal(0)
    expect(third.stderr).to.include('Model: estimated with 1 reviewer decisions')
    expect(JSON.parse(readFileSync(refined, 'utf8')).decisions).to.deep.equal({same: 1, different: 0})
  })

  it('fails with the right exit codes: missing input 66, bad threshold 64, bad settings 78', () => {
    expect(him(['dedupe', tmp.path('nope.csv')]).code).to.equal(66)
    expect(him(['dedupe', input, '--auto-threshold', '2']).code).to.equal(64)
    const settings = tmp.file('s.json', '{"autoThreshold": "high"}')
    const r = him(['dedupe', input, '--settings', settings])
    expect(r.code).to.equal(78)
    expect(r.stderr).to.include('autoThreshold')
  })
})
