/** The encoding characters of a message, read from MSH-1/MSH-2 (or FHS/BHS). */
export interface Delimiters {
  field: string
  component: string
  repetition: string
  /** '' when MSH-2 declares no escape character: nothing is then decoded. */
  escape: string
  subcomponent: string
  /** v2.7+ truncation character (MSH-2 fifth character), '' when absent. */
  truncation: string
}

export const DEFAULT_DELIMITERS: Delimiters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
  truncation: '',
})

/** Segments whose first field is the field separator itself, so their numbering is shifted by one. */
export const HEADER_SEGMENTS = new Set(['MSH', 'FHS', 'BHS'])

/**
 * Delimiters from a header segment's raw text (`MSH|^~\&|...`), or undefined when the text is too short to
 * hold them. Missing encoding characters fall back to the standard ones, except the escape character, which is
 * then absent (MSH-2 `^~` means no escaping).
 */
export function delimitersOf(headerSegment: string): Delimiters | undefined {
  if (headerSegment.length < 4) return undefined
  const field = headerSegment[3]
  if (/[A-Za-z0-9\r\n]/.test(field)) return undefined
  let end = headerSegment.indexOf(field, 4)
  if (end === -1) end = headerSegment.length
  const enc = headerSegment.slice(4, end)
  if (enc.length === 0 || enc.length > 5) return undefined
  return {
    field,
    component: enc[0] ?? '^',
    repetition: enc[1] ?? '~',
    escape: enc[2] ?? '',
    subcomponent: enc[3] ?? '&',
    truncation: enc[4] ?? '',
  }
}

/** The MSH-2 text for a set of delimiters. */
export function encodingCharacters(d: Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + d.truncation
}
