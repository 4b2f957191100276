/**
 * What a value is, for de-identification: the 18 HIPAA Safe Harbor identifier categories (45 CFR
 * 164.514(b)(2)(i)) split where the presets treat parts differently, plus the non-identifying kinds.
 */
export const IDENTIFIER_CATEGORIES = [
  'name', // (A) names of the patient, relatives, employers, household members
  'street', // (B) street address
  'city', // (B) geography smaller than a state
  'county', // (B)
  'zip', // (B) ZIP code: ZIP3 allowed where the area holds > 20,000 people
  'birthDate', // (C) dates tied to the person
  'deathDate', // (C)
  'date', // (C) admission, discharge, service and other dates tied to the person
  'age', // (C) ages over 89
  'phone', // (D)
  'fax', // (E)
  'email', // (F)
  'ssn', // (G)
  'mrn', // (H)
  'healthPlan', // (I)
  'account', // (J)
  'license', // (K) certificate / licence numbers
  'vehicle', // (L)
  'device', // (M)
  'url', // (N)
  'ip', // (O)
  'biometric', // (P)
  'photo', // (Q)
  'otherId', // (R) any other unique identifying number, characteristic or code
] as const

export type IdentifierCategory = (typeof IDENTIFIER_CATEGORIES)[number]

/** Not identifiers on their own: state, sex, race, codes, results. `freeText` may hold anything. */
export type OtherCategory = 'state' | 'quasi' | 'clinical' | 'freeText' | 'unknown'

export type Category = IdentifierCategory | OtherCategory

/** The 16 direct identifiers a Limited Data Set must remove (164.514(e)(2)). */
export const LDS_DIRECT: ReadonlySet<Category> = new Set<Category>([
  'name', 'street', 'phone', 'fax', 'email', 'ssn', 'mrn', 'healthPlan', 'account', 'license', 'vehicle', 'device', 'url', 'ip',
  'biometric', 'photo',
])

export const isIdentifier = (c: Category): c is IdentifierCategory => (IDENTIFIER_CATEGORIES as readonly string[]).includes(c)
