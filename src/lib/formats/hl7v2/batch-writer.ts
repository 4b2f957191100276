import {type Json} from './datatypes.js'
import {hl7Now} from './datetime.js'
import {type AdtEvent, type FromFhirOptions, type MshSettings, resourcesToHl7} from './from-fhir.js'
import {Hl7Segment} from './message.js'

export interface Hl7WriterSettings {
  /** ADT event for Patients: A28 (add person, the default), A31 (update person) or A04 (register a visit). */
  event: AdtEvent
  msh: MshSettings
  mrnSystem: string
  now?: () => Date
  nextControlId?: () => string
}

/** Control ids unique per run: HIM + the run's start time + a counter. */
export function controlIdSource(now: Date): () => string {
  const stamp = hl7Now(now).slice(0, 14)
  let n = 0
  return () => `HIM${stamp}${String(++n).padStart(6, '0')}`
}

/**
 * Writes the messages made from each record's resources as one HL7 batch file (FHS/BHS ... BTS/FTS, CR
 * terminators). `push` buffers text (the caller flushes); write() is synchronous and returns a reject when a
 * record has nothing HL7 v2 can carry.
 */
export function hl7BatchWriter(out: {push(text: string): void}, s: Hl7WriterSettings) {
  const now = s.now ?? (() => new Date())
  const opts: FromFhirOptions = {msh: s.msh, mrnSystem: s.mrnSystem, now, nextControlId: s.nextControlId ?? controlIdSource(now())}
  const patients = new Map<string, Json>()
  let messages = 0
  let started = false
  const envelope = (name: 'FHS' | 'BHS') =>
    Hl7Segment.build(name, ['|', '^~\\&', s.msh.sendingApplication, s.msh.sendingFacility, s.msh.receivingApplication, s.msh.receivingFacility, hl7Now(now())])
      .set(1, '|', 'raw')
      .set(2, '^~\\&', 'raw')
  return {
    write(resources: Json[]): {code: string; reason: string} | undefined {
      const r = resourcesToHl7(resources, s.event, opts, patients)
      if (!('messages' in r)) return r
      if (!started) {
        out.push(envelope('FHS').toString() + '\r' + envelope('BHS').toString() + '\r')
        started = true
      }
      for (const m of r.messages) out.push(m.toString())
      messages += r.messages.length
      return undefined
    },
    /** Close the batch (an empty batch when nothing was written). */
    close(): void {
      if (!started) out.push(envelope('FHS').toString() + '\r' + envelope('BHS').toString() + '\r')
      out.push(`BTS|${messages}\rFTS|1\r`)
    },
    get messageCount() {
      return messages
    },
  }
}
