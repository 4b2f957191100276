import {type Category} from './categories.js'

/** How a field is built, so a method can act on the right components. */
export type Hl7Shape = 'CX' | 'XPN' | 'XAD' | 'XTN' | 'TS' | 'XCN' | 'TEXT'

export interface Hl7FieldRule {
  category: Category
  shape: Hl7Shape
}

const f = (category: Category, shape: Hl7Shape): Hl7FieldRule => ({category, shape})

/**
 * HL7 v2 fields that carry PHI (domain.md), by segment and field number, with the dates tied to a person that
 * Safe Harbor also reaches (message, event, observation, diagnosis and allergy dates). OBX-5 (when TX, FT or ST)
 * and NTE-3 are free text; Z-segments are redacted whole.
 */
export const HL7_PHI_MAP: Record<string, Record<number, Hl7FieldRule>> = {
  MSH: {7: f('date', 'TS')},
  EVN: {2: f('date', 'TS'), 5: f('name', 'XCN'), 6: f('date', 'TS')},
  PID: {
    2: f('mrn', 'CX'), 3: f('mrn', 'CX'), 4: f('otherId', 'CX'), 5: f('name', 'XPN'), 6: f('name', 'XPN'), 7: f('birthDate', 'TS'),
    9: f('name', 'XPN'), 11: f('street', 'XAD'), 12: f('county', 'TEXT'), 13: f('phone', 'XTN'), 14: f('phone', 'XTN'),
    18: f('account', 'CX'), 19: f('ssn', 'TEXT'), 20: f('license', 'TEXT'), 21: f('otherId', 'CX'), 23: f('city', 'TEXT'),
    29: f('deathDate', 'TS'),
  },
  PD1: {4: f('name', 'XCN')},
  NK1: {
    2: f('name', 'XPN'), 4: f('street', 'XAD'), 5: f('phone', 'XTN'), 6: f('phone', 'XTN'), 12: f('otherId', 'CX'), 13: f('name', 'TEXT'), 16: f('birthDate', 'TS'),
    30: f('name', 'XPN'), 31: f('phone', 'XTN'), 32: f('street', 'XAD'), 33: f('otherId', 'CX'), 37: f('ssn', 'TEXT'),
  },
  PV1: {
    3: f('otherId', 'TEXT'), 5: f('account', 'CX'), 7: f('name', 'XCN'), 8: f('name', 'XCN'), 9: f('name', 'XCN'), 17: f('name', 'XCN'), 19: f('account', 'CX'),
    44: f('date', 'TS'), 45: f('date', 'TS'), 50: f('account', 'CX'),
  },
  GT1: {
    2: f('account', 'CX'), 3: f('name', 'XPN'), 5: f('street', 'XAD'), 6: f('phone', 'XTN'), 7: f('phone', 'XTN'), 8: f('birthDate', 'TS'),
    12: f('ssn', 'TEXT'), 16: f('name', 'XPN'), 51: f('name', 'TEXT'),
  },
  // Employers of the insured (IN1-10/11, IN2-1/3/4, GT1-51) are identifiers of the individual under 164.514(b)(2)(i):
  // beyond domain.md's map, found by `him deid verify` on Microsoft's samples (the guarantor's employer, GT1-16, again).
  IN1: {10: f('otherId', 'CX'), 11: f('name', 'TEXT'), 16: f('name', 'XPN'), 18: f('birthDate', 'TS'), 19: f('street', 'XAD'), 36: f('healthPlan', 'TEXT'), 49: f('healthPlan', 'CX')},
  IN2: {1: f('otherId', 'CX'), 2: f('otherId', 'TEXT'), 3: f('name', 'XCN'), 4: f('name', 'TEXT'), 6: f('healthPlan', 'TEXT'), 7: f('name', 'XPN'), 8: f('healthPlan', 'TEXT')},
  ORC: {2: f('otherId', 'CX'), 3: f('otherId', 'CX'), 9: f('date', 'TS'), 12: f('name', 'XCN')},
  OBR: {2: f('otherId', 'CX'), 3: f('otherId', 'CX'), 7: f('date', 'TS'), 8: f('date', 'TS'), 16: f('name', 'XCN'), 22: f('date', 'TS'), 32: f('name', 'XCN'), 34: f('name', 'XCN')},
  OBX: {14: f('date', 'TS'), 16: f('name', 'XCN'), 19: f('date', 'TS')},
  MRG: {1: f('mrn', 'CX'), 3: f('account', 'CX'), 7: f('name', 'XPN')},
  DG1: {5: f('date', 'TS'), 16: f('name', 'XCN'), 19: f('date', 'TS')},
  AL1: {6: f('date', 'TS')},
  NTE: {3: f('freeText', 'TEXT')},
  // Beyond domain.md's map: the people (XCN) and numbers other common segments carry, seen in Microsoft's samples.
  ROL: {4: f('name', 'XCN')},
  AIL: {3: f('otherId', 'TEXT')}, // the appointment's location: the patient's room and bed, as PV1-3
  PRT: {5: f('name', 'XCN')},
  TXA: {4: f('date', 'TS'), 5: f('name', 'XCN'), 9: f('name', 'XCN'), 22: f('name', 'XCN')},
  PR1: {5: f('date', 'TS'), 8: f('name', 'XCN'), 11: f('name', 'XCN'), 12: f('name', 'XCN')},
  RXD: {10: f('name', 'XCN')},
  SCH: {12: f('name', 'XCN'), 16: f('name', 'XCN')},
  FT1: {4: f('date', 'TS'), 13: f('name', 'XCN'), 20: f('name', 'XCN'), 21: f('name', 'XCN')},
  CTD: {2: f('name', 'XPN'), 3: f('street', 'XAD'), 5: f('phone', 'XTN')},
  PDA: {8: f('name', 'XCN')},
  SPM: {17: f('date', 'TS'), 18: f('date', 'TS')},
  IAM: {11: f('date', 'TS')},
}

/** OBX-2 value types whose OBX-5 is free text. */
export const TEXT_VALUE_TYPES = new Set(['TX', 'FT', 'ST'])
