import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/* eslint-disable @typescript-eslint/no-explicit-any */
interface R4Model {
  choiceTypePaths: Record<string, string[]>
  pathsDefinedElsewhere: Record<string, string>
  path2Type: Record<string, string>
}

let engine: {evaluate(resource: unknown, expression: string, context?: unknown, model?: unknown): unknown[]} | undefined
/** fhirpath.js, loaded when first needed (most runs never need it: their rules are matched natively). */
export function fhirpathEngine(): NonNullable<typeof engine> {
  return (engine ??= require('fhirpath'))
}

/** The FHIR R4 model that ships with the fhirpath package: element paths to types. */
export const r4Model: R4Model = require('fhirpath/fhir-context/r4')

export const PRIMITIVE_TYPES = new Set([
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date', 'dateTime', 'time', 'code',
  'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml',
])
export const DATE_TYPES = new Set(['date', 'dateTime', 'instant'])
export const TEXT_TYPES = new Set(['string', 'markdown'])

/** `Observation.valueQuantity` -> `value`: the element name FHIRPath uses for a choice element. */
const choiceBase = new Map<string, string>()
for (const [p, types] of Object.entries(r4Model.choiceTypePaths)) {
  const base = p.slice(p.lastIndexOf('.') + 1)
  for (const t of types) choiceBase.set(p + t, base)
}

export interface ChildInfo {
  /** FHIR type: `HumanName`, `date`, `string`, `BackboneElement`, `Resource`, ... */
  type: string
  /** Where the child's own children are looked up. */
  modelPath: string
  /** The element name as FHIRPath sees it (choice elements by their base name). */
  name: string
}

const cache = new Map<string, Map<string, ChildInfo | null>>()

/** The type of `key` inside an element at `modelPath`; null when the model does not know it. */
export function childInfo(modelPath: string, key: string): ChildInfo | null {
  let byKey = cache.get(modelPath)
  if (!byKey) cache.set(modelPath, (byKey = new Map()))
  const hit = byKey.get(key)
  if (hit !== undefined) return hit
  const p = `${modelPath}.${key}`
  let type = r4Model.path2Type[p]
  let info: ChildInfo | null = null
  if (type) {
    if (modelPath === 'Extension' && key === 'url') type = 'uri'
    else if (type.startsWith('System.')) type = key === 'id' && !modelPath.includes('.') && /^[A-Z]/.test(modelPath) && !isDatatype(modelPath) ? 'id' : 'string'
    const elsewhere = r4Model.pathsDefinedElsewhere[p]
    const mp = elsewhere ?? (type === 'BackboneElement' || type === 'Element' ? p : type)
    info = {type, modelPath: mp, name: choiceBase.get(p) ?? key}
  }
  byKey.set(key, info)
  return info
}

function isDatatype(name: string): boolean {
  return r4Model.path2Type[`${name}.extension`] !== undefined && r4Model.path2Type[`${name}.modifierExtension`] === undefined && r4Model.path2Type[`${name}.meta`] === undefined
}
