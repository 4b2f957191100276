import {expect} from 'chai'
import {exportJWK, exportPKCS8, generateKeyPair} from 'jose'
import {generateKeyPairSync} from 'node:crypto'

import {HimError} from '../../../src/lib/cli/errors.js'
import {createAuthenticator, loadPrivateKey} from '../../../src/lib/endpoint/auth.js'

const ctx = {baseUrl: 'https://ehr.example.org/fhir', endpointName: 'ehr'}

describe('endpoint authentication (no network)', () => {
  it('sends nothing for none', async () => {
    const a = createAuthenticator({kind: 'none'}, ctx)
    expect(await a.authorize()).to.deep.equal({})
    expect(a.invalidate()).to.equal(false)
  })

  it('builds Basic from the user name and the password reference', async () => {
    const a = createAuthenticator({kind: 'basic', username: 'him', passwordRef: 'env:PW'}, {...ctx, env: {PW: 'p@ss'}})
    expect(await a.authorize()).to.deep.equal({authorization: `Basic ${Buffer.from('him:p@ss').toString('base64')}`})
    expect(a.invalidate()).to.equal(false) // a static secret: no point asking again
  })

  it('sends a bearer token from its reference, trimmed', async () => {
    const a = createAuthenticator({kind: 'bearer', tokenRef: 'env:TOK'}, {...ctx, env: {TOK: 'abc.def\n'}})
    expect(await a.authorize()).to.deep.equal({authorization: 'Bearer abc.def'})
  })

  it('fails with exit 78 naming the reference, not a value, when the secret is missing', async () => {
    const a = createAuthenticator({kind: 'bearer', tokenRef: 'env:HIMKIT_NOT_SET_ANYWHERE'}, {...ctx, env: {}})
    const err = (await a.authorize().catch((error: unknown) => error)) as HimError
    expect(err).to.be.instanceOf(HimError)
    expect(err.exit).to.equal(78)
    expect(err.message).to.include('env:HIMKIT_NOT_SET_ANYWHERE')
  })

  it('loads RS384 and ES384 private keys as PKCS#8 PEM or JWK', async () => {
    for (const alg of ['RS384', 'ES384'] as const) {
      const {privateKey} = await generateKeyPair(alg, {extractable: true})
      expect(await loadPrivateKey(await exportPKCS8(privateKey), alg, ctx)).to.be.ok
      expect(await loadPrivateKey(JSON.stringify(await exportJWK(privateKey)), alg, ctx)).to.be.ok
    }
  })

  it('refuses a PKCS#1 PEM and a key of the wrong type with exit 78', async () => {
    const pkcs1 = generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({type: 'pkcs1', format: 'pem'}).toString()
    const e1 = (await loadPrivateKey(pkcs1, 'RS384', ctx).catch((error: unknown) => error)) as HimError
    expect(e1.exit).to.equal(78)
    expect(e1.suggestion).to.match(/openssl pkcs8/)
    const {privateKey} = await generateKeyPair('ES384', {extractable: true})
    const e2 = (await loadPrivateKey(await exportPKCS8(privateKey), 'RS384', ctx).catch((error: unknown) => error)) as HimError
    expect(e2.exit).to.equal(78)
    expect(e2.message).to.match(/not a usable RS384 key/)
  })

  it('refuses a token URL over plain http to another host before sending the secret', async () => {
    const a = createAuthenticator(
      {kind: 'client-credentials', clientId: 'c', clientSecretRef: 'env:S', tokenUrl: 'http://auth.example.org/token'},
      {...ctx, env: {S: 'x'}},
    )
    const err = (await a.authorize().catch((error: unknown) => error)) as HimError
    expect(err.exit).to.equal(78)
    expect(err.code).to.equal('INSECURE_TRANSPORT')
  })
})
