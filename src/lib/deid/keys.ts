import {HimError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {resolveSecret} from '../config/secrets.js'
import {hmacHex, keyFingerprint} from './pseudonym.js'

/** Keys, resolved from their references. Never logged, never written: only their fingerprints are. */
export interface DeidKeys {
  /** Pseudonyms, substitutes and cryptoHash. */
  key?: string
  /** The per-patient date shift. */
  dateKey?: string
  /** Microsoft `encrypt` (AES). */
  encryptKey?: string
}

export interface KeyRefs {
  key?: string
  dateKey?: string
  encryptKey?: string
}

/**
 * Resolve the keys from references (env:NAME, file:PATH). When no --date-key is given, the date key is derived
 * from --key (a separate HMAC), so one secret is enough.
 */
export async function resolveDeidKeys(refs: KeyRefs, env = process.env): Promise<DeidKeys> {
  const keys: DeidKeys = {}
  if (refs.key) keys.key = await resolveSecret(refs.key, env)
  if (refs.dateKey) keys.dateKey = await resolveSecret(refs.dateKey, env)
  else if (keys.key) keys.dateKey = hmacHex(keys.key, 'himkit derived date-shift key v1')
  if (refs.encryptKey) keys.encryptKey = await resolveSecret(refs.encryptKey, env)
  return keys
}

export function missingKeyError(what: string, flag: '--key' | '--date-key'): HimError {
  return new HimError(`${what} needs a key, and none was given: him never makes up a random key`, {
    code: 'DEID_KEY_MISSING',
    exit: ExitCode.CONFIG,
    suggestion: `pass ${flag} env:NAME or ${flag} file:PATH (the same key gives the same pseudonyms and date shifts in every run)`,
  })
}

export function fingerprints(keys: DeidKeys): Record<string, string> {
  const out: Record<string, string> = {}
  if (keys.key) out.key = keyFingerprint(keys.key)
  if (keys.dateKey) out.dateKey = keyFingerprint(keys.dateKey)
  if (keys.encryptKey) out.encryptKey = keyFingerprint(keys.encryptKey)
  return out
}
