import {normalizeForPseudonym} from './pseudonym.js'

/**
 * The identity a patient's date shift is derived from, the same whatever the format: the MRN when there is one
 * (CSV MRN column, HL7 PID-3 of type MR, FHIR Patient.identifier of type MR), else another identifier, else name
 * and birth date. undefined when none is known.
 */
export function patientKeyOf(p: {mrn?: string; otherId?: string; name?: string; birthDate?: string}): string | undefined {
  if (p.mrn && p.mrn.trim()) return `MRN:${normalizeForPseudonym(p.mrn, 'mrn')}`
  if (p.otherId && p.otherId.trim()) return `ID:${normalizeForPseudonym(p.otherId)}`
  if (p.name && p.name.trim() && p.birthDate && p.birthDate.trim())
    return `NAME:${normalizeForPseudonym(p.name)}|${p.birthDate.replace(/\D/g, '').slice(0, 8)}`
  return undefined
}
