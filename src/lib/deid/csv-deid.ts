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
  const names: string[] = []
  const values: string[] = []
  for (const c of plan) {
    const v = cells[c.index]
    if (!v) continue
    if (c.category === 'mrn') mrn ??= v
    else if (c.category === 'otherId' || c.category === 'ssn') otherId ??= v
    else if (c.category === 'birthDate') birthDate ??= v
    if (!needSweep) continue
    if (c.category === 'name') names.push(v)
    else if (SWEPT.has(c.category)) values.push(v)
  }
  return {
    patientKey: patientKeyOf({mrn, otherId, name: mrn || otherId ? undefined : nameOf(cells, plan), birthDate}),
    sweep: needSweep ? sweepPattern({names, values}) : undefined,
  }
}

const COUNTERS = new WeakMap<ColumnPlan, {applied: {count: number}; removed: {count: number}}>()

function counters(c: ColumnPlan, s: DeidSettings) {
  let k = COUNTERS.get(c)
  if (!k) {
    const rule = `column ${c.column}`
    k = {applied: s.audit.counter(rule, c.method, c.category), removed: s.audit.counter(rule, 'redact', c.category)}
    COUNTERS.set(c, k)
  }
  return k
}

/** De-identify one CSV row by its column plan: same number of cells, same order; a removed value becomes empty. */
export function deidentifyCsvRow(cells: string[], plan: ColumnPlan[], s: DeidSettings): string[] {
  const needSweep = plan.some((c) => c.method === 'scrub')
  const scope = csvRowScope(cells, plan, needSweep)
  const out = cells.slice()
  for (const c of plan) {
    const v = cells[c.index]
    if (v === undefined || v === '') continue
    if (c.method === 'scrub') {
      out[c.index] = scrubText(v, scope.sweep).text
      counters(c, s).applied.count++
      continue
    }
    const nv = applyMethod(v, c.method, c.category, s, scope, c.part)
    out[c.index] = nv ?? ''
    const k = counters(c, s)
    if (nv === undefined && c.method !== 'redact') k.removed.count++
    else k.applied.count++
  }
  return out
}
