import {type Emit} from '../rules.js'
import {checkBundle} from './bundle-rules.js'
import {type R4Definitions} from './definitions.js'
import {FhirStructureValidator, type ResourceSite} from './structure.js'
import {checkUsCorePatient} from './us-core.js'

/* eslint-disable @typescript-eslint/no-explicit-any */

export type FhirProfile = 'base' | 'us-core'

/**
 * The FHIR engine: `validateResource(resource, site)` checks a resource against the R4 base definitions, a
 * Bundle's own rules, and with the us-core profile the US Core Patient rules (on Patients at the top or in
 * Bundle entries). Pure: findings go to `emit`.
 */
export function createFhirValidator(defs: R4Definitions, emit: Emit, profile: FhirProfile = 'base') {
  const structure = new FhirStructureValidator(defs, emit)
  return function validateResource(res: any, site: ResourceSite): void {
    const refs = structure.validateResource(res, site)
    if (res?.resourceType === 'Bundle') checkBundle(res, site, refs, emit)
    if (profile !== 'us-core') return
    if (res?.resourceType === 'Patient') checkUsCorePatient(res, site, emit)
    else if (res?.resourceType === 'Bundle' && Array.isArray(res.entry))
      res.entry.forEach((e: any, i: number) => {
        if (e?.resource?.resourceType === 'Patient')
          checkUsCorePatient(e.resource, {loc: {...site.loc, record: i + 1}, expression: `${site.expression}.entry[${i}].resource`}, emit)
      })
  }
}
