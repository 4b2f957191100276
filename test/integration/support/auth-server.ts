import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import Provider from 'oidc-provider'

import type {TokenGate} from './fault-proxy.js'

/**
 * A real OAuth 2.0 authorization server for tests: oidc-provider on 127.0.0.1, with the client credentials grant,
 * client_secret_basic and private_key_jwt (RS384/ES384) client authentication, and token introspection (which the
 * fault proxy's gate uses to check bearer tokens in front of the HAPI server).
 */
export interface TestClient {
  client_id: string
  client_secret?: string
  token_endpoint_auth_method: 'client_secret_basic' | 'private_key_jwt'
  token_endpoint_auth_signing_alg?: 'RS384' | 'ES384'
  jwks?: {keys: unknown[]}
}

export interface AuthServer {
  issuer: string
  tokenUrl: string
  gate: TokenGate
  /** Tokens issued so far (the token endpoint's successful answers). */
  tokensIssued(): number
  close(): Promise<void>
}

const GATE_CLIENT = {client_id: 'fhir-gate', client_secret: 'gate-secret-for-tests'}
export const SMART_SCOPES = ['system/*.read', 'system/*.rs', 'system/*.write', 'system/*.cruds']

export async function startAuthServer(clients: TestClient[], opts: {accessTokenTtlSeconds?: number} = {}): Promise<AuthServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server: Server = createServer((req, res) => handler!(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const all = [
    ...clients.map((c) => ({...c, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: SMART_SCOPES.join(' ')})),
    {...GATE_CLIENT, grant_types: [], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic'},
  ]
  // oidc-provider warns about its development defaults (in-memory store, generated signing keys), which are what a
  // test wants; keep those notices out of the test output.
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider')) warn(...args)
  }
  const provider = new Provider(issuer, {
    cookies: {keys: ['himkit-test-only-cookie-key']},
    clients: all as never,
    features: {
      clientCredentials: {enabled: true},
      introspection: {enabled: true, allowedPolicy: () => true},
      devInteractions: {enabled: false},
    },
    scopes: SMART_SCOPES,
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
    enabledJWA: {clientAuthSigningAlgValues: ['RS384', 'ES384', 'RS256', 'ES256']},
    ttl: {ClientCredentials: opts.accessTokenTtlSeconds ?? 600},
  } as never)
  console.warn = warn
  let issued = 0
  provider.on('client_credentials.saved', () => issued++)
  handler = provider.callback() as never
  const tokenUrl = `${issuer}/token`

  const check = async (token: string) => {
    const res = await fetch(`${tokenUrl}/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${GATE_CLIENT.client_id}:${GATE_CLIENT.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({token}).toString(),
    })
    const body = (await res.json()) as {active?: boolean}
    return body.active === true
  }

  return {
    issuer,
    tokenUrl,
    gate: {
      check,
      smartConfiguration: {
        token_endpoint: tokenUrl,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['client_credentials'],
        scopes_supported: SMART_SCOPES,
        capabilities: ['client-confidential-asymmetric', 'client-confidential-symmetric'],
      },
    },
    tokensIssued: () => issued,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
