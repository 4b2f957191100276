import {randomUUID} from 'node:crypto'
import {importJWK, importPKCS8, SignJWT, type JWK, type KeyLike} from 'jose'
import type {Dispatcher} from 'undici'

import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import type {Auth} from '../config/schema.js'
import {resolveSecret} from '../config/secrets.js'
import {checkTransport} from './transport.js'

/**
 * Authentication for FHIR requests, from an endpoint's auth config and its secret references. Secrets are resolved
 * when first needed and never logged or put in an error message.
 */
export interface Authenticator {
  readonly kind: Auth['kind']
  /** Headers that authorize one FHIR request (fetching or refreshing a token first when needed). */
  authorize(signal?: AbortSignal): Promise<Record<string, string>>
  /** The FHIR server answered 401: drop the cached token. True when a new one can be fetched (OAuth kinds). */
  invalidate(): boolean
}

export interface AuthContext {
  /** The endpoint's FHIR base URL (for SMART discovery). */
  baseUrl: string
  endpointName: string
  allowInsecure?: boolean
  dispatcher?: Dispatcher
  env?: NodeJS.ProcessEnv
  now?: () => number
  /** The wait for a token or discovery answer. */
  timeoutMs?: number
  debug?: (line: string) => void
}

const authError = (ctx: AuthContext, msg: string, suggestion?: string) =>
  new HimError(`endpoint "${ctx.endpointName}": ${msg}`, {code: 'AUTH_FAILED', exit: ExitCode.AUTH, suggestion})
const unreachable = (ctx: AuthContext, msg: string) =>
  new HimError(`endpoint "${ctx.endpointName}": ${msg}`, {code: 'ENDPOINT_UNREACHABLE', exit: ExitCode.UNAVAILABLE})

export function createAuthenticator(auth: Auth, ctx: AuthContext): Authenticator {
  const env = ctx.env ?? process.env
  switch (auth.kind) {
    case 'none':
      return {kind: 'none', authorize: async () => ({}), invalidate: () => false}
    case 'basic': {
      let header: string | undefined
      return {
        kind: 'basic',
        async authorize() {
          header ??= `Basic ${Buffer.from(`${auth.username}:${await resolveSecret(auth.passwordRef, env)}`).toString('base64')}`
          return {authorization: header}
        },
        invalidate: () => false,
      }
    }
    case 'bearer': {
      let header: string | undefined
      return {
        kind: 'bearer',
        async authorize() {
          header ??= `Bearer ${(await resolveSecret(auth.tokenRef, env)).trim()}`
          return {authorization: header}
        },
        invalidate: () => false,
      }
    }
    case 'client-credentials':
    case 'smart-backend':
      return new OAuthTokenAuthenticator(auth, ctx)
  }
}

interface CachedToken {
  accessToken: string
  tokenType: string
  /** When to fetch a new one: a minute (or a tenth of its life) before it expires. */
  refreshAt: number
}

type OAuthAuth = Extract<Auth, {kind: 'client-credentials' | 'smart-backend'}>

/**
 * OAuth 2.0 client credentials, with a client secret (client_secret_basic) or, for SMART Backend Services, a signed
 * JWT client assertion (private_key_jwt, RS384 or ES384, with kid). The token URL is the configured one, else the
 * token_endpoint of {base}/.well-known/smart-configuration. The token is cached and refreshed before it expires;
 * concurrent requests share one token fetch.
 */
class OAuthTokenAuthenticator implements Authenticator {
  readonly kind: OAuthAuth['kind']
  private token?: CachedToken
  private pending?: Promise<CachedToken>
  private tokenUrl?: string
  private key?: KeyLike | Uint8Array
  private readonly now: () => number

  constructor(
    private readonly auth: OAuthAuth,
    private readonly ctx: AuthContext,
  ) {
    this.kind = auth.kind
    this.now = ctx.now ?? Date.now
  }

  async authorize(signal?: AbortSignal): Promise<Record<string, string>> {
    if (!this.token || this.now() >= this.token.refreshAt) {
      this.pending ??= this.fetchToken(signal).finally(() => {
        this.pending = undefined
      })
      this.token = await this.pending
    }
    return {authorization: `${/^bearer$/i.test(this.token.tokenType) ? 'Bearer' : this.token.tokenType} ${this.token.accessToken}`}
  }

  invalidate(): boolean {
    this.token = undefined
    return true
  }

  private async fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    const tokenUrl = await this.resolveTokenUrl(signal)
    const form = new URLSearchParams({grant_type: 'client_credentials'})
    const headers: Record<string, string> = {'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'}
    const env = this.ctx.env ?? process.env
    if (this.auth.kind === 'client-credentials') {
      const secret = await resolveSecret(this.auth.clientSecretRef, env)
      const enc = (s: string) => encodeURIComponent(s)
      headers.authorization = `Basic ${Buffer.from(`${enc(this.auth.clientId)}:${enc(secret)}`).toString('base64')}`
    } else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      form.set('client_assertion', await this.clientAssertion(tokenUrl))
    }
    if (this.auth.scope) form.set('scope', this.auth.scope)

    const started = this.now()
    const res = await this.post(tokenUrl, form, headers, signal)
    let body: {access_token?: string; token_type?: string; expires_in?: number; error?: string; error_description?: string}
    try {
      body = (await res.json()) as typeof body
    } catch {
      body = {}
    }
    if (!res.ok) {
      const why = [body.error, body.error_description].filter(Boolean).join(': ').slice(0, 200)
      if (res.status === 400 || res.status === 401 || res.status === 403)
        throw authError(this.ctx, `the token endpoint refused the client (HTTP ${res.status}${why ? `, ${why}` : ''})`,
          this.auth.kind === 'smart-backend'
            ? 'check the client id, the kid and that the server holds the matching public key'
            : 'check the client id and the secret the reference points to')
      throw unreachable(this.ctx, `the token endpoint answered HTTP ${res.status}${why ? ` (${why})` : ''}`)
    }
    if (!body.access_token) throw authError(this.ctx, 'the token endpoint answered without an access_token')
    const lifeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000
    this.ctx.debug?.(`auth: token from ${new URL(tokenUrl).host} for ${Math.round(lifeMs / 1000)}s`)
    return {
      accessToken: body.access_token,
      tokenType: body.token_type ?? 'Bearer',
      refreshAt: started + lifeMs - Math.min(60_000, lifeMs / 10),
    }
  }

  private async clientAssertion(tokenUrl: string): Promise<string> {
    const auth = this.auth as Extract<Auth, {kind: 'smart-backend'}>
    this.key ??= await loadPrivateKey(await resolveSecret(auth.privateKeyRef, this.ctx.env ?? process.env), auth.alg, this.ctx)
    const nowS = Math.floor(this.now() / 1000)
    return new SignJWT({})
      .setProtectedHeader({alg: auth.alg, kid: auth.kid, typ: 'JWT'})
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 300)
      .sign(this.key)
  }

  private async resolveTokenUrl(signal?: AbortSignal): Promise<string> {
    if (this.tokenUrl) return this.tokenUrl
    let url = this.auth.tokenUrl
    if (!url) {
      const wellKnown = `${this.ctx.baseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`
      const res = await this.get(wellKnown, signal)
      if (!res.ok)
        throw new HimError(`endpoint "${this.ctx.endpointName}": no token URL configured and ${wellKnown} answered HTTP ${res.status}`, {
          code: 'ENDPOINT_CONFIG',
          exit: ExitCode.CONFIG,
          suggestion: 'set the token URL: him endpoint add NAME ... --token-url URL --force',
        })
      const conf = (await res.json().catch(() => ({}))) as {token_endpoint?: unknown}
      if (typeof conf.token_endpoint !== 'string')
        throw new HimError(`endpoint "${this.ctx.endpointName}": ${wellKnown} names no token_endpoint`, {code: 'ENDPOINT_CONFIG', exit: ExitCode.CONFIG})
      url = conf.token_endpoint
      this.ctx.debug?.(`auth: token endpoint discovered at ${new URL(url).origin}${new URL(url).pathname}`)
    }
    checkTransport(url, this.ctx.allowInsecure, this.ctx.endpointName)
    this.tokenUrl = url
    return url
  }

  private get(url: string, signal?: AbortSignal) {
    return this.send(url, {method: 'GET', headers: {accept: 'application/json'}}, signal)
  }

  private post(url: string, form: URLSearchParams, headers: Record<string, string>, signal?: AbortSignal) {
    return this.send(url, {method: 'POST', headers, body: form.toString()}, signal)
  }

  private async send(url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.ctx.timeoutMs ?? 30_000)
    try {
      return await fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        ...(this.ctx.dispatcher ? {dispatcher: this.ctx.dispatcher} : {}),
      } as RequestInit)
    } catch (error) {
      const code = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name
      throw unreachable(this.ctx, `cannot reach the authorization server at ${new URL(url).host} (${code})`)
    }
  }
}

/** A PKCS#8 PEM or a private JWK (JSON), for RS384 or ES384. */
export async function loadPrivateKey(text: string, alg: 'RS384' | 'ES384', ctx: Pick<AuthContext, 'endpointName'>): Promise<KeyLike | Uint8Array> {
  const t = text.trim()
  const unusable = () => new HimError(`endpoint "${ctx.endpointName}": the private key is not a usable ${alg} key`, {code: 'ENDPOINT_CONFIG', exit: ExitCode.CONFIG})
  let key: KeyLike | Uint8Array | undefined
  try {
    if (t.startsWith('{')) key = await importJWK(JSON.parse(t) as JWK, alg)
    else if (t.includes('-----BEGIN PRIVATE KEY-----')) key = await importPKCS8(t, alg)
  } catch {
    throw unusable()
  }
  if (key !== undefined) {
    // jose accepts an EC key for RS384 at import and fails only when signing: check the type here, once.
    const k = key as {asymmetricKeyType?: string; asymmetricKeyDetails?: {namedCurve?: string}}
    const fits = alg === 'RS384' ? k.asymmetricKeyType === 'rsa' : k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'secp384r1'
    if (k.asymmetricKeyType !== undefined && !fits) throw unusable()
    return key
  }
  throw new HimError(`endpoint "${ctx.endpointName}": the private key must be a PKCS#8 PEM (BEGIN PRIVATE KEY) or a JWK`, {
    code: 'ENDPOINT_CONFIG',
    exit: ExitCode.CONFIG,
    suggestion: 'convert a PKCS#1 key with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem',
  })
}
