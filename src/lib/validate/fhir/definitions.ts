import {readFileSync} from 'node:fs'

/**
 * The FHIR R4 base definitions him validates against, as extracted by scripts/fhir-definitions/build.mjs from
 * HAPI FHIR's hapi-fhir-validation-resources-r4 (Maven Central): per type, its elements by path.
 */
export interface ElementDef {
  /** min cardinality (absent: 0) */
  n?: number
  /** max cardinality (absent: *) */
  x?: string
  /** types: a code, or [code, target profiles] for references */
  t?: Array<string | [string, string[]]>
  /** required binding: the value set's URL */
  b?: string
  /** invariants: [key, severity, human, FHIRPath] */
  c?: Array<[string, string, string, string]>
  /** contentReference: the path whose children this element has */
  r?: string
  /** max value set (elementdefinition-maxValueSet), e.g. all-languages */
  m?: string
}

export interface TypeDef {
  k: 'primitive-type' | 'complex-type' | 'resource'
  a?: 1
  base: string
  e: Record<string, ElementDef>
}

export interface R4Definitions {
  fhirVersion: string
  source: string
  types: Record<string, TypeDef>
  valueSets: Record<string, string[]>
  /** Required value sets that cannot be expanded offline and are not checked (http://loinc.org/vs/LL379-9). */
  unexpandableValueSets: string[]
  /** Required value sets checked by rule instead of by list (mimetypes, ucum-units, currencies): common-code-systems.ts. */
  checkedByRuleValueSets?: string[]
  /** Code systems with every code listed (FHIR, v2 tables, v3): url -> codes. */
  codeSystems: Record<string, string[] | {caseInsensitive: true; codes: string[]}>
}

export const DEFINITIONS_URL = new URL('../../../../data/fhir-r4/r4-core.min.json', import.meta.url)

let cached: R4Definitions | undefined

/** Load the definitions once per process (about 1 MB of JSON). */
export function loadR4Definitions(): R4Definitions {
  cached ??= JSON.parse(readFileSync(DEFINITIONS_URL, 'utf8')) as R4Definitions
  return cached
}

export const typeCodeOf = (t: string | [string, string[]]) => (typeof t === 'string' ? t : t[0])
