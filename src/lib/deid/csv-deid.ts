import {type ColumnPlan} from './csv-columns.js'
import {applyMethod, type DeidSettings, type RecordScope} from './methods.js'
import {patientKeyOf} from './patient-key.js'
import {scrubText, sweepPattern} from './scrub.js'

const SWEPT = new Set(['mrn', 'ssn', 'phone', 'fax', 'email', 'street', 'healthPlan', 'account', 'license', 'vehicle', 'device', 'url', 'ip', 'otherId'])

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
    if (c.category === 'name') names.push(v)
    else if (SWEPT.has(c.category)) values.push(v)
  }
  return {
    patientKey: patientKeyOf({mrn, otherId, name: names.join(' '), birthDate}),
    sweep: needSweep ? sweepPattern({names, values}) : undefined,
  }
}

/** De-identify one CSV row by its column plan: same number of cells, same order; a removed value becomes empty. */
export function deidentifyCsvRow(cells: string[], plan: ColumnPlan[], s: DeidSettings): string[] {
  const needSweep = plan.some((c) => c.method === 'scrub')
  const scope = csvRowScope(cells, plan, needSweep)
  const out = cells.slice()
  for (const c of plan) {
    const v = cells[c.index]
    if (v === undefined || v === '') continue
    const rule = `column ${c.column}`
    if (c.method === 'scrub') {
      const r = scrubText(v, scope.sweep)
      out[c.index] = r.text
      s.audit.count(rule, 'scrub', c.category)
      continue
    }
    const nv = applyMethod(v, c.method, c.category, s, scope, c.part)
    out[c.index] = nv ?? ''
    s.audit.count(rule, nv === undefined && c.method !== 'redact' ? 'redact' : c.method, c.category)
  }
  return out
}
