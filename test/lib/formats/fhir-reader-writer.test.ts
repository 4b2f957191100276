import {expect} from 'chai'

import {HimError} from '../../../src/lib/cli/errors.js'
import {readFhir} from '../../../src/lib/formats/fhir/reader.js'
import {bundleWriter, ndjsonWriter} from '../../../src/lib/formats/fhir/writer.js'
import {Sink} from '../../../src/lib/io/sink.js'
import {openSource} from '../../../src/lib/io/source.js'
import {collect, scratch} from '../../support/files.js'
import {readFileSync} from 'node:fs'

const tmp = scratch()
after(() => tmp.cleanup())

const patient = (id: string) => ({resourceType: 'Patient', id})

describe('readFhir', () => {
  it('reads NDJSON line by line, rejecting bad lines with their line number and going on', async () => {
    const text = [JSON.stringify(patient('a')), '{not json', '', JSON.stringify({resourceType: 'Nope'}), JSON.stringify({a: 1}), JSON.stringify(patient('b'))].join('\n')
    const items = await collect(readFhir(await openSource(tmp.file('x.ndjson', text))))
    expect(items.map((i) => (i.ok ? 'ok' : i.code))).to.deep.equal(['ok', 'INVALID_JSON', 'UNKNOWN_RESOURCE_TYPE', 'NOT_FHIR', 'ok'])
    expect(items.map((i) => i.loc.line)).to.deep.equal([1, 2, 4, 5, 6])
    expect(JSON.stringify(items[1])).to.not.include('"reason":"{not json')
  })

  it('reads the entries of a Bundle of any type, and a single resource', async () => {
    const b = {resourceType: 'Bundle', type: 'searchset', entry: [{resource: patient('a')}, {fullUrl: 'x'}, {resource: {resourceType: 'Observation', status: 'final'}}]}
    const items = await collect(readFhir(await openSource(tmp.file('b.json', JSON.stringify(b, null, 2)))))
    expect(items.map((i) => (i.ok ? i.value.resourceType : i.code))).to.deep.equal(['Patient', 'BUNDLE_ENTRY_WITHOUT_RESOURCE', 'Observation'])
    expect(items[1].loc.field).to.equal('entry[1]')
    const one = await collect(readFhir(await openSource(tmp.file('p.json', JSON.stringify(patient('z'))))))
    expect(one).to.have.length(1)
  })

  it('streams a Bundle too large to parse whole and gives the same entries', async () => {
    const b = {resourceType: 'Bundle', type: 'collection', entry: Array.from({length: 50}, (_, i) => ({resource: patient(`p${i}`)}))}
    const src = await openSource(tmp.file('big.json', JSON.stringify(b)))
    const streamed = await collect(readFhir(src, {wholeJsonLimit: 10}))
    expect(streamed.map((i) => i.ok && i.value.id)).to.deep.equal(b.entry.map((e) => e.resource.id))
  })

  it('says where invalid JSON is, without quoting it', async () => {
    const src = await openSource(tmp.file('bad.json', '{\n  "resourceType": "Patient",\n  "name": SECRETNAME\n}'))
    try {
      await collect(readFhir(src))
      expect.fail('should throw')
    } catch (error) {
      expect(error).to.be.instanceOf(HimError)
      expect((error as HimError).message).to.match(/line 3/)
      expect((error as HimError).message).to.not.include('SECRETNAME')
      expect((error as HimError).exit).to.equal(65)
    }
  })

  it('refuses JSON that is not FHIR and a resourceType R4 does not have', async () => {
    for (const [name, body, code] of [['nf.json', '{"name": "x"}', 'NOT_FHIR'], ['unk.json', '{"resourceType": "Pateint"}', 'UNKNOWN_RESOURCE_TYPE']]) {
      try {
        await collect(readFhir(await openSource(tmp.file(name, body))))
        expect.fail('should throw')
      } catch (error) {
        expect((error as HimError).code).to.equal(code)
      }
    }
  })
})

describe('FHIR writers', () => {
  it('writes a Bundle that parses, with PUT requests and urn:uuid fullUrls for a transaction', async () => {
    const out = tmp.path('t.json')
    const sink = await Sink.open(out)
    const w = bundleWriter(sink, 'transaction')
    w.write({resourceType: 'Patient', id: '0b7e5a52-1c54-5b1c-9a4e-3e6f1f7c2a10'})
    w.write({resourceType: 'Patient', id: 'abc'})
    await w.close()
    await sink.commit()
    const b = JSON.parse(readFileSync(out, 'utf8'))
    expect(b.type).to.equal('transaction')
    expect(b.entry[0].fullUrl).to.equal('urn:uuid:0b7e5a52-1c54-5b1c-9a4e-3e6f1f7c2a10')
    expect(b.entry[1].request).to.deep.equal({method: 'PUT', url: 'Patient/abc'})
  })

  it('holds each resource once in a transaction: a later version of the same Type/id replaces the earlier', async () => {
    const out = tmp.path('dup.json')
    const sink = await Sink.open(out)
    const w = bundleWriter(sink, 'transaction')
    w.write({resourceType: 'Patient', id: 'p1', gender: 'unknown'})
    w.write({resourceType: 'Encounter', id: 'e1'})
    w.write({resourceType: 'Patient', id: 'p1', gender: 'female'})
    await w.close()
    await sink.commit()
    const b = JSON.parse(readFileSync(out, 'utf8'))
    expect(b.entry.map((e: {request: {url: string}}) => e.request.url)).to.deep.equal(['Patient/p1', 'Encounter/e1'])
    expect(b.entry[0].resource.gender).to.equal('female')
    expect(w.replaced()).to.equal(1)
  })

  it('writes an empty Bundle and NDJSON one resource per line', async () => {
    const out = tmp.path('e.json')
    const sink = await Sink.open(out)
    await bundleWriter(sink).close()
    await sink.commit()
    expect(JSON.parse(readFileSync(out, 'utf8')).entry).to.deep.equal([])
    const nd = tmp.path('n.ndjson')
    const s2 = await Sink.open(nd)
    const w = ndjsonWriter(s2)
    w.write(patient('a'))
    w.write(patient('b'))
    await s2.commit()
    expect(readFileSync(nd, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).to.deep.equal(['a', 'b'])
  })

  it('leaves the previous file in place when a write is aborted', async () => {
    const out = tmp.file('keep.ndjson', 'old\n')
    const sink = await Sink.open(out)
    sink.push('new\n')
    await sink.abort()
    expect(readFileSync(out, 'utf8')).to.equal('old\n')
  })
})
