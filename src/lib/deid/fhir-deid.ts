import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'

import {type Resource} from '../formats/fhir/reader.js'
import {type Category} from './categories.js'
import {type DeidConfigFile} from './config-file.js'
import {DATE_TYPES, TEXT_TYPES, childInfo, type ChildInfo, fhirpathEngine, PRIMITIVE_TYPES, r4Model} from './fhir-model.js'
import {type FhirPatientIndex, referencedId} from './fhir-patients.js'
import {type FhirCategory, type FhirRule} from './fhir-rules.js'
import {applyMethod, type DeidSettings, type RecordScope, shiftFor} from './methods.js'
import {hmacHex} from './pseudonym.js'
import {scrubText} from './scrub.js'
import {generalizeZip} from './zip-tables.js'
import {AGE_TOP_CODE} from './generalize.js'

/* eslint-disable @typescript-eslint/no-explicit-any */

const REMOVE = Symbol('remove')
type Out = unknown | typeof REMOVE

export const SECURITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue'
const LABEL: Record<string, string> = {
  redact: 'REDACTED', renumber: 'REDACTED', generalize: 'ABSTRED', cryptoHash: 'CRYTOHASH', pseudonym: 'PSEUDED', encrypt: 'MASKED',
  dateShift: 'PERTURBED', perturb: 'PERTURBED', substitute: 'SUBSTITUTED', scrub: 'REDACTED',
}

export interface FhirDeidOptions {
  rules: FhirRule[]
  /** preset: unmatched dates are generalized/shifted and unmatched text scrubbed; config: unmatched passes through (Microsoft). */
  mode: 'preset' | 'config'
  settings: DeidSettings
  patients: FhirPatientIndex
  /** Microsoft `redact` refinements. */
  partialDates?: boolean
  partialAges?: boolean
  partialZip?: boolean
  restrictedZip?: ReadonlySet<string>
}

interface PlanNode {
  info: ChildInfo
  /** A date, string, markdown or unknown element: what a preset changes when no rule names it. */
  datesOrText: boolean
  own?: FhirRule
  names: string[]
  types: string[]
  children: Map<string, PlanNode>
  /** The audit counter last used for this element (rule, method, category). */
  nRule?: FhirRule
  nMethod?: string
  nCategory?: string
  nCounter?: {count: number}
}

interface ResCtx {
  scope: RecordScope
  methods: Set<string>
  fpObjects: Map<FhirRule, Set<unknown>>
  fpValues: Map<FhirRule, Set<string>>
}

const FAMILY = new Set(['family'])

/** Which values of an element a walk can leave as they are, without visiting them. */
const enum AsIs {
  Never,
  Primitives,
  NonStrings,
}

function staysAsIs(asIs: AsIs, v: unknown): boolean {
  if (asIs === AsIs.Never || typeof v === 'object') return false
  return asIs === AsIs.Primitives || typeof v !== 'string'
}
const NO_FP_OBJECTS = new Map<FhirRule, Set<unknown>>()
const NO_FP_VALUES = new Map<FhirRule, Set<string>>()
const AGE_UNITS = new Set(['a', 'yr', 'year', 'years'])
/** Resource types whose ids come back in many references (only a cache decision: the hash is the same either way). */
const REFERENCED_TYPES = new Set(['Patient', 'Encounter', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'RelatedPerson', 'Group', 'Claim'])

/** The de-identifier of one run: a preset's rules, or a Microsoft configuration's with its `redact` refinements. */
export function fhirDeidentifierFor(rules: FhirRule[], settings: DeidSettings, patients: FhirPatientIndex, config?: DeidConfigFile): FhirDeidentifier {
  const p = config?.ms.parameters
  return new FhirDeidentifier({
    rules,
    mode: config ? 'config' : 'preset',
    settings,
    patients,
    partialDates: p?.enablePartialDatesForRedact,
    partialAges: p?.enablePartialAgesForRedact,
    partialZip: p?.enablePartialZipCodesForRedact,
    restrictedZip: p?.restrictedZipCodeTabulationAreas ? new Set(p.restrictedZipCodeTabulationAreas) : undefined,
  })
}

/**
 * De-identify FHIR resources by FHIRPath rules, first matching rule wins (a rule on an element covers everything
 * under it unless an earlier rule names a part of it). The common forms (`Type.a.b`, `Resource.id`,
 * `nodesByType('T').a`) are matched natively while walking the resource once with the R4 model; any other
 * expression is evaluated with fhirpath.js.
 */
export class FhirDeidentifier {
  private readonly pathRules = new Map<string, FhirRule[]>()
  private readonly rootRules: FhirRule[] = []
  private readonly typeRules = new Map<string, FhirRule[]>()
  private readonly typeSegRules = new Map<string, FhirRule[]>()
  private readonly fpRules: FhirRule[] = []
  private readonly fpHeads = new Map<FhirRule, string | undefined>()
  private readonly renumbered = new Map<string, string>()
  private readonly counters = new Map<FhirRule | string, Map<string, {count: number}>>()
  private current?: PlanNode
  private lastCounter: {rule?: FhirRule; method: string; category: string; c: {count: number}} = {method: '', category: '', c: {count: 0}}
  /** Per element path from a resource root: its type and the first native rule naming it, worked out once. */
  private readonly plans = new Map<string, PlanNode>()

  constructor(private readonly o: FhirDeidOptions) {
    const add = (m: Map<string, FhirRule[]>, k: string, r: FhirRule) => (m.get(k) ?? m.set(k, []).get(k)!).push(r)
    for (const r of o.rules) {
      const m = r.match
      if (m.kind === 'path') {
        if (m.segs.length === 0) this.rootRules.push(r)
        else add(this.pathRules, m.segs.at(-1)!, r)
      } else if (m.kind === 'type') {
        if (m.segs.length === 0) add(this.typeRules, m.type, r)
        else add(this.typeSegRules, m.segs.at(-1)!, r)
      } else {
        this.fpRules.push(r)
        this.fpHeads.set(r, /^([A-Z][A-Za-z0-9]*)\b/.exec(r.path)?.[1])
      }
    }
  }

  /**
   * De-identify one resource in place (contained resources and Bundle entries each as their own resource).
   * Removed elements are left as `undefined`: absent once written as JSON.
   */
  deidentify(resource: Resource): Resource {
    this.processResource(resource)
    return resource
  }

  private processResource(res: any): void {
    const patient = this.o.patients.patientOf(res)
    const known = patient?.shift?.by === this.o.settings ? patient.shift.days : undefined
    const ctx: ResCtx = {
      scope: {patientKey: patient?.key, sweep: patient ? this.o.patients.sweepOf(patient) : undefined, shiftDays: known},
      methods: new Set(),
      fpObjects: this.fpRules.length ? new Map() : NO_FP_OBJECTS,
      fpValues: this.fpRules.length ? new Map() : NO_FP_VALUES,
    }
    for (const r of this.fpRules) {
      // `Observation.note.where(...)` cannot match a Patient: evaluate only rules that may apply to this type.
      const head = this.fpHeads.get(r)
      if (head && head !== res.resourceType && head !== 'Resource' && head !== 'DomainResource') continue
      this.evaluateFallback(r, res, ctx)
    }
    const root = this.rootPlan(res.resourceType)
    this.walkObject(res, root, root.own, ctx)
    if (patient && known === undefined && ctx.scope.shiftDays !== undefined) patient.shift = {by: this.o.settings, days: ctx.scope.shiftDays}
    if (ctx.methods.size > 0) addSecurityLabels(res, ctx.methods)
  }

  private evaluateFallback(r: FhirRule, res: any, ctx: ResCtx): void {
    const objs = new Set<unknown>()
    const vals = new Set<string>()
    try {
      for (const v of fhirpathEngine().evaluate(res, (r.match as {expr: string}).expr, null, r4Model)) {
        if (v !== null && typeof v === 'object' && !(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) objs.add(v)
        else vals.add(String(v))
      }
    } catch {
      this.o.settings.audit.warn(`rule "${r.path}": the FHIRPath expression could not be evaluated; it matched nothing`)
    }
    ctx.fpObjects.set(r, objs)
    ctx.fpValues.set(r, vals)
  }

  private rootPlan(resourceType: string): PlanNode {
    let p = this.plans.get(resourceType)
    if (!p) {
      let own: FhirRule | undefined
      for (const r of this.rootRules) if ((r.match as {resourceType: string | null}).resourceType === resourceType) own = minRule(own, r)
      p = {info: {type: resourceType, modelPath: resourceType, name: resourceType}, datesOrText: false, own, names: [resourceType], types: [resourceType], children: new Map()}
      this.plans.set(resourceType, p)
    }
    return p
  }

  private childPlan(parent: PlanNode, key: string): PlanNode {
    let c = parent.children.get(key)
    if (c) return c
    const modelPath = parent.info.modelPath
    let info: ChildInfo
    if (key.charCodeAt(0) === 95 /* _ */) {
      const base = childInfo(modelPath, key.slice(1))
      info = {type: 'Element', modelPath: 'Element', name: base?.name ?? key.slice(1)}
    } else info = childInfo(modelPath, key) ?? {type: 'unknown', modelPath: '', name: key}
    const names = [...parent.names, info.name]
    const types = [...parent.types, info.type]
    const datesOrText = DATE_TYPES.has(info.type) || TEXT_TYPES.has(info.type) || info.type === 'unknown'
    c = {info, datesOrText, own: this.matchNative(names, types), names, types, children: new Map()}
    parent.children.set(key, c)
    return c
  }

  /** Walk an object's elements; removed ones are set to undefined (absent from JSON, and no slow delete). Returns how many remain. */
  private walkObject(obj: any, plan: PlanNode, inherited: FhirRule | undefined, ctx: ResCtx): number {
    let kept = 0
    const native = this.fpRules.length === 0
    for (const key in obj) {
      const val = obj[key]
      if (val === undefined) continue
      if (key === 'resourceType') {
        kept++
        continue
      }
      const child = this.childPlan(plan, key)
      // Primitives that would come back unchanged are not visited: under a keep rule (their own or the one they
      // inherit, whichever comes first: a code, a system, a use, a Coding's display), and, with no rule, numbers,
      // booleans and strings that are neither dates nor text (codes, uris) in a preset, everything in a configuration.
      const own = child.own
      const eff = own && (!inherited || own.index < inherited.index) ? own : inherited
      const asIs: AsIs = !native ? AsIs.Never : eff ? (eff.method === 'keep' ? AsIs.Primitives : AsIs.Never) : this.o.mode !== 'preset' || !child.datesOrText ? AsIs.Primitives : AsIs.NonStrings
      if (staysAsIs(asIs, val)) {
        kept++
        continue
      }
      if (Array.isArray(val)) {
        let w = 0
        for (let i = 0; i < val.length; i++) {
          const v = val[i]
          const r = staysAsIs(asIs, v) ? v : this.visit(v, child, inherited, ctx, obj)
          if (r !== REMOVE) val[w++] = r
        }
        val.length = w
        if (w === 0) obj[key] = undefined
        else kept++
      } else {
        const r = this.visit(val, child, inherited, ctx, obj)
        if (r === REMOVE) obj[key] = undefined
        else {
          obj[key] = r
          kept++
        }
      }
    }
    return kept
  }

  private visit(value: any, plan: PlanNode, inherited: FhirRule | undefined, ctx: ResCtx, parent: any): Out {
    const info = plan.info
    if (info.type === 'Resource' && value && typeof value === 'object' && typeof value.resourceType === 'string') {
      this.processResource(value)
      return value
    }
    const own = this.fpRules.length ? this.matchFallback(plan, value, ctx) : plan.own
    const eff = own && (!inherited || own.index < inherited.index) ? own : inherited
    if (value !== null && typeof value === 'object') {
      if (this.o.mode === 'preset' && info.type === 'Quantity' && AGE_UNITS.has(value.code ?? value.unit) && typeof value.value === 'number') {
        // An age written as a plain Quantity is still an age.
        const age = this.o.rules.find((r) => r.category === 'age')
        if (age && age.method !== 'keep') return this.complexNode(age, value, {...info, type: 'Age'}, ctx)
      }
      if (this.o.mode === 'preset' && info.type === 'Extension' && typeof value.url === 'string') {
        // Extensions known to carry a person's identifiers (a mother's maiden name, a birth time) go by their category.
        const cat = identifyingExtension(value.url)
        if (cat) {
          const m = this.o.settings.preset.methods[cat]
          if (m !== 'keep' && (!inherited || inherited.method !== 'keep')) {
            this.current = undefined
            this.note(undefined, 'redact', cat, ctx)
            return REMOVE
          }
        }
      }
      if (eff && eff === own) {
        this.current = plan
        const handled = this.complexNode(eff, value, info, ctx)
        if (handled !== undefined) return handled
      }
      return this.walkObject(value, plan, eff, ctx) === 0 ? REMOVE : value
    }
    this.current = plan
    if (!eff) return this.o.mode === 'preset' ? this.unmatchedLeaf(value, info, ctx) : value
    return this.leaf(eff, value, plan, parent, ctx)
  }

  /** The first native rule (by order) that names the element at this path. */
  private matchNative(names: string[], types: string[]): FhirRule | undefined {
    const d = names.length - 1
    const name = names[d]
    let best: FhirRule | undefined
    for (const r of this.pathRules.get(name) ?? []) {
      const m = r.match as {resourceType: string | null; segs: string[]}
      if (m.segs.length !== d || (m.resourceType !== null && m.resourceType !== names[0])) continue
      if (m.segs.every((s, i) => s === names[i + 1])) best = minRule(best, r)
    }
    for (const r of this.typeRules.get(types[d]) ?? []) best = minRule(best, r)
    for (const r of this.typeSegRules.get(name) ?? []) {
      const m = r.match as {type: string; segs: string[]}
      const at = d - m.segs.length
      if (at < 0 || types[at] !== m.type) continue
      if (m.segs.every((s, i) => s === names[at + 1 + i])) best = minRule(best, r)
    }
    return best
  }

  /** Rules evaluated with fhirpath.js match by the node itself (objects) or by name and value (primitives). */
  private matchFallback(plan: PlanNode, value: unknown, ctx: ResCtx): FhirRule | undefined {
    let best = plan.own
    const name = plan.info.name
    for (const r of this.fpRules) {
      if (best && best.index < r.index) continue
      if (value !== null && typeof value === 'object') {
        if (ctx.fpObjects.get(r)?.has(value)) best = minRule(best, r)
      } else if ((r.match as {lastSeg?: string}).lastSeg === name && ctx.fpValues.get(r)?.has(String(value))) best = minRule(best, r)
    }
    return best
  }

  /** A rule on a whole complex element: some methods act on it as a whole; undefined means go on to its parts. */
  private complexNode(rule: FhirRule, value: any, info: ChildInfo, ctx: ResCtx): Out | undefined {
    const method = this.methodOf(rule, info, undefined)
    if (info.type === 'Age' && (method === 'generalize' || (method === 'redact' && this.o.partialAges))) {
      const v = typeof value.value === 'number' ? value.value : Number.NaN
      this.note(rule, 'generalize', 'age', ctx)
      if (Number.isNaN(v)) return REMOVE
      if (v > 89) {
        value.value = 90
        value.comparator = '>='
      }
      return value
    }
    if (method === 'substitute' && this.o.mode === 'config' && rule.settings.replaceWith !== undefined && typeof rule.settings.replaceWith === 'object') {
      this.note(rule, 'substitute', rule.category ?? 'config', ctx)
      return structuredClone(rule.settings.replaceWith)
    }
    if (method === 'keep') {
      // Nothing under it changes, except parts named by earlier rules: keep walking only if such rules exist.
      return undefined
    }
    return undefined
  }

  private methodOf(rule: FhirRule, info: ChildInfo, parent: any): string {
    if (rule.method !== 'byCategory') return rule.method
    return this.o.settings.preset.methods[this.categoryOf(rule.category!, info, parent)]
  }

  private categoryOf(c: FhirCategory, info: ChildInfo, parent: any): Category {
    if (c === 'byContactSystem') {
      const sys = parent?.system
      return sys === 'email' ? 'email' : sys === 'fax' ? 'fax' : sys === 'url' ? 'url' : 'phone'
    }
    if (c === 'byIdentifierType') {
      const codes: string[] = Array.isArray(parent?.type?.coding) ? parent.type.coding.map((x: any) => x?.code) : []
      const sys = String(parent?.system ?? '')
      if (codes.includes('SS') || sys.includes('us-ssn')) return 'ssn'
      if (codes.includes('MR')) return 'mrn'
      if (codes.some((x) => ['MB', 'SN', 'MC', 'MA', 'NIIP'].includes(x))) return 'healthPlan'
      if (codes.some((x) => ['AN', 'FILL', 'PLAC', 'ACSN', 'VN'].includes(x))) return 'account'
      if (codes.some((x) => ['DL', 'PPN', 'DEA', 'NPI', 'SL', 'MD', 'LN'].includes(x))) return 'license'
      if (codes.some((x) => ['SNO', 'UDI'].includes(x))) return 'device'
      return 'otherId'
    }
    if (c === 'resourceRef') return 'otherId'
    return c
  }

  private note(rule: FhirRule | undefined, method: string, category: string, ctx: ResCtx): void {
    ctx.methods.add(method)
    // The same element is nearly always changed by the same rule and method: its counter is kept on its plan.
    const p = this.current
    if (p && p.nRule === rule && p.nMethod === method && p.nCategory === category) {
      p.nCounter!.count++
      return
    }
    const last = this.lastCounter
    if (last.rule === rule && last.method === method && last.category === category) {
      last.c.count++
      if (p) Object.assign(p, {nRule: rule, nMethod: method, nCategory: category, nCounter: last.c})
      return
    }
    const owner = rule ?? category
    let byRule = this.counters.get(owner)
    if (!byRule) this.counters.set(owner, (byRule = new Map()))
    const k = method + category
    let c = byRule.get(k)
    if (!c) byRule.set(k, (c = this.o.settings.audit.counter(rule ? rule.path : `(unmatched ${category})`, method, category)))
    c.count++
    this.lastCounter = {rule, method, category, c}
    if (p) Object.assign(p, {nRule: rule, nMethod: method, nCategory: category, nCounter: c})
  }

  private unmatchedLeaf(value: unknown, info: ChildInfo, ctx: ResCtx): Out {
    if (typeof value !== 'string') return value
    const preset = this.o.settings.preset
    if (DATE_TYPES.has(info.type)) return this.finish(undefined, applyMethod(value, preset.methods.date, 'date', this.o.settings, ctx.scope), preset.methods.date, 'date', ctx)
    if (TEXT_TYPES.has(info.type) || info.type === 'unknown') {
      const r = scrubText(value, ctx.scope.sweep)
      if (r.text !== value) this.note(undefined, 'scrub', 'freeText', ctx)
      return r.text
    }
    return value
  }

  private finish(rule: FhirRule | undefined, v: string | undefined, method: string, category: string, ctx: ResCtx): Out {
    this.note(rule, v === undefined && method !== 'redact' ? 'redact' : method, category, ctx)
    return v === undefined ? REMOVE : v
  }

  private leaf(rule: FhirRule, value: any, plan: PlanNode, parent: any, ctx: ResCtx): Out {
    const info = plan.info
    const parentType = plan.types[plan.types.length - 2]
    const s = this.o.settings
    const method = this.methodOf(rule, info, parent)
    const category: Category = rule.category ? this.categoryOf(rule.category, info, parent) : 'otherId'
    const cat = rule.category === undefined ? 'config' : category
    const isRef = rule.category === 'resourceRef' || (info.name === 'reference' && parentType === 'Reference') || info.type === 'id'
    switch (method) {
      case 'keep':
        return value
      case 'redact': {
        if (typeof value === 'string' && DATE_TYPES.has(info.type) && this.o.partialDates) {
          const y = /^(\d{4})/.exec(value)?.[1]
          if (y && s.asOf.getUTCFullYear() - Number(y) <= 89) return this.finish(rule, y, 'generalize', cat, ctx)
        }
        if (typeof value === 'string' && this.o.partialZip && info.name === 'postalCode' && parentType === 'Address') {
          const z = generalizeZip(value, this.o.restrictedZip ?? s.zipRestricted)
          if (z) return this.finish(rule, z, 'generalize', cat, ctx)
        }
        return this.finish(rule, undefined, 'redact', cat, ctx)
      }
      case 'renumber':
        return this.finish(rule, this.renumber(String(value), info.type === 'id'), 'renumber', cat, ctx)
      case 'cryptoHash': {
        const key = s.keys.key!
        const v = String(value)
        if (isRef && info.type !== 'id') {
          const t = referencedId(v)
          if (!t) return this.finish(rule, hmacHex(key, v), 'cryptoHash', cat, ctx)
          const at = v.lastIndexOf(t.id)
          return this.finish(rule, v.slice(0, at) + hmacHex(key, t.id) + v.slice(at + t.id.length), 'cryptoHash', cat, ctx)
        }
        // Ids of the resources others point at (a Patient's by all of its resources) are remembered for the
        // references that follow; other ids and values are mostly distinct, not worth remembering.
        const remember = info.type === 'id' && plan.names.length === 2 && REFERENCED_TYPES.has(plan.names[0])
        return this.finish(rule, hmacHex(key, v, remember), 'cryptoHash', cat, ctx)
      }
      case 'dateShift': {
        if (!DATE_TYPES.has(info.type) && this.o.mode === 'config') return value
        const shifted = typeof value === 'string' ? applyMethod(value, 'dateShift', 'date', s, ctx.scope) : undefined
        return this.finish(rule, shifted, 'dateShift', cat, ctx)
      }
      case 'encrypt':
        return this.finish(rule, encryptAes(String(value), s.keys.encryptKey!), 'encrypt', cat, ctx)
      case 'substitute': {
        if (this.o.mode === 'config') {
          const w = rule.settings.replaceWith
          return this.finish(rule, w === undefined || w === null ? undefined : (w as string), 'substitute', cat, ctx)
        }
        const part = info.name === 'given' ? 'given' : FAMILY.has(info.name) ? 'family' : undefined
        return this.finish(rule, applyMethod(String(value), 'substitute', category, s, ctx.scope, part), 'substitute', cat, ctx)
      }
      case 'perturb':
        if (typeof value !== 'number') return value
        return this.finish(rule, perturb(value, rule.settings) as never, 'perturb', cat, ctx)
      case 'generalize':
        if (this.o.mode === 'config') return this.finish(rule, generalizeByCases(value, rule.settings) as never, 'generalize', cat, ctx)
        {
          const g = applyMethod(String(value), 'generalize', category, s, ctx.scope)
          // FHIR dates cannot say "90 or older": such a birth date is removed.
          return this.finish(rule, g === AGE_TOP_CODE && DATE_TYPES.has(info.type) ? undefined : g, 'generalize', cat, ctx)
        }
      case 'pseudonym':
        return this.finish(rule, applyMethod(String(value), 'pseudonym', category, s, ctx.scope), 'pseudonym', cat, ctx)
      case 'scrub': {
        if (typeof value !== 'string') return value
        return this.finish(rule, scrubText(value, ctx.scope.sweep).text, 'scrub', cat, ctx)
      }
      default:
        return this.finish(rule, applyMethod(String(value), method as never, category, s, ctx.scope), method, cat, ctx)
    }
  }

  /** A run-scoped code in place of an id (164.514(c): not derived from the person), the same for the id and its references. */
  private renumber(v: string, isId: boolean): string | undefined {
    if (v.startsWith('#')) return v
    const t = isId ? {id: v, type: undefined} : referencedId(v)
    if (!t) return undefined // a conditional reference or search URL: it holds identifiers
    let code = this.renumbered.get(t.id)
    if (!code) {
      code = `00000000-0000-4000-8000-${(this.renumbered.size + 1).toString(16).padStart(12, '0')}`
      this.renumbered.set(t.id, code)
    }
    if (isId) return code
    if (v.startsWith('urn:uuid:')) return `urn:uuid:${code}`
    return `${t.type}/${code}`
  }
}

/** Extension URLs (by their last part) whose value identifies a person, with the category it belongs to. */
const IDENTIFYING_EXTENSIONS: Record<string, Category> = {
  'patient-mothersMaidenName': 'name',
  'patient-birthTime': 'birthDate',
  'humanname-own-name': 'name',
  'humanname-partner-name': 'name',
  'humanname-mothers-family': 'name',
  'humanname-fathers-family': 'name',
  'patient-nationality': 'quasi',
}

function identifyingExtension(url: string): Category | undefined {
  const c = IDENTIFYING_EXTENSIONS[url.slice(url.lastIndexOf('/') + 1)]
  return c === 'quasi' ? undefined : c
}

function minRule(a: FhirRule | undefined, b: FhirRule): FhirRule {
  return !a || b.index < a.index ? b : a
}

/** The labels, as frozen objects shared by every resource (they are only ever written out). */
const LABEL_CODING: Record<string, Readonly<{system: string; code: string}>> = Object.fromEntries(
  [...new Set(Object.values(LABEL))].map((code) => [code, Object.freeze({system: SECURITY_SYSTEM, code})]),
)

function addSecurityLabels(res: any, methods: Set<string>): void {
  let sec: any[] | undefined
  for (const m of methods) {
    const code = LABEL[m]
    if (!code) continue
    if (!sec) {
      res.meta ??= {}
      if (!Array.isArray(res.meta.security)) res.meta.security = []
      sec = res.meta.security as any[]
    }
    if (!hasLabel(sec, code)) sec.push(LABEL_CODING[code])
  }
}

function hasLabel(list: any[], code: string): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i]
    if (x !== null && typeof x === 'object' && x.system === SECURITY_SYSTEM && x.code === code) return true
  }
  return false
}

/** The AES key as Microsoft's tool takes it: the key's UTF-8 bytes (16, 24 or 32); other lengths: derived (him). */
function aesKey(key: string): {alg: string; kk: Buffer} {
  const k = Buffer.from(key, 'utf8')
  const alg = k.length === 16 ? 'aes-128-cbc' : k.length === 24 ? 'aes-192-cbc' : 'aes-256-cbc'
  return {alg, kk: k.length === 16 || k.length === 24 || k.length === 32 ? k : Buffer.from(hmacHex(key, 'aes').slice(0, 32), 'utf8')}
}

/** Microsoft's `encrypt`: AES-CBC with the UTF-8 key (16, 24 or 32 bytes), a random IV in front, base64. */
export function encryptAes(text: string, key: string): string {
  const {alg, kk} = aesKey(key)
  const iv = randomBytes(16)
  const c = createCipheriv(alg, kk, iv)
  return Buffer.concat([iv, c.update(text, 'utf8'), c.final()]).toString('base64')
}

/** The reverse of encryptAes (and of Microsoft's `encrypt`), for the key holder: IV from the first 16 bytes. */
export function decryptAes(cipherText: string, key: string): string {
  const bytes = Buffer.from(cipherText, 'base64')
  if (bytes.length === 0) return ''
  const {alg, kk} = aesKey(key)
  const d = createDecipheriv(alg, kk, bytes.subarray(0, 16))
  return Buffer.concat([d.update(bytes.subarray(16)), d.final()]).toString('utf8')
}

function perturb(v: number, settings: Record<string, unknown>): number {
  const span = Number(settings.span ?? 1)
  const width = settings.rangeType === 'proportional' ? Math.abs(v) * span : span
  const noisy = v + (Math.random() - 0.5) * width
  const round = Number(settings.roundTo ?? 2)
  const f = 10 ** round
  return Math.round(noisy * f) / f
}

/** A value as a FHIRPath literal: dates as @-literals, numbers as numbers, text quoted. */
function fhirpathLiteral(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  const s = String(v)
  if (/^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(s)) return `@${s}`
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** Microsoft's `generalize`: the first case whose FHIRPath condition holds for the value gives its replacement. */
function generalizeByCases(value: unknown, settings: Record<string, unknown>): unknown {
  const cases = (settings.cases ?? {}) as Record<string, string>
  const lit = fhirpathLiteral(value)
  for (const [cond, repl] of Object.entries(cases)) {
    try {
      const hit = fhirpathEngine().evaluate({}, cond.replace(/\$this/g, lit))
      if (hit[0] === true) {
        const out = fhirpathEngine().evaluate({}, String(repl).replace(/\$this/g, lit))
        return out.length ? String(out[0]).replace(/^@/, '') : undefined
      }
    } catch {
      /* a case that cannot be evaluated does not match */
    }
  }
  return settings.otherValues === 'keep' ? value : undefined
}

export const isPrimitiveType = (t: string) => PRIMITIVE_TYPES.has(t)
