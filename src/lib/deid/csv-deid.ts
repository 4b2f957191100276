import {type ColumnPlan} from './csv-columns.js'
import {applyMethod, type DeidSettings, type RecordScope} from './methods.js'
import {patientKeyOf} from './patient-key.js'
import {scrubText, sweepPattern} from './scrub.js'

const SWEPT = new Set(['mrn', 'ssn', 'phone', 'fax', 'email', 'street', 'healthPlan', 'account', 'license', 'vehicle', 'device', 'url', 'ip', 'otherId'])

function nameOf(cells: string[], plan: ColumnPlan[]): string {
  return plan.filter((c) => c.category === 'name' && cells[c.index]).map((c) => cells[c.index]).join(' ')
}

/** A CSV row's patient and the identifiers its free-text columns are swept for. */
export function csvRowScope(cells: string[], plan: ColumnPlan[], needSweep: boolean): RecordScope {
  let mrn: string | undefined
  let otherId: string | undefined
  let birthDate: string | undefined
  const names: string[] | undefined = needSweep ? [] : undefined
  const values: string[] | undefined = needSweep ? [] : undefined
  for (const c of plan) {
    const v = cells[c.index]
    if (!v) continue
    if (c.category === 'mrn') mrn ??= v
    else if (c.category === 'otherId' || c.category === 'ssn') otherId ??= v
    else if (c.category === 'birthDate') birthDate ??= v
    if (!names || !values) continue
    if (c.category === 'name') names.push(v)
    else if (SWEPT.has(c.category)) values.push(v)
  }
  return {
    patientKey: patientKeyOf({mrn, otherId, name: mrn || otherId ? undefined : nameOf(cells, plan), birthDate}),
    sweep: names && values ? sweepPattern({names, values}) : undefined,
  }
}

interface CompiledColumn {
  c: ColumnPlan
  /** Audit counters, made when the column's first value is met (the audit lists them in that order). */
  applied?: {count: number}
  removed?: {count: number}
}

/** A plan with its audit counters looked up once per run, not once per cell. */
interface CompiledPlan {
  settings: DeidSettings
  needSweep: boolean
  columns: CompiledColumn[]
}

const COMPILED = new WeakMap<ColumnPlan[], CompiledPlan>()

function compiled(plan: ColumnPlan[], s: DeidSettings): CompiledPlan {
  let k = COMPILED.get(plan)
  if (!k || k.settings !== s) {
    k = {settings: s, needSweep: plan.some((c) => c.method === 'scrub'), columns: plan.map((c) => ({c}))}
    COMPILED.set(plan, k)
  }
  return k
}

function counters(col: CompiledColumn, s: DeidSettings): {applied: {count: number}; removed: {count: number}} {
  if (!col.applied || !col.removed) {
    const rule = `column ${col.c.column}`
    col.applied = s.audit.counter(rule, col.c.method, col.c.category)
    col.removed = s.audit.counter(rule, 'redact', col.c.category)
  }
  return col as {applied: {count: number}; removed: {count: number}}
}

/** De-identify one CSV row by its column plan: same number of cells, same order; a removed value becomes empty. */
export function deidentifyCsvRow(cells: string[], plan: ColumnPlan[], s: DeidSettings): string[] {
  const k = compiled(plan, s)
  const scope = csvRowScope(cells, plan, k.needSweep)
  const out = cells.slice()
  for (const col of k.columns) {
    const c = col.c
    const v = cells[c.index]
    if (v === undefined || v === '') continue
    if (c.method === 'scrub') {
      out[c.index] = scrubText(v, scope.sweep).text
      counters(col, s).applied.count++
      continue
    }
    const nv = applyMethod(v, c.method, c.category, s, scope, c.part)
    out[c.index] = nv ?? ''
    const n = counters(col, s)
    if (nv === undefined && c.method !== 'redact') n.removed.count++
    else n.applied.count++
  }
  return out
}
