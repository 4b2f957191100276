import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {HimError} from '../../../src/lib/cli/errors.js'
import {describePath} from '../../../src/lib/endpoint/client.js'
import {checkTransport, createDispatcher, isLoopbackHost} from '../../../src/lib/endpoint/transport.js'

describe('endpoint transport rules', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', 'api.localhost']) expect(isLoopbackHost(h), h).to.equal(true)
    for (const h of ['10.0.0.1', 'ehr.example.org', '128.0.0.1', 'localhost.example.org']) expect(isLoopbackHost(h), h).to.equal(false)
  })

  it('accepts https anywhere and plain http on this machine', () => {
    expect(checkTransport('https://ehr.example.org/fhir').hostname).to.equal('ehr.example.org')
    expect(checkTransport('http://127.0.0.1:8080/fhir').port).to.equal('8080')
  })

  it('refuses plain http to another host unless allowInsecure, with exit 78', () => {
    try {
      checkTransport('http://ehr.example.org/fhir', false, 'prod')
      expect.fail('should refuse')
    } catch (error) {
      expect(error).to.be.instanceOf(HimError)
      expect((error as HimError).exit).to.equal(78)
      expect((error as HimError).message).to.match(/endpoint "prod": plain http/)
    }
    expect(checkTransport('http://ehr.example.org/fhir', true).protocol).to.equal('http:')
  })

  it('refuses other schemes and bad URLs', () => {
    expect(() => checkTransport('ftp://x/fhir')).to.throw(/unsupported scheme/)
    expect(() => checkTransport('not a url')).to.throw(/not a valid/)
  })

  it('refuses a CA file that is missing or holds no certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'himkit-ca-'))
    const notPem = join(dir, 'ca.pem')
    writeFileSync(notPem, 'hello\n')
    for (const caFile of [join(dir, 'missing.pem'), notPem]) {
      const err = await createDispatcher({caFile, endpointName: 'x'}).catch((error: unknown) => error)
      expect(err).to.be.instanceOf(HimError)
      expect((err as HimError).exit).to.equal(78)
    }
    expect(await createDispatcher({})).to.equal(undefined)
  })

  it('shows a path without its query values', () => {
    expect(describePath('Patient?identifier=123&name=Smith', 'http://h/fhir')).to.equal('Patient?<2 params>')
    expect(describePath('http://h/fhir/Patient/1', 'http://h/fhir')).to.equal('Patient/1')
    expect(describePath('metadata', 'http://h/fhir')).to.equal('metadata')
  })
})
