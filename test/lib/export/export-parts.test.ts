import {expect} from 'chai'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {checkLine, waitForBulkManifest} from '../../../src/lib/export/bulk.js'
import {parseSince} from '../../../src/lib/export/export.js'
import {searchPaths} from '../../../src/lib/export/search.js'
import {streamLines} from '../../../src/lib/export/staging.js'
import {lastExport, recordExport, scopeKey} from '../../../src/lib/export/state.js'

// Synthetic inputs only.
async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p)
}

describe('export parts', () => {
  describe('parseSince', () => {
    it('keeps an instant with its zone, takes a date as local midnight, refuses the rest', () => {
      expect(parseSince('2026-11-01T06:00:00Z')).to.equal('2026-11-01T06:00:00Z')
      expect(parseSince('2026-11-01T06:00:00.123+02:00')).to.equal('2026-11-01T06:00:00.123+02:00')
      expect(new Date(parseSince('2026-11-01')).getTime()).to.equal(new Date(2026, 10, 1).getTime())
      for (const bad of ['yesterday', '2026-11-01T06:00:00', '2026-13-01', '11/01/2026'])
        expect(() => parseSince(bad), bad).to.throw(/give a date/)
    })
  })

  describe('searchPaths', () => {
    it('one search per type, with _lastUpdated and the patient filter', () => {
      const paths = searchPaths({types: ['Patient', 'Observation'], since: '2026-11-01T00:00:00Z', patient: 'p1', pageSize: 50})
      expect(paths).to.have.length(2)
      const [p, o] = paths.map((x) => new URL(x, 'http://h/'))
      expect(p.pathname).to.equal('/Patient')
      expect(Object.fromEntries(p.searchParams)).to.deep.equal({_count: '50', _lastUpdated: 'ge2026-11-01T00:00:00Z', _id: 'p1'})
      expect(o.searchParams.get('patient')).to.equal('Patient/p1')
    })
    it('--include-related: one Patient search with a _revinclude per other type', () => {
      const paths = searchPaths({types: ['Patient', 'Observation', 'Condition'], includeRelated: true})
      expect(paths).to.have.length(1)
      expect(new URL(paths[0], 'http://h/').searchParams.getAll('_revinclude')).to.deep.equal(['Observation:patient', 'Condition:patient'])
    })
  })

  describe('checkLine', () => {
    it('accepts a resource of the file type with an id; says what is wrong otherwise, never quoting the line', () => {
      expect(checkLine('{"resourceType":"Patient","id":"a"}', 'Patient')).to.equal(undefined)
      expect(checkLine('{"resourceType":"Patient","id":"a"', 'Patient')).to.equal('not valid JSON')
      expect(checkLine('[1]', 'Patient')).to.equal('not a JSON object')
      expect(checkLine('{"id":"a"}', 'Patient')).to.equal('no resourceType')
      expect(checkLine('{"resourceType":"Observation","id":"a"}', 'Patient')).to.equal('a Observation in the Patient file')
      expect(checkLine('{"resourceType":"Patient","name":[{"family":"SYNTHETIC"}]}', 'Patient')).to.equal('a resource without an id')
    })
  })

  describe('streamLines', () => {
    it('splits across chunk borders, CRLF, a multi-byte character cut in two, and a last line without newline', async () => {
      const euro = new TextEncoder().encode('€') // 3 bytes
      async function* parts() {
        yield* chunks('a\r\nb', 'c\n')
        yield euro.subarray(0, 1)
        yield euro.subarray(1)
        yield* chunks('\n\nlast')
      }
      const lines = []
      for await (const l of streamLines(parts())) lines.push(l)
      expect(lines).to.deep.equal([
        {text: 'a', line: 1},
        {text: 'bc', line: 2},
        {text: '€', line: 3},
        {text: '', line: 4},
        {text: 'last', line: 5},
      ])
    })
    it('throws on bytes that are not UTF-8 (a download to try again, not data to guess at)', async () => {
      async function* bad() {
        yield new Uint8Array([0x61, 0xff, 0x0a])
      }
      let error: unknown
      try {
        for await (const _ of streamLines(bad())) void _
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(TypeError)
    })
  })

  describe('state file', () => {
    it('keeps one entry per endpoint and scope; types in any order are the same scope', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'himkit-state-')), 'sub', 'export-state.json')
      const k1 = scopeKey('ehr', {types: ['Patient', 'Observation']})
      expect(scopeKey('ehr', {types: ['Observation', 'Patient']})).to.equal(k1)
      expect(scopeKey('ehr', {types: ['Patient', 'Observation'], patient: 'p1'})).to.not.equal(k1)
      expect(scopeKey('other', {types: ['Patient', 'Observation']})).to.not.equal(k1)
      expect(await lastExport(file, k1)).to.equal(undefined)
      await recordExport(file, k1, {transactionTime: '2026-11-25T10:00:00Z', method: 'bulk', finishedAt: '2026-11-25T10:01:00Z', resources: 3})
      await recordExport(file, 'x', {transactionTime: '2026-11-25T11:00:00Z', method: 'search', finishedAt: '2026-11-25T11:01:00Z', resources: 0})
      expect((await lastExport(file, k1))?.transactionTime).to.equal('2026-11-25T10:00:00Z')
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).exports)).to.have.length(2)
    })
    it('a file that is not a state file is an error that names it, not a silent full export', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'himkit-state-')), 'export-state.json')
      writeFileSync(file, '{"version":2}')
      let error: Error | undefined
      try {
        await lastExport(file, 'k')
      } catch (e) {
        error = e as Error
      }
      expect(error?.message).to.equal(`${file}: not a himkit export state file`)
    })
  })

  describe('waitForBulkManifest', () => {
    const manifest = {transactionTime: '2026-11-25T10:00:00Z', requiresAccessToken: true, output: [{type: 'Patient', url: 'http://h/fhir/Binary/1'}], error: []}
    /** A client whose status answers are scripted: [status, headers]. */
    const scripted = (answers: Array<[number, Record<string, string>]>) => {
      const seen: string[] = []
      return {
        seen,
        client: {
          endpoint: {name: 'test'},
          request: async (req: {path: string}) => {
            seen.push(req.path)
            const [status, headers] = answers.shift()!
            return {status, headers: new Headers(headers), body: status === 200 ? manifest : {}, attempts: 1, elapsedMs: 0}
          },
        } as never,
      }
    }

    it('waits what Retry-After says, reports X-Progress, and returns the manifest', async () => {
      const {client, seen} = scripted([
        [202, {'retry-after': '3', 'x-progress': 'synthetic 10%'}],
        [202, {'retry-after': '120'}],
        [202, {}],
        [200, {}],
      ])
      const waits: number[] = []
      const progress: Array<string | undefined> = []
      const m = await waitForBulkManifest(client, 'http://h/status', {sleep: async (ms) => void waits.push(ms), onProgress: (p) => progress.push(p), minWaitMs: 1000})
      expect(m.output[0].type).to.equal('Patient')
      expect(waits).to.deep.equal([3000, 120_000, 2250]) // the third has no Retry-After: our own backoff, grown twice
      expect(progress).to.deep.equal(['synthetic 10%', undefined, undefined])
      expect(seen).to.deep.equal(['http://h/status', 'http://h/status', 'http://h/status', 'http://h/status'])
    })

    it('a manifest that is not one is an error that says which part', async () => {
      const {client} = scripted([[200, {}]])
      ;(client as {request: unknown}).request = async () => ({status: 200, headers: new Headers(), body: {output: []}, attempts: 1, elapsedMs: 0})
      let error: Error | undefined
      try {
        await waitForBulkManifest(client, 'http://h/status', {sleep: async () => {}})
      } catch (e) {
        error = e as Error
      }
      expect(error?.message).to.match(/^endpoint "test": bulk \$export finished, but its manifest is not a Bulk Data manifest \(transactionTime: /)
    })
  })
})
