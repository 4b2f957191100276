import {type Category} from './categories.js'
import {shiftDateText, shiftDaysFor, DEFAULT_MAX_SHIFT_DAYS} from './date-shift.js'
import {generalizeAge, generalizeDate} from './generalize.js'
import {type DeidKeys, missingKeyError} from './keys.js'
import {needsDateKey, needsKey, type Method, type Preset} from './presets.js'
import {pseudonym} from './pseudonym.js'
import {scrubText, type Sweep} from './scrub.js'
import {substituteValue} from './substitute.js'
import {DEFAULT_ZIP3_TABLE, generalizeZip, restrictedZip3, type Zip3TableName} from './zip-tables.js'
import {DeidAudit} from './audit.js'

/** Everything a run decides once: preset, keys, tables, the reference date for ages. */
export interface DeidSettings {
  preset: Preset
  keys: DeidKeys
  zipTable: Zip3TableName
  zipRestricted: ReadonlySet<string>
  /** Ages (and birth years that imply an age over 89) are judged at this date. */
  asOf: Date
  maxShiftDays: number
  audit: DeidAudit
  /**
   * The last patient's shift: the records of one patient usually come together (CSV rows, HL7 messages). A map of
   * every patient cost more than deriving a shift again (about 1 us); FHIR keeps each patient's shift on its
   * index entry instead.
   */
  lastShift: {who?: string; days: number}
}

export function makeSettings(preset: Preset, keys: DeidKeys, opts: {zipTable?: Zip3TableName; asOf?: Date; maxShiftDays?: number} = {}): DeidSettings {
  const zipTable = opts.zipTable ?? DEFAULT_ZIP3_TABLE
  return {
    preset,
    keys,
    zipTable,
    zipRestricted: restrictedZip3(zipTable),
    asOf: opts.asOf ?? new Date(),
    maxShiftDays: opts.maxShiftDays ?? DEFAULT_MAX_SHIFT_DAYS,
    audit: new DeidAudit(),
    lastShift: {days: 0},
  }
}

/** Fail before reading anything when a method the run will use needs a key that was not given. */
export function checkKeys(methods: Iterable<Method>, keys: DeidKeys, what: string): void {
  for (const m of methods) {
    if (needsKey(m) && !keys.key) throw missingKeyError(`${what} (method ${m})`, '--key')
    if (needsDateKey(m) && !keys.dateKey) throw missingKeyError(`${what} (method ${m})`, '--date-key')
  }
}

/** What one record knows about its patient: who (for the date shift) and what to sweep out of its free text. */
export interface RecordScope {
  patientKey?: string
  sweep?: Sweep
  /** Cached shift for patientKey. */
  shiftDays?: number
}

export function shiftFor(s: DeidSettings, scope: RecordScope): number {
  if (scope.shiftDays !== undefined) return scope.shiftDays
  if (!scope.patientKey) s.audit.warn('a date was shifted for a record whose patient is unknown: all such records share one shift')
  const who = scope.patientKey ?? '(unknown patient)'
  const last = s.lastShift
  if (last.who !== who) {
    last.days = shiftDaysFor(s.keys.dateKey!, who, s.maxShiftDays)
    last.who = who
  }
  scope.shiftDays = last.days
  return last.days
}

/**
 * Apply one method to one value. undefined means the value is removed. Values a method cannot handle safely
 * (a date that is not a date) are removed, and the audit says so.
 */
export function applyMethod(value: string, method: Method, category: Category, s: DeidSettings, scope: RecordScope, part?: 'given' | 'family'): string | undefined {
  if (value === '') return value
  switch (method) {
    case 'keep':
      return value
    case 'redact':
      return undefined
    case 'pseudonym':
      return pseudonym(s.keys.key!, value, category)
    case 'substitute':
      return substituteValue(s.keys.key!, value, category, part)
    case 'scrub':
      return scrubText(value, scope.sweep).text
    case 'dateShift': {
      const shifted = shiftDateText(value, shiftFor(s, scope))
      if (shifted === undefined) s.audit.warn(`a ${category} value that is not a date was removed instead of shifted`)
      return shifted
    }
    case 'generalize':
      return generalizeValue(value, category, s)
  }
}

function generalizeValue(value: string, category: Category, s: DeidSettings): string | undefined {
  switch (category) {
    case 'zip': {
      const z = generalizeZip(value, s.zipRestricted)
      if (z === '') s.audit.warn('a ZIP value that is not a US ZIP was removed')
      return z === '' ? undefined : z
    }
    case 'age':
      return generalizeAge(value)
    case 'birthDate':
    case 'deathDate':
    case 'date': {
      const g = generalizeDate(value, {birthDate: category === 'birthDate', asOf: s.asOf})
      if (g === undefined) s.audit.warn(`a ${category} value that is not a date was removed`)
      return g
    }
    default:
      return undefined
  }
}
