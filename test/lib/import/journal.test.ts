import {expect} from 'chai'
import {appendFileSync, existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Journal, journalPathFor, readJournal, recordKey} from '../../../src/lib/import/journal.js'

describe('import journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'himkit-journal-'))
  const header = {v: 1 as const, endpoint: 'ehr', inputs: [{file: 'a.csv', size: 10, mtimeMs: 5}]}

  it('is named after the rejects file', () => {
    expect(journalPathFor('out/patients.csv.rejects.ndjson')).to.equal('out/patients.csv.import-journal.ndjson')
    expect(recordKey(1, {record: 7, line: 9})).to.equal('1:7')
  })

  it('gives back the records of every answered transaction, ignoring a line cut short by a crash', async () => {
    const path = join(dir, 'j1.ndjson')
    const j = await Journal.open(path, {...header, strategy: 'put'}, false)
    await Promise.all([j.confirm(['0:1', '0:2'], 'confirmed'), j.confirm(['0:3'], 'rejected')])
    await j.close(false)
    appendFileSync(path, '{"outcome":"confirmed","records":["0:4"') // killed while writing
    const done = await readJournal(path, header)
    expect([...done].sort()).to.deep.equal(['0:1', '0:2', '0:3'])
    expect(readFileSync(path, 'utf8').split('\n')[0]).to.include('"strategy":"put"')
  })

  it('refuses a journal about other inputs, and a missing one', async () => {
    const path = join(dir, 'j2.ndjson')
    const j = await Journal.open(path, {...header, strategy: 'put'}, false)
    await j.close(false)
    let err: unknown
    await readJournal(path, {...header, inputs: [{file: 'a.csv', size: 11, mtimeMs: 5}]}).catch((e) => (err = e))
    expect(err).to.have.property('code', 'JOURNAL_MISMATCH')
    err = undefined
    await readJournal(join(dir, 'none.ndjson'), header).catch((e) => (err = e))
    expect(String((err as Error)?.message)).to.match(/no journal/)
  })

  it('is removed when the run finishes', async () => {
    const path = join(dir, 'j3.ndjson')
    const j = await Journal.open(path, {...header, strategy: 'put'}, false)
    await j.close(true)
    expect(existsSync(path)).to.equal(false)
  })
})
