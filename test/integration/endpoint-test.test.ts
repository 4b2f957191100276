import {expect} from 'chai'

import {startAuthServer, type AuthServer} from './support/auth-server.js'
import {FaultProxy} from './support/fault-proxy.js'
import {requireFhirServer, type FhirServer} from './support/fhir-server.js'
import {himAsync} from './support/run-cli.js'
import {makeClientKey, makeSelfSignedCert, tempDir, writeConfig} from './support/test-keys.js'
import {deadPort} from './support/ports.js'

// `him endpoint test` against the real HAPI FHIR JPA server, without auth and through OAuth flows checked by a real
// authorization server (oidc-provider), plus the failures a person meets: wrong secret, dead port, bad certificate.
const CLIENT_SECRET = 'cc-secret-for-tests-4f1d'


describe('him endpoint test', function () {
  let fhir: FhirServer
  let auth: AuthServer
  let gate: FaultProxy
  let dir: string
  let env: NodeJS.ProcessEnv

  before(async function () {
    fhir = await requireFhirServer(this)
    dir = tempDir('himkit-endpoint-test-')
    const rs = await makeClientKey('RS384', 'rs-key-1', dir)
    const es = await makeClientKey('ES384', 'es-key-1', dir)
    const other = await makeClientKey('RS384', 'rs-key-1', tempDir('himkit-other-key-')) // same kid, a key the server does not hold
    auth = await startAuthServer([
      {client_id: 'himkit-cc', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic'},
      {client_id: 'himkit-smart-rs', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS384', jwks: rs.jwks},
      {client_id: 'himkit-smart-es', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES384', jwks: es.jwks},
    ])
    gate = await FaultProxy.start(fhir.baseUrl, {gate: auth.gate})
    const port = await deadPort()
    writeConfig(dir, [
      {name: 'hapi', kind: 'fhir', url: fhir.baseUrl},
      {name: 'dead', kind: 'fhir', url: `http://127.0.0.1:${port}/fhir`},
      {name: 'plain-remote', kind: 'fhir', url: 'http://ehr.example.org/fhir'},
      {name: 'gated-none', kind: 'fhir', url: gate.baseUrl},
      {name: 'cc', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'client-credentials', clientId: 'himkit-cc', clientSecretRef: 'env:HIMKIT_TEST_CC_SECRET', tokenUrl: auth.tokenUrl, scope: 'system/*.read'}},
      {name: 'cc-discovered', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'client-credentials', clientId: 'himkit-cc', clientSecretRef: 'env:HIMKIT_TEST_CC_SECRET'}},
      {name: 'cc-wrong', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'client-credentials', clientId: 'himkit-cc', clientSecretRef: 'env:HIMKIT_TEST_WRONG_SECRET', tokenUrl: auth.tokenUrl}},
      {name: 'smart-rs', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'smart-backend', clientId: 'himkit-smart-rs', privateKeyRef: `file:${rs.pemFile}`, kid: 'rs-key-1', alg: 'RS384', scope: 'system/*.read'}},
      {name: 'smart-es', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'smart-backend', clientId: 'himkit-smart-es', privateKeyRef: `file:${es.pemFile}`, kid: 'es-key-1', alg: 'ES384', scope: 'system/*.read'}},
      {name: 'smart-wrong-key', kind: 'fhir', url: gate.baseUrl, auth: {kind: 'smart-backend', clientId: 'himkit-smart-rs', privateKeyRef: `file:${other.pemFile}`, kid: 'rs-key-1', alg: 'RS384', scope: 'system/*.read'}},
    ])
    env = {HIMKIT_TEST_CC_SECRET: CLIENT_SECRET, HIMKIT_TEST_WRONG_SECRET: 'not-the-secret-9d2c'}
  })

  after(async () => {
    await gate?.close()
    await auth?.close()
  })

  const run = (...args: string[]) => himAsync(['endpoint', 'test', ...args], {cwd: dir, env})

  it('reports the HAPI server without auth: FHIR version, software, what import and export rely on', async () => {
    const r = await run('hapi')
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.match(/FHIR version\s+4\.0\.1/)
    expect(r.stdout).to.match(/server software\s+HAPI FHIR Server 8\./)
    expect(r.stdout).to.match(/transaction\s+yes/)
    expect(r.stdout).to.match(/bulk \$export\s+yes/)
    expect(r.stdout).to.match(/latency\s+\d+ ms/)
  })

  it('gives the same report as JSON', async () => {
    const r = await run('hapi', '--json')
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.fhirVersion).to.equal('4.0.1')
    expect(j.capabilities).to.include({transaction: true, conditionalCreate: true, conditionalUpdate: true, bulkExport: true})
    expect(j.authorized).to.equal(true)
  })

  it('exits 69 with one line when nothing listens on the port', async () => {
    const r = await run('dead')
    expect(r.code).to.equal(69)
    expect(r.stderr.trim().split('\n')[0]).to.match(/endpoint "dead": GET metadata failed, nothing is listening there \(ECONNREFUSED\)/)
    expect(r.stderr).not.to.match(/\n\s+at /)
  })

  it('exits 69 under --json too, with the error as JSON', async () => {
    const r = await run('dead', '--json')
    expect(r.code).to.equal(69)
    expect(JSON.parse(r.stdout).error.code).to.equal('ENDPOINT_UNREACHABLE')
  })

  it('refuses plain http to another host (exit 78) before sending anything', async () => {
    const r = await run('plain-remote')
    expect(r.code).to.equal(78)
    expect(r.stderr).to.match(/plain http:\/\/ to ehr\.example\.org/)
  })

  it('exits 77 when the gated server refuses a request without a token', async () => {
    const r = await run('gated-none')
    expect(r.code).to.equal(77)
    expect(r.stderr).to.match(/endpoint "gated-none": GET Patient\?<1 param> was refused, HTTP 401/)
  })

  it('authenticates with OAuth client credentials at the real authorization server', async () => {
    const r = await run('cc')
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.match(/authentication\s+client-credentials \(token in \d+ ms\), accepted/)
  })

  it('discovers the token URL at .well-known/smart-configuration', async () => {
    const r = await run('cc-discovered')
    expect(r.code, r.stderr).to.equal(0)
  })

  it('exits 77 on a wrong client secret, and never prints the secret', async () => {
    const r = await run('cc-wrong')
    expect(r.code).to.equal(77)
    expect(r.stderr).to.match(/endpoint "cc-wrong": the token endpoint refused the client \(HTTP 401, invalid_client/)
    expect(r.stderr + r.stdout).not.to.include('not-the-secret-9d2c')
  })

  it('authenticates with SMART Backend Services, RS384 and ES384 client assertions', async () => {
    for (const name of ['smart-rs', 'smart-es']) {
      const r = await run(name, '--json')
      expect(r.code, `${name}: ${r.stderr}`).to.equal(0)
      expect(JSON.parse(r.stdout).auth).to.equal('smart-backend')
    }
  })

  it('exits 77 when the assertion is signed with a key the server does not hold', async () => {
    const r = await run('smart-wrong-key')
    expect(r.code).to.equal(77)
    expect(r.stderr).to.match(/token endpoint refused the client/)
  })

  it('him export through the OAuth gate: a SMART token on the kick-off, the polls and every bulk file download (requiresAccessToken)', async function () {
    this.timeout(120_000)
    gate.clear()
    const r = await himAsync(['export', '--endpoint', 'smart-rs', '--type', 'Patient', '--to', 'ndjson', '-o', 'gated-export', '--json'], {cwd: dir, env: {...env, HIMKIT_STATE_DIR: dir}})
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout).method).to.equal('bulk')
    const downloads = gate.log.filter((e) => e.url.includes('/Binary/'))
    expect(downloads.length).to.be.at.least(1)
    expect(gate.log.filter((e) => !e.url.endsWith('/metadata') && !e.url.includes('.well-known')).every((e) => e.authorized === true)).to.equal(true)
    const none = await himAsync(['export', '--endpoint', 'gated-none', '--type', 'Patient', '--to', 'ndjson', '-o', 'refused'], {cwd: dir, env: {...env, HIMKIT_STATE_DIR: dir}})
    expect(none.code, none.stderr).to.equal(77)
  })

  it('him export: a manifest with requiresAccessToken false is downloaded without the token, from where it says', async function () {
    this.timeout(120_000)
    gate.clear()
    // the manifest as a server that stores its files elsewhere (here: the HAPI port itself, another origin) sends it
    gate.inject({
      fault: {kind: 'rewrite', body: (t) => {
        if (!t.trim()) return t // a 202 while the export runs
        const m = JSON.parse(t) as {requiresAccessToken: boolean; output: Array<{url: string}>}
        return JSON.stringify({...m, requiresAccessToken: false, output: m.output.map((o) => ({...o, url: o.url.replace(gate.baseUrl, fhir.baseUrl)}))})
      }},
      match: (req) => req.method === 'GET' && req.url.includes('export-poll-status'),
      times: 1000,
    })
    const r = await himAsync(['export', '--endpoint', 'smart-rs', '--type', 'Patient', '--to', 'ndjson', '-o', 'untokened', '--json'], {cwd: dir, env: {...env, HIMKIT_STATE_DIR: dir}})
    expect(r.code, r.stderr).to.equal(0)
    expect(gate.log.some((e) => e.url.includes('/Binary/')), 'no download went through the gate').to.equal(false)
    expect(JSON.parse(r.stdout).counts.unique).to.be.greaterThan(0)
  })

  describe('over TLS', () => {
    let tls: FaultProxy | undefined
    let certFile: string

    before(async function () {
      const cert = makeSelfSignedCert(dir)
      if (!cert) {
        console.warn('\n    SKIPPED (TLS): openssl is not installed\n')
        this.skip()
      }
      certFile = cert!.certFile
      tls = await FaultProxy.start(fhir.baseUrl, {tls: {key: cert!.key, cert: cert!.cert}})
      writeConfig(dir, [
        {name: 'tls-untrusted', kind: 'fhir', url: tls.baseUrl},
        {name: 'tls-ca', kind: 'fhir', url: tls.baseUrl, caFile: certFile},
      ])
    })

    after(async () => tls?.close())

    it('exits 69 on a certificate nobody vouches for, saying so', async () => {
      const r = await run('tls-untrusted')
      expect(r.code).to.equal(69)
      expect(r.stderr).to.match(/TLS certificate is not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/)
    })

    it('trusts it when the endpoint names its CA file', async () => {
      const r = await run('tls-ca')
      expect(r.code, r.stderr).to.equal(0)
    })
  })
})
