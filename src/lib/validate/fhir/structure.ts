import {createRequire} from 'node:module'

import {type FindingLocation} from '../findings.js'
import {type Emit} from '../rules.js'
import {commonSystemCheck, CURRENCIES_VS, FHIR_FORMAT_SHORTHANDS, isCurrency, isMimeType, isUcumUnit, MIMETYPES_VS, UCUM, UCUM_UNITS_VS} from './common-code-systems.js'
import {type ElementDef, type R4Definitions, type TypeDef, typeCodeOf} from './definitions.js'
import {checkNarrative, htmlChecksFunction} from './narrative.js'
import {isPrimitiveType, primitiveProblem} from './primitives.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url)
const fhirpath = require('fhirpath') as {compile(expr: string | {base: string; expression: string}, model?: unknown, options?: {traceFn?: () => void; userInvocationTable?: Record<string, unknown>}): (res: unknown, env?: Record<string, unknown>) => unknown[]}
/** Invariants such as dom-3 call trace(); its output would land on stdout. */
const QUIET = {traceFn: () => {}}
const r4model = require('fhirpath/fhir-context/r4')

/** Where a resource sits: its file location and the FHIRPath of the resource itself (`Patient`, `Bundle.entry[2].resource`). */
export interface ResourceSite {
  loc: Omit<FindingLocation, 'expression' | 'column' | 'path'>
  expression: string
}

/** A Reference.reference string seen while walking, for Bundle reference resolution. */
export interface SeenReference {
  reference: string
  expression: string
}

interface Child {
  name: string
  path: string
  def: ElementDef
  /** For a choice element (value[x]): JSON key -> type code. */
  choice?: Map<string, string>
}

interface Invariant {
  key: string
  severity: string
  human: string
  run?: (node: unknown, env: Record<string, unknown>) => unknown[]
  native?: (node: any) => boolean | undefined
}

/** Invariants checked natively elsewhere or by dedicated rules, or that need what fhirpath.js does not have. */
const SKIPPED_INVARIANTS = new Set(['ele-1', 'bdl-7', 'bdl-3'])

/**
 * FHIRPath functions fhirpath.js does not have. txt-1 and txt-2 share the expression `htmlChecks()`; each gets the
 * half of the narrative rules it states, so a narrative with a script fails txt-1 only and an empty one txt-2 only.
 */
const userFunctions = (key: string) => ({htmlChecks: htmlChecksFunction(key === 'txt-1' || key === 'txt-2' ? key : 'all')})

/** Fast paths for the invariants on nearly every resource; undefined falls back to FHIRPath. */
const NATIVE: Record<string, (node: any) => boolean | undefined> = {
  'dom-2': (r) => (r.contained === undefined ? true : undefined),
  'dom-3': (r) => (r.contained === undefined ? true : containedAllReferenced(r)),
  'dom-4': (r) => (r.contained === undefined ? true : undefined),
  'dom-5': (r) => (r.contained === undefined ? true : undefined),
  'dom-6': (r) => typeof r.text?.div === 'string',
  'ext-1': (e) => (e.extension !== undefined) !== Object.keys(e).some((k) => k.startsWith('value')),
}

const ALL_LANGUAGES = 'http://hl7.org/fhir/ValueSet/all-languages'
const BCP47 = 'urn:ietf:bcp:47'
/** The shape of a BCP-47 tag: language, then subtags (en, en-US, zh-Hant-TW, sgn-BE-FR). */
const BCP47_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$|^[xX](-[a-zA-Z0-9]{1,8})+$/

const cap = (s: string) => s[0].toUpperCase() + s.slice(1)

/** Every string in a JSON tree, with the key it sits under. */
function eachString(node: any, visit: (key: string, v: string) => void, key = ''): void {
  if (typeof node === 'string') visit(key, node)
  else if (Array.isArray(node)) for (const x of node) eachString(x, visit, key)
  else if (node && typeof node === 'object') for (const k of Object.keys(node)) eachString(node[k], visit, k)
}

/**
 * dom-3 natively (fhirpath.js refuses its `descendants().as(canonical)` on a collection): each contained
 * resource is referenced from elsewhere in the resource as `#id`, or itself refers to its container as `#`.
 */
function containedAllReferenced(r: any): boolean {
  if (!Array.isArray(r.contained)) return true
  const refs = new Set<string>()
  eachString(r, (k, v) => {
    if (v.startsWith('#')) refs.add(v)
  })
  return r.contained.every((c: any) => {
    if (!c || typeof c !== 'object' || typeof c.id !== 'string') return true
    if (refs.has(`#${c.id}`)) return true
    let toContainer = false
    eachString(c, (k, v) => {
      if (v === '#') toContainer = true
    })
    return toContainer
  })
}

/**
 * Structural validation of FHIR R4 resources against the base StructureDefinitions: unknown elements,
 * cardinality, JSON types, primitive formats, required bindings and the FHIRPath invariants (evaluated with
 * fhirpath.js). Pure: it reports through `emit` and returns the references it saw.
 */
export class FhirStructureValidator {
  private readonly children = new Map<string, Map<string, Child>>()
  private readonly required = new Map<string, Child[]>()
  private readonly invariants = new Map<string, Invariant[]>()
  private readonly valueSets = new Map<string, {codes: Set<string>; pairs: Set<string>}>()
  private readonly codeSystems = new Map<string, {codes: Set<string>; lower: boolean} | null>()

  constructor(private readonly defs: R4Definitions, private readonly emit: Emit) {}

  /** Validate one resource (and what it contains). Returns the references found, for Bundle checks. */
  validateResource(res: any, site: ResourceSite): SeenReference[] {
    const refs: SeenReference[] = []
    this.resource(res, site.expression, site.loc, refs)
    return refs
  }

  private at(loc: ResourceSite['loc'], expression: string): FindingLocation {
    return {...loc, expression}
  }

  private resource(res: any, expr: string, loc: ResourceSite['loc'], refs: SeenReference[], root?: any): void {
    if (res === null || typeof res !== 'object' || Array.isArray(res)) {
      this.emit('fhir.type', 'a resource must be a JSON object', this.at(loc, expr))
      return
    }
    const rt = res.resourceType
    const type = typeof rt === 'string' ? this.defs.types[rt] : undefined
    if (!type || type.k !== 'resource' || type.a) {
      this.emit('fhir.resource.unknown-type', typeof rt === 'string' ? 'resourceType is not a concrete FHIR R4 resource' : 'no resourceType', this.at(loc, expr))
      return
    }
    if (res.id !== undefined) {
      const p = primitiveProblem('id', res.id)
      if (p) this.emit(p.rule, `resource id: ${p.message}`, this.at(loc, `${expr}.id`))
    }
    this.object(res, type, rt, rt, expr, loc, refs, res, root ?? res)
  }

  private childIndex(typeName: string, type: TypeDef, path: string): Map<string, Child> {
    const key = `${typeName}|${path}`
    let m = this.children.get(key)
    if (m) return m
    m = new Map()
    const req: Child[] = []
    const prefix = path + '.'
    for (const [p, def] of Object.entries(type.e)) {
      if (!p.startsWith(prefix) || p.indexOf('.', prefix.length) !== -1) continue
      let name = p.slice(prefix.length)
      const child: Child = {name, path: p, def}
      if (name.endsWith('[x]')) {
        name = name.slice(0, -3)
        child.name = name
        child.choice = new Map((def.t ?? []).map((t) => [name + cap(typeCodeOf(t)), typeCodeOf(t)]))
        for (const k of child.choice.keys()) m.set(k, child)
      } else m.set(name, child)
      if (def.n) req.push(child)
    }
    this.children.set(key, m)
    this.required.set(key, req)
    return m
  }

  private invariantsOf(typeName: string, path: string, def: ElementDef | undefined): Invariant[] {
    const key = `${typeName}|${path}`
    let list = this.invariants.get(key)
    if (list) return list
    list = []
    for (const [k, severity, human, expression] of def?.c ?? []) {
      if (SKIPPED_INVARIANTS.has(k)) continue
      const inv: Invariant = {key: k, severity, human, native: NATIVE[k]}
      try {
        inv.run = fhirpath.compile({base: path, expression}, r4model, {...QUIET, userInvocationTable: userFunctions(k)})
      } catch {
        if (!inv.native) continue
      }
      list.push(inv)
    }
    this.invariants.set(key, list)
    return list
  }

  private checkInvariants(node: any, typeName: string, path: string, def: ElementDef | undefined, expr: string, loc: ResourceSite['loc'], resource: any, root: any): void {
    for (const inv of this.invariantsOf(typeName, path, def)) {
      // A contained resource's narrative is its container's (the HL7 validator does not ask it of them either).
      if (inv.key === 'dom-6' && expr.endsWith(']') && /\.contained\[\d+\]$/.test(expr)) continue
      let ok = inv.native?.(node)
      if (ok === undefined && inv.run) {
        try {
          // A failed invariant evaluates to false; an empty result (an operand missing) is not counted as failing.
          const out = inv.run(node, {resource, rootResource: root})
          ok = !(out.length === 1 && out[0] === false)
        } catch {
          continue
        }
      }
      if (ok === false) {
        const why = inv.key === 'txt-1' && typeof node === 'string' ? checkNarrative(node).txt1 : undefined
        this.emit(inv.severity === 'error' ? 'fhir.invariant' : 'fhir.invariant.warning', `${inv.key}: ${inv.human}${why ? ` (${why})` : ''}`, this.at(loc, expr))
      }
    }
  }

  private object(obj: any, type: TypeDef, typeName: string, path: string, expr: string, loc: ResourceSite['loc'], refs: SeenReference[], resource: any, root: any): void {
    const kids = this.childIndex(typeName, type, path)
    const keys = Object.keys(obj)
    const isResourceRoot = path === typeName && type.k === 'resource'
    if (keys.length === 0 || (isResourceRoot && keys.length === 1)) {
      this.emit('fhir.primitive.empty', 'ele-1: an element must have a value or children', this.at(loc, expr))
      return
    }
    let choicesSeen: Map<string, number> | undefined
    for (const key of keys) {
      if (isResourceRoot && (key === 'resourceType' || key === 'id')) continue // id: checked as an id by resource()
      if (key === 'fhir_comments') continue
      const ext = key.charCodeAt(0) === 95 // '_': a primitive's id/extension
      const name = ext ? key.slice(1) : key
      const child = kids.get(name)
      if (!child) {
        this.emit('fhir.element.unknown', `${typeName === path ? typeName : path} has no element "${key.slice(0, 60)}"`, this.at(loc, `${expr}.${key}`))
        continue
      }
      const code = child.choice ? child.choice.get(name)! : child.def.t?.length === 1 ? typeCodeOf(child.def.t[0]) : undefined
      if (child.choice) {
        choicesSeen ??= new Map()
        if (!ext) choicesSeen.set(child.name, (choicesSeen.get(child.name) ?? 0) + 1)
      }
      if (ext) {
        this.primitiveExtension(obj[key], expr + '.' + key, loc)
        continue
      }
      const value = obj[key]
      const many = child.def.x !== '1' && child.def.x !== '0'
      // FHIRPath names a choice element by its name without the type: Patient.deceased.ofType(dateTime).
      const childExpr = child.choice ? `${expr}.${child.name}.ofType(${code})` : `${expr}.${name}`
      if (child.def.x === '0') {
        this.emit('fhir.cardinality.max', `${child.path} is not allowed`, this.at(loc, childExpr))
        continue
      }
      if (Array.isArray(value)) {
        if (!many) {
          this.emit('fhir.cardinality.max', `${child.path} allows one value, found a JSON array`, this.at(loc, childExpr))
          continue
        }
        if (value.length === 0) {
          this.emit('fhir.primitive.empty', 'ele-1: an empty array (leave the element out instead)', this.at(loc, childExpr))
          continue
        }
        const sibling = obj['_' + name]
        for (let i = 0; i < value.length; i++) {
          if (value[i] === null && Array.isArray(sibling) && sibling[i] != null) continue
          this.value(value[i], code, child, typeName, type, `${childExpr}[${i}]`, loc, refs, resource, root)
        }
      } else {
        if (many) {
          this.emit('fhir.cardinality.max', `${child.path} repeats, so it must be a JSON array`, this.at(loc, childExpr))
          continue
        }
        this.value(value, code, child, typeName, type, childExpr, loc, refs, resource, root)
      }
    }
    if (choicesSeen) for (const [n, c] of choicesSeen) if (c > 1) this.emit('fhir.choice.multiple', `${path}.${n}[x] has ${c} types given; one is allowed`, this.at(loc, `${expr}.${n}`))
    for (const req of this.required.get(`${typeName}|${path}`) ?? []) {
      const present = req.choice ? [...req.choice.keys()].some((k) => obj[k] !== undefined || obj['_' + k] !== undefined) : obj[req.name] !== undefined || obj['_' + req.name] !== undefined
      if (!present) this.emit('fhir.cardinality.min', `${req.path} is required (min ${req.def.n})`, this.at(loc, `${expr}.${req.name}`))
    }
    this.checkInvariants(obj, typeName, path, type.e[path], expr, loc, resource, root)
  }

  /** Narrative.div: txt-1 and txt-2 (htmlChecks()), and images and links to #id that point to nothing in the resource. */
  private narrative(div: string, typeName: string, child: Child, expr: string, loc: ResourceSite['loc'], resource: any, root: any): void {
    this.checkInvariants(div, typeName, child.path, child.def, expr, loc, resource, root)
    const {imageIds, linkIds, anchors} = checkNarrative(div)
    if (imageIds.length === 0 && linkIds.length === 0) return
    const contained = new Set<string>(Array.isArray(resource?.contained) ? resource.contained.map((c: any) => c?.id) : [])
    for (const id of imageIds) if (!contained.has(id)) this.emit('fhir.narrative.link', 'an image of the narrative (<img src="#...">) points to no contained resource', this.at(loc, expr))
    for (const id of linkIds)
      if (!contained.has(id) && !anchors.includes(id)) this.emit('fhir.narrative.link', 'a link of the narrative (<a href="#...">) points to no anchor of the narrative and no contained resource', this.at(loc, expr))
  }

  private primitiveExtension(v: any, expr: string, loc: ResourceSite['loc']): void {
    const items = Array.isArray(v) ? v : [v]
    for (const it of items) {
      if (it === null) continue
      if (typeof it !== 'object' || Array.isArray(it)) {
        this.emit('fhir.type', 'a primitive\'s extension element (_name) must be an object', this.at(loc, expr))
        return
      }
      const bad = Object.keys(it).find((k) => k !== 'id' && k !== 'extension')
      if (bad) this.emit('fhir.element.unknown', `a primitive's extension element holds only id and extension, not "${bad.slice(0, 40)}"`, this.at(loc, `${expr}.${bad}`))
    }
  }

  private value(v: any, code: string | undefined, child: Child, typeName: string, type: TypeDef, expr: string, loc: ResourceSite['loc'], refs: SeenReference[], resource: any, root: any): void {
    if (child.def.r) {
      if (!this.isObject(v, expr, loc)) return
      this.object(v, type, typeName, child.def.r, expr, loc, refs, resource, root)
      return
    }
    if (!code) return
    if (isPrimitiveType(code)) {
      const p = primitiveProblem(code, v)
      if (p) {
        this.emit(p.rule, p.message, this.at(loc, expr))
        return
      }
      if (code === 'xhtml') this.narrative(v, typeName, child, expr, loc, resource, root)
      else if (child.def.b === MIMETYPES_VS && code === 'code') {
        if (!isMimeType(v) && !(child.path === 'CapabilityStatement.format' && FHIR_FORMAT_SHORTHANDS.has(v)))
          this.emit('fhir.binding.mimetype', 'not a mime type (type/subtype, then optional ; parameter=value), the required value set mimetypes', this.at(loc, expr), v)
      } else if (child.def.b && code === 'code') this.checkCode(child.def.b, undefined, v, expr, loc)
      else if (child.def.m === ALL_LANGUAGES && code === 'code' && !BCP47_TAG.test(v))
        this.emit('fhir.binding.required', 'a language must be a BCP-47 code, the element\'s maximum value set', this.at(loc, expr), v)
      return
    }
    if (!this.isObject(v, expr, loc)) return
    if (code === 'Resource') {
      // Each entry of a top-level Bundle is its own record.
      const entry = resource === root && child.path === 'Bundle.entry.resource' ? /\.entry\[(\d+)\]\.resource$/.exec(expr) : null
      this.resource(v, expr, entry ? {...loc, record: Number(entry[1]) + 1} : loc, refs, root)
      return
    }
    if (code === 'BackboneElement' || code === 'Element') {
      this.object(v, type, typeName, child.path, expr, loc, refs, resource, root)
      return
    }
    const dt = this.defs.types[code]
    if (!dt) return
    if (code === 'Reference' && typeof v.reference === 'string') refs.push({reference: v.reference, expression: `${expr}.reference`})
    this.object(v, dt, code, code, expr, loc, refs, resource, root)
    if (code === 'Coding') this.checkCodeSystem(v, expr, loc)
    else if ((code === 'Quantity' || dt.base === 'Quantity') && v.system === UCUM && typeof v.code === 'string' && !isUcumUnit(v.code))
      this.emit('fhir.code.unknown', `unit code is not a valid UCUM unit (${UCUM})`, this.at(loc, `${expr}.code`), v.code)
    if (child.def.b === UCUM_UNITS_VS && code === 'CodeableConcept') this.checkUcumUnits(v, expr, loc)
    else if (child.def.b) {
      if (code === 'Coding') this.checkCoding(child.def.b, [v], expr, loc)
      else if (code === 'CodeableConcept') {
        // Required: the concept SHALL come from the value set, so text alone does not do (HAPI says the same).
        if (Array.isArray(v.coding) && v.coding.some((c: any) => c && typeof c.code === 'string')) this.checkCoding(child.def.b, v.coding, expr, loc)
        else if (this.valueSet(child.def.b))
          this.emit('fhir.binding.required', `no coding given; a code from the required value set ${child.def.b.replace('http://hl7.org/fhir/ValueSet/', '').replace(/\|.*$/, '')} is required`, this.at(loc, expr))
      }
    }
    if (child.def.m === ALL_LANGUAGES) {
      const codings = code === 'Coding' ? [v] : code === 'CodeableConcept' && Array.isArray(v.coding) ? v.coding : []
      codings.forEach((c: any, i: number) => {
        if (!c || typeof c.code !== 'string') return
        const where = code === 'Coding' ? expr : `${expr}.coding[${i}]`
        if ((c.system !== undefined && c.system !== BCP47) || !BCP47_TAG.test(c.code))
          this.emit('fhir.binding.required', `a language must be a BCP-47 code (${BCP47}), the element's maximum value set`, this.at(loc, where), `${c.system ?? ''}|${c.code}`)
      })
    }
  }

  private isObject(v: any, expr: string, loc: ResourceSite['loc']): boolean {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return true
    this.emit('fhir.type', `must be a JSON object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`, this.at(loc, expr))
    return false
  }

  private valueSet(url: string) {
    let vs = this.valueSets.get(url)
    if (vs) return vs
    const list = this.defs.valueSets[url]
    if (!list) return undefined
    vs = {codes: new Set(list.map((c) => c.slice(c.lastIndexOf('|') + 1))), pairs: new Set(list)}
    this.valueSets.set(url, vs)
    return vs
  }

  /** A code in a code system whose every code is known (FHIR, HL7 v2 tables, v3) must be one of them. */
  private checkCodeSystem(c: any, expr: string, loc: ResourceSite['loc']): void {
    if (typeof c.system !== 'string' || typeof c.code !== 'string') return
    const common = commonSystemCheck(c.system)
    if (common) {
      if (!common(c.code)) this.emit('fhir.code.unknown', `code is not in the code system ${c.system}${c.system === UCUM ? ' (not a valid UCUM unit)' : ''}`, this.at(loc, `${expr}.code`), c.code)
      return
    }
    let cs = this.codeSystems.get(c.system)
    if (cs === undefined) {
      const listed = this.defs.codeSystems?.[c.system]
      cs = listed === undefined ? null : Array.isArray(listed) ? {codes: new Set(listed), lower: false} : {codes: new Set(listed.codes.map((x) => x.toLowerCase())), lower: true}
      this.codeSystems.set(c.system, cs)
    }
    if (cs && !cs.codes.has(cs.lower ? c.code.toLowerCase() : c.code))
      this.emit('fhir.code.unknown', `code is not in the code system ${c.system.replace(/^http:\/\/terminology\.hl7\.org\/CodeSystem\//, '')}`, this.at(loc, `${expr}.code`), c.code)
  }

  private checkCode(url: string, system: string | undefined, code: string, expr: string, loc: ResourceSite['loc']): void {
    if (url === CURRENCIES_VS) {
      if (!isCurrency(code)) this.emit('fhir.binding.required', 'code is not in the required value set currencies (ISO 4217)', this.at(loc, expr), code)
      return
    }
    const vs = this.valueSet(url)
    if (!vs) return
    const ok = system ? vs.pairs.has(`${system}|${code}`) : vs.codes.has(code)
    if (!ok) this.emit('fhir.binding.required', `code is not in the required value set ${url.replace('http://hl7.org/fhir/ValueSet/', '')}`, this.at(loc, expr), code)
  }

  private checkCoding(url: string, codings: any[], expr: string, loc: ResourceSite['loc']): void {
    const vs = this.valueSet(url)
    if (!vs) return
    const coded = codings.filter((c) => c && typeof c.code === 'string')
    if (coded.length === 0) return
    if (coded.some((c) => (c.system ? vs.pairs.has(`${c.system}|${c.code}`) : vs.codes.has(c.code)))) return
    this.emit('fhir.binding.required', `no coding is in the required value set ${url.replace('http://hl7.org/fhir/ValueSet/', '')}`, this.at(loc, expr), coded.map((c) => `${c.system ?? ''}|${c.code}`).join(' '))
  }

  /**
   * ucum-units (R4: the unitOfMeasure of Effect/RiskEvidenceSynthesis and ResearchElementDefinition.characteristic),
   * as HAPI: a coding is required; every coded coding must be UCUM (no system is read as UCUM) and some valid.
   * A UCUM-system coding with an invalid unit also gets fhir.code.unknown from the code system check.
   */
  private checkUcumUnits(cc: any, expr: string, loc: ResourceSite['loc']): void {
    const codings = Array.isArray(cc.coding) ? cc.coding : []
    if (codings.length === 0) {
      this.emit('fhir.binding.required', 'no coding given; a code from the required value set ucum-units is required', this.at(loc, expr))
      return
    }
    const coded = codings.filter((c: any) => c && typeof c.code === 'string')
    const foreign = coded.findIndex((c: any) => c.system !== undefined && c.system !== UCUM)
    if (foreign !== -1)
      this.emit('fhir.binding.required', `a coding of the required value set ucum-units has a system other than ${UCUM}`, this.at(loc, `${expr}.coding[${codings.indexOf(coded[foreign])}]`), `${coded[foreign].system}|${coded[foreign].code}`)
    else if (coded.length > 0 && !coded.some((c: any) => isUcumUnit(c.code)))
      this.emit('fhir.binding.required', 'no coding is in the required value set ucum-units (a valid UCUM unit)', this.at(loc, expr), coded.map((c: any) => `${c.system ?? ''}|${c.code}`).join(' '))
  }
}
