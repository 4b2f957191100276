/**
 * ZIP3 areas with 20,000 people or fewer, whose ZIP3 Safe Harbor replaces by `000`. Versioned: a release says
 * which table it used (the audit manifest records it).
 */
export const ZIP3_TABLES = {
  /** HHS de-identification guidance, Census 2000 (17 areas). */
  'census-2000': ['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893'],
  /** Census 2020 (18 areas). */
  'census-2020': ['036', '059', '102', '202', '203', '204', '205', '369', '556', '692', '753', '772', '821', '823', '878', '879', '884', '893'],
} as const

export type Zip3TableName = keyof typeof ZIP3_TABLES | 'union'
export const ZIP3_TABLE_NAMES: Zip3TableName[] = ['union', 'census-2000', 'census-2020']
/** The safe default: an area restricted in either census stays restricted. */
export const DEFAULT_ZIP3_TABLE: Zip3TableName = 'union'

export function restrictedZip3(table: Zip3TableName = DEFAULT_ZIP3_TABLE): ReadonlySet<string> {
  if (table === 'union') return new Set([...ZIP3_TABLES['census-2000'], ...ZIP3_TABLES['census-2020']])
  return new Set(ZIP3_TABLES[table])
}

/**
 * A ZIP code reduced to its first three digits, or `000` where that area is restricted. Anything that is not a
 * US ZIP (fewer than 3 leading digits) becomes empty: it cannot be generalized safely.
 */
export function generalizeZip(raw: string, restricted: ReadonlySet<string> = restrictedZip3()): string {
  const m = /^\s*(\d{3})\d{0,2}(?:[-\s]?\d{4})?\s*$/.exec(raw)
  if (!m) return ''
  return restricted.has(m[1]) ? '000' : m[1]
}
