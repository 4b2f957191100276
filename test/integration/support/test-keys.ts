import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {exportJWK, exportPKCS8, generateKeyPair} from 'jose'

/** A fresh signing key for a SMART backend client: the private key in a PEM file, the public one as a JWKS. */
export async function makeClientKey(alg: 'RS384' | 'ES384', kid: string, dir: string): Promise<{pemFile: string; jwks: {keys: unknown[]}}> {
  const {privateKey, publicKey} = await generateKeyPair(alg, {extractable: true})
  const pemFile = join(dir, `${kid}.pem`)
  writeFileSync(pemFile, await exportPKCS8(privateKey), {mode: 0o600})
  return {pemFile, jwks: {keys: [{...(await exportJWK(publicKey)), kid, alg, use: 'sig'}]}}
}

/** A self-signed certificate for 127.0.0.1 (openssl), for the bad-certificate and CA-file tests. */
export function makeSelfSignedCert(dir: string): {key: string; cert: string; certFile: string} | undefined {
  const keyFile = join(dir, 'tls-key.pem')
  const certFile = join(dir, 'tls-cert.pem')
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  if (r.status !== 0) return undefined
  return {key: spawnSync('cat', [keyFile], {encoding: 'utf8'}).stdout, cert: spawnSync('cat', [certFile], {encoding: 'utf8'}).stdout, certFile}
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

export function writeConfig(dir: string, endpoints: unknown[]): string {
  const path = join(dir, 'himkit.config.json')
  writeFileSync(path, JSON.stringify({version: 1, endpoints}, null, 2))
  return path
}
