import {type FindingLocation} from '../findings.js'
import {type Emit} from '../rules.js'
import {type ResourceSite} from './structure.js'

/* eslint-disable @typescript-eslint/no-explicit-any */

export const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race'
export const US_CORE_ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity'
export const US_CORE_BIRTHSEX = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex'
const OMB_SYSTEM = 'urn:oid:2.16.840.1.113883.6.238'
const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason'
const OMB_RACE = new Set(['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', 'UNK', 'ASKU'])
const OMB_ETHNICITY = new Set(['2135-2', '2186-5', 'UNK', 'ASKU'])
const BIRTH_SEX = new Set(['M', 'F', 'UNK', 'ASKU', 'OTH'])

/**
 * The US Core Patient rules (US Core 3.1.1 to 6.1): identifier with system and value, a name with family or
 * given (us-core-6), gender, and the race, ethnicity and birth sex extensions well-formed.
 */
export function checkUsCorePatient(p: any, site: ResourceSite, emit: Emit): void {
  const at = (expression: string): FindingLocation => ({...site.loc, expression: `${site.expression}.${expression}`})
  const ids: any[] = Array.isArray(p.identifier) ? p.identifier : []
  if (ids.length === 0) emit('us-core.patient.identifier', 'US Core Patient needs at least one identifier', at('identifier'))
  ids.forEach((id, i) => {
    if (!id?.system) emit('us-core.patient.identifier', 'identifier.system is required in US Core', at(`identifier[${i}].system`))
    if (!id?.value) emit('us-core.patient.identifier', 'identifier.value is required in US Core', at(`identifier[${i}].value`))
  })
  const names: any[] = Array.isArray(p.name) ? p.name : []
  if (names.length === 0) emit('us-core.patient.name', 'US Core Patient needs at least one name', at('name'))
  names.forEach((n, i) => {
    const absent = Array.isArray(n?.extension) && n.extension.some((e: any) => e?.url === DATA_ABSENT)
    const has = Boolean(n?.family) || (Array.isArray(n?.given) && n.given.length > 0)
    if (has === absent) emit('us-core.patient.name', 'us-core-6: a name needs a family or given name, or a data-absent-reason (not both)', at(`name[${i}]`))
  })
  if (p.gender === undefined) emit('us-core.patient.gender', 'gender is required in US Core', at('gender'))

  const exts: any[] = Array.isArray(p.extension) ? p.extension : []
  exts.forEach((e, i) => {
    if (e?.url === US_CORE_RACE) ombExtension(e, `extension[${i}]`, 'race', OMB_RACE, 5, 'us-core.patient.race', at, emit)
    else if (e?.url === US_CORE_ETHNICITY) ombExtension(e, `extension[${i}]`, 'ethnicity', OMB_ETHNICITY, 1, 'us-core.patient.ethnicity', at, emit)
    else if (e?.url === US_CORE_BIRTHSEX) {
      if (typeof e.valueCode !== 'string' || !BIRTH_SEX.has(e.valueCode)) emit('us-core.patient.birthsex', 'birth sex must be a valueCode M, F, UNK (or ASKU, OTH)', at(`extension[${i}]`), String(e.valueCode ?? ''))
    }
  })
}

function ombExtension(e: any, where: string, what: string, omb: Set<string>, maxOmb: number, rule: string, at: (x: string) => FindingLocation, emit: Emit): void {
  const subs: any[] = Array.isArray(e.extension) ? e.extension : []
  if (e.value !== undefined || Object.keys(e).some((k) => k.startsWith('value'))) emit(rule, `the ${what} extension has sub-extensions, not a value`, at(where))
  let ombCount = 0
  let texts = 0
  subs.forEach((s, j) => {
    const sw = `${where}.extension[${j}]`
    if (s?.url === 'ombCategory' || s?.url === 'detailed') {
      const c = s.valueCoding
      if (!c || c.system !== OMB_SYSTEM || typeof c.code !== 'string') emit(rule, `${s.url} must be a valueCoding in ${OMB_SYSTEM}`, at(sw))
      else if (s.url === 'ombCategory' && !omb.has(c.code)) emit(rule, `ombCategory is not an OMB ${what} category code`, at(sw), c.code)
      if (s.url === 'ombCategory') ombCount++
    } else if (s?.url === 'text') {
      texts++
      if (typeof s.valueString !== 'string' || s.valueString === '') emit(rule, 'text must be a valueString', at(sw))
    } else emit(rule, `the ${what} extension has no sub-extension "${String(s?.url ?? '').slice(0, 40)}"`, at(sw))
  })
  if (ombCount > maxOmb) emit(rule, `at most ${maxOmb} ombCategory ${maxOmb === 1 ? 'coding' : 'codings'} allowed`, at(where))
  if (texts !== 1) emit(rule, `the ${what} extension needs exactly one text`, at(where))
}
