import {renameSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {formatLocation, type SourceLocation} from '../../records/types.js'
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
  /** One file per message (hl7SplitWriter) instead of one batch file. */
  split?: boolean
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
    write(resources: Json[], _loc?: SourceLocation): {code: string; reason: string} | undefined {
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

/**
 * `--split`: each message in its own file (`000001-ADT_A28.hl7`, ...) in the folder of `index.target`, written
 * whole then renamed into place; the index (the sink, `index.tsv`) lists each file with the input record it came
 * from (file and line, never values).
 */
export function hl7SplitWriter(index: {push(text: string): void; target: string}, s: Hl7WriterSettings) {
  const dir = dirname(index.target)
  const now = s.now ?? (() => new Date())
  const opts: FromFhirOptions = {msh: s.msh, mrnSystem: s.mrnSystem, now, nextControlId: s.nextControlId ?? controlIdSource(now())}
  const patients = new Map<string, Json>()
  let n = 0
  index.push('file\tfrom\n')
  return {
    write(resources: Json[], loc: SourceLocation): {code: string; reason: string} | undefined {
      const r = resourcesToHl7(resources, s.event, opts, patients)
      if (!('messages' in r)) return r
      for (const m of r.messages) {
        const name = `${String(++n).padStart(6, '0')}-${m.type.code}_${m.type.event}.hl7`
        const path = join(dir, name)
        writeFileSync(`${path}.part`, m.toString())
        renameSync(`${path}.part`, path)
        index.push(`${basename(path)}\t${formatLocation(loc).replace(/[\t\n]/g, ' ')}\n`)
      }
      return undefined
    },
    close(): void {},
    get messageCount() {
      return n
    },
  }
}
