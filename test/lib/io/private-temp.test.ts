import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'

import {privateTempDir, removeAbandonedTempFiles} from '../../../src/lib/io/private-temp.js'
import {Sink} from '../../../src/lib/io/sink.js'
import {scratch} from '../../support/files.js'

/** The id of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(r.stdout.toString())
}

describe('temporary files of killed runs', () => {
  const tmp = scratch()
  after(() => tmp.cleanup())

  it('removes <file>.tmp-<pid> of a process that is gone, and nothing else', async () => {
    const dead = deadPid()
    const target = tmp.path('out.ndjson')
    const abandoned = tmp.file(`out.ndjson.tmp-${dead}`, 'synthetic half output\n')
    const mine = tmp.file(`out.ndjson.tmp-${process.pid}`, 'x')
    const other = tmp.file(`other.ndjson.tmp-${dead}`, 'x')
    const notPid = tmp.file('out.ndjson.tmp-12ab', 'x')
    const removed = await removeAbandonedTempFiles(target)
    expect(removed).to.deep.equal([basename(abandoned)])
    expect(existsSync(abandoned)).to.equal(false)
    for (const kept of [mine, other, notPid]) expect(existsSync(kept), kept).to.equal(true)
  })

  it('a new output to the same file removes what a killed run left', async () => {
    const dead = deadPid()
    const target = tmp.path('release.csv')
    const abandoned = tmp.file(`release.csv.tmp-${dead}`, 'synthetic half output\n')
    const sink = await Sink.open(target)
    await sink.write('a\n')
    await sink.commit()
    expect(existsSync(abandoned)).to.equal(false)
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('release.csv'))).to.deep.equal(['release.csv'])
  })

  it('makes private folders named with the process id, removing those of killed runs', async () => {
    const label = `himkit-test-${process.pid}x`
    const dead = deadPid()
    const abandoned = join(tmpdir(), `${label}-${dead}-AbC123`)
    mkdirSync(abandoned)
    writeFileSync(join(abandoned, 'page-1.ndjson'), 'synthetic\n')
    const dir = await privateTempDir(label)
    try {
      expect(existsSync(abandoned)).to.equal(false)
      expect(basename(dir)).to.match(new RegExp(`^${label}-${process.pid}-[A-Za-z0-9]{6}$`))
      expect(statSync(dir).mode & 0o777).to.equal(0o700)
    } finally {
      await rm(dir, {recursive: true, force: true})
      await rm(abandoned, {recursive: true, force: true})
    }
  })
})
