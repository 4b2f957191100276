import {type Category} from './categories.js'

export type Method = 'keep' | 'redact' | 'pseudonym' | 'dateShift' | 'generalize' | 'substitute' | 'scrub'
export const METHODS: Method[] = ['keep', 'redact', 'pseudonym', 'dateShift', 'generalize', 'substitute', 'scrub']

export const PRESET_NAMES = ['safe-harbor', 'limited-data-set', 'pseudonymize'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

export interface Preset {
  name: PresetName
  /** What the output is, in the words of the rule; printed and written to the audit manifest. */
  label: string
  /** Printed at the end of every run with this preset. */
  notice?: string
  methods: Record<Category, Method>
  /** FHIR meta.security label codes (v3-ObservationValue) put on every resource. */
  securityLabels: string[]
}

const SAFE_HARBOR: Preset = {
  name: 'safe-harbor',
  label: 'HIPAA Safe Harbor, 45 CFR 164.514(b)(2)',
  methods: {
    name: 'redact', street: 'redact', city: 'redact', county: 'redact', zip: 'generalize',
    birthDate: 'generalize', deathDate: 'generalize', date: 'generalize', age: 'generalize',
    phone: 'redact', fax: 'redact', email: 'redact', ssn: 'redact', mrn: 'redact', healthPlan: 'redact', account: 'redact',
    license: 'redact', vehicle: 'redact', device: 'redact', url: 'redact', ip: 'redact', biometric: 'redact', photo: 'redact',
    otherId: 'redact',
    state: 'keep', quasi: 'keep', clinical: 'keep', freeText: 'scrub', unknown: 'redact',
  },
  securityLabels: ['REDACTED', 'ABSTRED'],
}

const LIMITED_DATA_SET: Preset = {
  name: 'limited-data-set',
  label: 'HIPAA Limited Data Set, 45 CFR 164.514(e): not de-identified',
  notice:
    'A limited data set is still PHI: it may be disclosed only for research, public health or health care operations, ' +
    'and only to a recipient who has signed a data use agreement (45 CFR 164.514(e)(4)). Check that the agreement is in place before you release this file.',
  methods: {
    ...SAFE_HARBOR.methods,
    city: 'keep', county: 'keep', zip: 'keep', birthDate: 'keep', deathDate: 'keep', date: 'keep', age: 'keep',
  },
  securityLabels: ['REDACTED'],
}

const PSEUDONYMIZE: Preset = {
  name: 'pseudonymize',
  label: 'Pseudonymized with keyed HMAC-SHA256 and a per-patient date shift: NOT Safe Harbor (45 CFR 164.514(c)); still PHI',
  notice: 'Pseudonymized output is not de-identified under Safe Harbor: whoever holds the keys can re-identify it. Treat it as PHI.',
  methods: {
    ...SAFE_HARBOR.methods,
    name: 'substitute', street: 'redact', city: 'redact', county: 'redact', zip: 'generalize',
    birthDate: 'dateShift', deathDate: 'dateShift', date: 'dateShift', age: 'generalize',
    phone: 'redact', fax: 'redact', email: 'redact', ssn: 'pseudonym', mrn: 'pseudonym', healthPlan: 'pseudonym',
    account: 'pseudonym', license: 'pseudonym', vehicle: 'pseudonym', device: 'pseudonym', otherId: 'pseudonym',
  },
  securityLabels: ['PSEUDED', 'REDACTED'],
}

export const PRESETS: Record<PresetName, Preset> = {
  'safe-harbor': SAFE_HARBOR,
  'limited-data-set': LIMITED_DATA_SET,
  pseudonymize: PSEUDONYMIZE,
}

/** Methods that need the pseudonym key or the date key. */
export const needsKey = (m: Method) => m === 'pseudonym' || m === 'substitute'
export const needsDateKey = (m: Method) => m === 'dateShift'
