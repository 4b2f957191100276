import {parseDate} from '../../formats/csv/mapping/dates.js'
import {compileToFhir, matchColumns, type MappingContext} from '../../formats/csv/mapping/patient-mapping.js'
import {type ColumnSpec, type Mapping, SSN_SYSTEM} from '../../formats/csv/mapping/schema.js'
import {type Reject, type SourceLocation} from '../../records/types.js'
import {type FindingLocation} from '../findings.js'
import {type Emit} from '../rules.js'
import {hashStrings, RecordIndex} from './record-index.js'
import {checkSsn, isEmail, isNanpPhone, isPlaceholderName, isUspsState, isZip, nameHasDigits} from './value-checks.js'

/** How full each mapped column is: for the completeness chart. */
export interface ColumnCompleteness {
  field: string
  role: string
  required: boolean
  filled: number
  total: number
}

export interface CsvValidatorOptions {
  file: string
  mapping: Mapping
  header: string[]
  mappingCtx: MappingContext
  emit: Emit
  /** Today as YYYY-MM-DD (given, so tests do not depend on the clock). */
  today: string
  /**
   * Where each row's file-wide keys go, between its required-field findings and its value findings: by default
   * they are checked at once (MRN unique, duplicate rows); a worker of the parallel path records them instead,
   * for the main thread to check in file order.
   */
  keys?: RowKeys
}

/**
 * A row's keys for the rules that need the whole file: the 53-bit hash of its MRN (-1 when it has none) and of
 * all its cells; `mrn` is the MRN itself (for --show-values).
 */
export type RowKeys = (mrnHash: number, rowHash: number, mrn: string, loc: SourceLocation) => void

export interface CsvValidator {
  /** Check one data row. */
  row(cells: string[], loc: SourceLocation): void
  /** A row the reader could not read (ragged, unterminated quote). */
  unreadable(r: Reject): void
  /** Check a row's keys against the earlier rows' (the default `keys`; the parallel path calls it in file order). */
  checkKeys: RowKeys
  /** Per-column filled counts (by header index) and the number of rows, as counted by `row`. */
  counts(): {filled: number[]; total: number}
  /** Add counts made elsewhere (by the workers of the parallel path). */
  addCounts(c: {filled: number[]; total: number}): void
  completeness(): ColumnCompleteness[]
}

/** Roles a patient record needs: a finding when a file has no column for one, or the column is empty. */
const FHIR_GENDERS = new Set(['male', 'female', 'other', 'unknown'])

const REQUIRED_ROLES: Array<{to: ColumnSpec['to']; label: string}> = [
  {to: 'identifier', label: 'MRN / patient identifier'},
  {to: 'name.family', label: 'family name'},
  {to: 'name.given', label: 'given name'},
  {to: 'birthDate', label: 'birth date'},
  {to: 'gender', label: 'sex'},
]

const isSsnColumn = (s: ColumnSpec) => s.system === 'ssn' || s.system === SSN_SYSTEM || s.type === 'SS'
const isMrnColumn = (s: ColumnSpec) => s.system === 'mrn' || s.type === 'MR'

/**
 * The CSV rules, applied through the mapping's roles (a column is checked for what it holds, whatever its
 * header says): required fields, real and plausible dates, SSN, NANP phone, ZIP, USPS state, email, sex codes,
 * placeholder names, MRN unique within the file, exact duplicate rows. Reports through `emit`; never throws on data.
 */
export function compileCsvValidator(opts: CsvValidatorOptions): CsvValidator {
  const {file, header, emit, today} = opts
  const compiled = compileToFhir(opts.mapping, header, opts.mappingCtx)
  const {found} = matchColumns(opts.mapping, header)
  const identifiers = found.filter(([s]) => s.to === 'identifier')
  const mrn = identifiers.find(([s]) => isMrnColumn(s)) ?? identifiers.find(([s]) => !isSsnColumn(s))
  const at = (to: ColumnSpec['to']) => found.filter(([s]) => s.to === to)

  const headerLoc = {file, line: 1}
  for (const role of REQUIRED_ROLES)
    if (!found.some(([s]) => s.to === role.to)) emit('csv.column.missing', `no column holds the ${role.label} (mapping "${opts.mapping.name}")`, headerLoc)
  for (const col of compiled.unmapped) emit('csv.column.unmapped', `column is not in mapping "${opts.mapping.name}" and is not checked`, {...headerLoc, column: col})

  // Required: each required role's first column, plus columns the mapping marks required.
  const required = new Set<number>()
  for (const role of REQUIRED_ROLES) {
    const hit = role.to === 'identifier' ? mrn : found.find(([s]) => s.to === role.to)
    if (hit) required.add(hit[1])
  }
  for (const [s, i] of found) if (s.required) required.add(i)
  const requiredCols = [...required].sort((a, b) => a - b)

  const filled = new Array<number>(header.length).fill(0)
  let total = 0
  const mrnSeen = new RecordIndex()
  const rowSeen = new RecordIndex()
  const one = ['']
  const birth = at('birthDate')[0]
  const death = at('deceasedDate')[0]
  const given = at('name.given')[0]
  const family = at('name.family')[0]
  const nameCols = found.filter(([s]) => s.to === 'name.given' || s.to === 'name.family' || s.to === 'name.middle')
  const ssnCols = identifiers.filter(([s]) => isSsnColumn(s))
  const phones = at('telecom.phone')
  const emails = at('telecom.email')
  const zips = at('address.postalCode')
  const states = at('address.state')
  const genders = at('gender')
  const coded = found.filter(([s]) => (s.to === 'maritalStatus' || s.to === 'race' || s.to === 'ethnicity') && s.codes)
  const codeSets = new Map<number, Set<string>>()
  for (const [s, i] of [...genders, ...coded]) codeSets.set(i, new Set(Object.keys(s.codes ?? {}).map((k) => k.toLowerCase())))
  const mappedIdx = found.map(([, i]) => i)
  const idx = (cols: Array<[ColumnSpec, number]>) => cols.map(([, i]) => i)
  const [ssnIdx, phoneIdx, emailIdx, zipIdx, stateIdx, nameIdx] = [ssnCols, phones, emails, zips, states, nameCols].map(idx)
  const mrnIdx = mrn ? mrn[1] : -1
  const val = new Array<string>(header.length).fill('')
  let rowLoc: SourceLocation = {file}
  const where = (idx: number): FindingLocation => ({file, line: rowLoc.line, record: rowLoc.record, column: header[idx]})

  const checkKeys: RowKeys = (mrnHash, rowHash, mrnValue, loc) => {
    if (mrnHash !== -1) {
      const prev = mrnSeen.firstOrAdd(mrnHash, loc.record ?? 0)
      if (prev !== -1) emit('csv.mrn.duplicate', `same MRN as record ${prev}`, {file, line: loc.line, record: loc.record, column: header[mrnIdx]}, mrnValue)
    }
    const prevRow = rowSeen.firstOrAdd(rowHash, loc.record ?? 0)
    if (prevRow !== -1) emit('csv.row.duplicate', `identical to record ${prevRow}`, {file, line: loc.line, record: loc.record})
  }
  const keys = opts.keys ?? checkKeys

  function checkDate(spec: ColumnSpec, idx: number, v: string, loc: SourceLocation): string | undefined {
    const formats = spec.dateFormats ?? ['YYYY-MM-DD']
    const d = parseDate(v, formats)
    const where = {file, line: loc.line, record: loc.record, column: header[idx]}
    if (!d) {
      emit('csv.date.invalid', `not a real date in ${formats.join(' or ')}`, where, v)
      return undefined
    }
    const what = spec.to === 'birthDate' ? 'birth date' : 'death date'
    if (d > today) emit('csv.date.future', `${what} is in the future`, where, v)
    else if (d < '1900-01-01') emit('csv.date.before-1900', `${what} is before 1900`, where, v)
    return d
  }

  return {
    row(cells, loc) {
      total++
      // Each mapped cell trimmed once, into a buffer reused from row to row.
      for (let k = 0; k < mappedIdx.length; k++) {
        const i = mappedIdx[k]
        const c = cells[i]
        const v = c === undefined ? '' : c.trim()
        val[i] = v
        if (v !== '') filled[i]++
      }
      rowLoc = loc
      for (let k = 0; k < requiredCols.length; k++) if (val[requiredCols[k]] === '') emit('csv.required', 'required field is empty', where(requiredCols[k]))

      let mrnHash = -1
      const mrnValue = mrnIdx === -1 ? '' : val[mrnIdx]
      if (mrnValue !== '') {
        one[0] = mrnValue
        mrnHash = hashStrings(one)
      }
      keys(mrnHash, hashStrings(cells), mrnValue, loc)

      let b: string | undefined
      let d: string | undefined
      if (birth && val[birth[1]] !== '') b = checkDate(birth[0], birth[1], val[birth[1]], loc)
      if (death && val[death[1]] !== '') d = checkDate(death[0], death[1], val[death[1]], loc)
      if (b && d && d < b) emit('csv.date.death-before-birth', 'death date is before the birth date', where(death![1]))

      for (let k = 0; k < ssnIdx.length; k++) {
        const v = val[ssnIdx[k]]
        if (v === '') continue
        const problem = checkSsn(v)
        if (problem === 'csv.ssn.format') emit(problem, 'not 9 digits as NNN-NN-NNNN', where(ssnIdx[k]), v)
        else if (problem === 'csv.ssn.impossible') emit(problem, 'never issued: area 000, 666 or 9xx, group 00 or serial 0000', where(ssnIdx[k]), v)
        else if (problem === 'csv.ssn.placeholder') emit(problem, 'a well-known placeholder SSN', where(ssnIdx[k]), v)
      }
      for (let k = 0; k < phoneIdx.length; k++) {
        const v = val[phoneIdx[k]]
        if (v !== '' && !isNanpPhone(v)) emit('csv.phone.format', 'not a valid NANP phone number (10 digits, area code and exchange not starting with 0 or 1)', where(phoneIdx[k]), v)
      }
      for (let k = 0; k < emailIdx.length; k++) {
        const v = val[emailIdx[k]]
        if (v !== '' && !isEmail(v)) emit('csv.email.format', 'not an email address (name@domain.tld)', where(emailIdx[k]), v)
      }
      for (let k = 0; k < zipIdx.length; k++) {
        const v = val[zipIdx[k]]
        if (v !== '' && !isZip(v)) emit('csv.zip.format', 'not a ZIP code (5 digits, or ZIP+4)', where(zipIdx[k]), v)
      }
      for (let k = 0; k < stateIdx.length; k++) {
        const v = val[stateIdx[k]]
        if (v !== '' && !isUspsState(v)) emit('csv.state.code', 'not a USPS state or territory code', where(stateIdx[k]), v)
      }
      for (let k = 0; k < genders.length; k++) {
        const spec = genders[k][0]
        const i = genders[k][1]
        const v = val[i]
        if (v === '') continue
        const known = codeSets.get(i)!
        const ok = known.size ? known.has(v.toLowerCase()) : FHIR_GENDERS.has(v)
        if (!ok) emit('csv.sex.code', `not a sex code of mapping "${opts.mapping.name}" (${Object.keys(spec.codes ?? {}).slice(0, 8).join(', ') || 'male, female, other, unknown'})`, where(i), v)
      }
      for (let k = 0; k < coded.length; k++) {
        const spec = coded[k][0]
        const i = coded[k][1]
        const v = val[i]
        if (v !== '' && !codeSets.get(i)!.has(v.toLowerCase())) emit('csv.code.unknown', `not a ${spec.to} code the mapping lists`, where(i), v)
      }
      for (let k = 0; k < nameIdx.length; k++) {
        const v = val[nameIdx[k]]
        if (v !== '' && nameHasDigits(v)) emit('csv.name.digits', 'name has digits in it', where(nameIdx[k]), v)
      }
      if (given || family) {
        const g = given ? val[given[1]] : undefined
        const f = family ? val[family[1]] : undefined
        if (isPlaceholderName(g, f)) emit('csv.name.placeholder', 'a placeholder name, not a real one', where((given ?? family)![1]), [g, f].filter(Boolean).join(' '))
      }
    },
    unreadable(r) {
      const rule = r.code === 'CSV_RAGGED_ROW' ? 'csv.row.ragged' : 'csv.row.unreadable'
      emit(rule, r.reason, {file, line: r.loc.line, record: r.loc.record})
    },
    checkKeys,
    counts: () => ({filled: [...filled], total}),
    addCounts(c) {
      for (let i = 0; i < filled.length; i++) filled[i] += c.filled[i] ?? 0
      total += c.total
    },
    completeness() {
      return found.map(([s, i]) => ({field: header[i], role: s.to, required: required.has(i), filled: filled[i], total}))
    },
  }
}
