import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {FaultProxy} from './support/fault-proxy.js'
import {requireFhirServer, type FhirServer} from './support/fhir-server.js'
import {identifiersOnServer, importConfig} from './support/server-patients.js'
import {himAsync} from './support/run-cli.js'
import {tempDir} from './support/test-keys.js'

// him import interrupted (kill -9, Ctrl-C) and resumed, and through a proxy that drops connections and throttles:
// every time exactly one copy of each of the 200 synthetic sample patients ends up on the HAPI server.
const root = fileURLToPath(new URL('../..', import.meta.url))
const SAMPLE = join(root, 'fixtures/sample/patients.csv')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Start the CLI, wait until its journal holds `lines` confirmed transactions, then send it `signal`. */
async function interruptAfter(args: string[], cwd: string, journal: string, lines: number, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [`${root}bin/run.js`, ...args], {cwd, env: {...process.env, NO_COLOR: '1', HIMKIT_CONFIG_DIR: '/nonexistent-himkit-test'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const closed = new Promise<number | null>((r) => child.on('close', (code, sig) => r(code ?? (sig ? -1 : null))))
  for (let i = 0; i < 600; i++) {
    if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"confirmed"')).length >= lines) break
    await sleep(50)
  }
  child.kill(signal)
  return {code: await closed, stderr: () => stderr}
}

describe('him import: interrupted, resumed, through faults', function () {
  let fhir: FhirServer
  let proxy: FaultProxy

  before(async function () {
    fhir = await requireFhirServer(this)
    proxy = await FaultProxy.start(fhir.baseUrl)
  })

  beforeEach(() => proxy?.clear())
  after(async () => proxy?.close())

  const setup = () => {
    const dir = tempDir('himkit-import-resume-')
    const system = importConfig(dir, [
      {name: 'slow', kind: 'fhir', url: proxy.baseUrl},
      {name: 'hapi', kind: 'fhir', url: fhir.baseUrl},
    ])
    return {dir, system}
  }
  const slowPosts = () => proxy.inject({fault: {kind: 'delay', ms: 250}, times: 1000, match: (r) => r.method === 'POST'})

  it('kill -9 mid-run, then --resume: exact count, confirmed transactions not sent again', async () => {
    const {dir, system} = setup()
    slowPosts()
    const args = ['import', SAMPLE, '--endpoint', 'slow', '--batch-size', '10', '--concurrency', '1']
    const journal = join(dir, 'patients.csv.import-journal.ndjson')
    const killed = await interruptAfter(args, dir, journal, 3, 'SIGKILL')
    expect(killed.code, killed.stderr()).to.equal(-1)
    const before = await identifiersOnServer(fhir.baseUrl, system)
    expect(before.length).to.be.within(30, 190)

    proxy.clear()
    const r = await himAsync([...args, '--resume', '--json'], {cwd: dir})
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts.skipped).to.be.at.least(30)
    expect(j.counts.created + j.counts.unchanged + j.counts.skipped).to.equal(200)
    // at most the one transaction that was on the wire when the process died is sent again (and found unchanged)
    expect(j.counts.unchanged).to.be.at.most(10)
    expect(j.balanced).to.equal(true)
    expect(existsSync(journal), 'a finished run removes its journal').to.equal(false)
    const ids = await identifiersOnServer(fhir.baseUrl, system)
    expect(ids).to.have.length(200)
    expect(new Set(ids).size).to.equal(200)
  })

  it('Ctrl-C stops cleanly (in-flight work journaled, exit 130, says how to resume); --resume finishes', async () => {
    const {dir, system} = setup()
    slowPosts()
    const args = ['import', SAMPLE, '--endpoint', 'slow', '--batch-size', '10', '--concurrency', '2']
    const journal = join(dir, 'patients.csv.import-journal.ndjson')
    const stopped = await interruptAfter(args, dir, journal, 2, 'SIGINT')
    expect(stopped.code, stopped.stderr()).to.equal(130)
    expect(stopped.stderr()).to.match(/interrupted: the transactions in flight were finished and recorded/)
    expect(stopped.stderr()).to.match(/to carry on: him import .*patients\.csv --endpoint slow .*--resume/)
    const confirmed = readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"confirmed"')).length
    // clean stop: everything the server holds is in the journal
    expect(await identifiersOnServer(fhir.baseUrl, system)).to.have.length(confirmed * 10)

    const r = await himAsync([...args, '--resume', '--json'], {cwd: dir})
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts).to.include({skipped: confirmed * 10, created: 200 - confirmed * 10, unchanged: 0})
    expect(await identifiersOnServer(fhir.baseUrl, system)).to.have.length(200)
  })

  it('through dropped connections, lost answers, 429 and 503: exact count', async () => {
    const {dir, system} = setup()
    const post = (r: {method: string}) => r.method === 'POST'
    proxy.inject({fault: {kind: 'reset'}, times: 1, match: post})
    proxy.inject({fault: {kind: 'reset-after-forward'}, times: 2, match: post})
    proxy.inject({fault: {kind: 'status', status: 429, retryAfter: '1'}, times: 1, match: post})
    proxy.inject({fault: {kind: 'status', status: 503}, times: 2, match: post})
    const r = await himAsync(['import', SAMPLE, '--endpoint', 'slow', '--batch-size', '25', '--json'], {cwd: dir})
    expect(r.code, r.stderr + r.stdout).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts.retried).to.be.at.least(6)
    expect(j.counts.created + j.counts.unchanged).to.equal(200)
    expect(j.counts.rejected).to.equal(0)
    const ids = await identifiersOnServer(fhir.baseUrl, system)
    expect(ids).to.have.length(200)
    expect(new Set(ids).size).to.equal(200)
  })
})
