import {type ServerCapabilities} from '../endpoint/probe.js'

/**
 * How resources are written so that running an import twice changes nothing:
 * - `put`: `PUT Type/id` with the deterministic id (uuidV5 of the identifier); needs update-as-create.
 * - `conditional`: `PUT Type?identifier=system|value` (conditional update: creates when nothing matches, updates
 *   the one match otherwise); the server assigns ids, references inside a transaction go by `urn:uuid`.
 * - `create-only` (--mode create-only): `POST Type` with If-None-Exist on the identifier (conditional create):
 *   what exists is left as it is, only what is missing is created.
 */
export type StrategyKind = 'put' | 'conditional' | 'create-only'

export interface Strategy {
  kind: StrategyKind
  /** One line for the console: what was chosen and why. */
  reason: string
}

/**
 * Servers known to accept client-assigned ids (update as create) by default without saying so in their
 * CapabilityStatement. Trying a PUT on a production server to find out would write to it, so him does not probe.
 */
const KNOWN_UPDATE_CREATE = [/^HAPI FHIR/i]

/** Choose the write strategy from what the server advertises (and the user's --strategy, when given). Pure. */
export function chooseStrategy(
  caps: ServerCapabilities,
  software: {name?: string} | undefined,
  requested: 'auto' | Exclude<StrategyKind, 'create-only'> = 'auto',
  mode: 'upsert' | 'create-only' = 'upsert',
): Strategy | {error: string} {
  if (!caps.transaction) return {error: 'the server does not advertise transaction Bundles, which him import needs'}
  if (mode === 'create-only')
    return caps.conditionalCreate
      ? {kind: 'create-only', reason: 'conditional create on the identifier: records already on the server are left as they are (--mode create-only)'}
      : {error: 'the server does not advertise conditional create (--mode create-only)'}
  if (requested === 'put') return {kind: 'put', reason: 'PUT Type/id with ids from identifiers (--strategy put)'}
  if (requested === 'conditional') {
    if (!caps.conditionalUpdate) return {error: 'the server does not advertise conditional update (--strategy conditional)'}
    return {kind: 'conditional', reason: 'conditional update on the identifier (--strategy conditional)'}
  }
  if (caps.updateCreate) return {kind: 'put', reason: 'PUT Type/id with ids from identifiers (the server advertises update as create)'}
  const name = software?.name ?? ''
  if (KNOWN_UPDATE_CREATE.some((re) => re.test(name)))
    return {kind: 'put', reason: `PUT Type/id with ids from identifiers (${name} accepts client-assigned ids without advertising update as create)`}
  if (caps.conditionalUpdate) return {kind: 'conditional', reason: 'conditional update on the identifier (the server does not advertise update as create)'}
  return {error: 'the server advertises neither update as create nor conditional update: an import could not be re-run safely'}
}
