/**
 * HL7 v2 acknowledgements: building the ACK a receiver returns, and reading the one a sender gets back.
 * MSA-2 echoes MSH-10; sender and receiver (MSH-3/4 <-> MSH-5/6) are swapped.
 *
 * Which ACK to send (`ackPlan`): original mode (MSH-15 and MSH-16 both empty) always answers AA, AE or AR.
 * Enhanced mode answers the accept level CA/CE/CR when MSH-15 asks for it (AL always, ER only on error, SU only on
 * success, NE never); a receiver that only stores messages has no later application step, so when MSH-15 asks
 * for no accept ACK, MSH-16 decides the same way whether an AA/AE/AR is sent on the same connection.
 */
import {hl7Now} from '../../formats/hl7v2/datetime.js'
import {DEFAULT_DELIMITERS} from '../../formats/hl7v2/delimiters.js'
import {buildMsh, Hl7Message, Hl7Segment} from '../../formats/hl7v2/message.js'

export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR'
/** What happened to a message: stored, could not be read, or could not be stored. */
export type Outcome = 'accepted' | 'error' | 'rejected'

const ORIGINAL: Record<Outcome, AckCode> = {accepted: 'AA', error: 'AE', rejected: 'AR'}
const ACCEPT: Record<Outcome, AckCode> = {accepted: 'CA', error: 'CE', rejected: 'CR'}

function wants(condition: string, outcome: Outcome): boolean {
  switch (condition.toUpperCase()) {
    case 'NE': return false
    case 'ER': return outcome !== 'accepted'
    case 'SU': return outcome === 'accepted'
    default: return true // AL, or empty when the other one is set
  }
}

/** The ACK code to send for a message (undefined: send none), by MSH-15/MSH-16. */
export function ackPlan(msg: Hl7Message | undefined, outcome: Outcome): AckCode | undefined {
  const accept = msg?.msh.get(15) ?? ''
  const app = msg?.msh.get(16) ?? ''
  if (!accept && !app) return ORIGINAL[outcome]
  if (accept && wants(accept, outcome)) return ACCEPT[outcome]
  if (app && wants(app, outcome)) return ORIGINAL[outcome]
  return undefined
}

export interface AckOptions {
  now: Date
  controlId: string
  /** MSA-3 and ERR-8: what went wrong, never a value of the message. */
  text?: string
  /** ERR-3 (table 0357): 100 segment sequence, 102 data type, 200 unsupported message type, 207 application internal error. */
  errorCode?: '100' | '101' | '102' | '200' | '207'
}

const ERROR_NAMES: Record<string, string> = {
  '100': 'Segment sequence error', '101': 'Required field missing', '102': 'Data type error',
  '200': 'Unsupported message type', '207': 'Application internal error',
}

/** The ACK for `msg` (or for an unreadable message, when msg is undefined). */
export function buildAck(msg: Hl7Message | undefined, code: AckCode, o: AckOptions): Hl7Message {
  const d = msg?.delimiters ?? DEFAULT_DELIMITERS
  const m = msg?.msh
  const msh = buildMsh(
    {
      sendingApplication: '', sendingFacility: '', receivingApplication: '', receivingFacility: '',
      dateTime: hl7Now(o.now),
      type: {code: 'ACK', event: msg?.type.event ?? '', structure: 'ACK'},
      controlId: o.controlId,
      processingId: m?.get(11, 1) || 'P',
      version: m?.get(12, 1) || '2.5.1',
    },
    d,
  )
  if (m) {
    // Sender and receiver swapped, their components kept as they were sent.
    msh.set(3, m.raw(5), 'raw').set(4, m.raw(6), 'raw').set(5, m.raw(3), 'raw').set(6, m.raw(4), 'raw')
  }
  const segs = [msh, Hl7Segment.build('MSA', [code, msg?.controlId ?? '', o.text ?? ''], d)]
  if (code !== 'AA' && code !== 'CA') {
    const err = o.errorCode ?? '207'
    const f: Array<string | Array<Array<string>> | undefined> = []
    f[2] = [[err, ERROR_NAMES[err] ?? '', 'HL70357']]
    f[3] = 'E'
    f[7] = o.text ?? ''
    segs.push(Hl7Segment.build('ERR', f, d))
  }
  return new Hl7Message(segs, d)
}

export interface AckReading {
  code: string
  /** MSA-2: the control id it acknowledges. */
  controlId: string
  /** MSA-3 and ERR-8 texts (the peer's words about what went wrong). */
  text: string
  accepted: boolean
}

/** Read an ACK: AA and CA mean done; AE, AR, CE and CR mean rejected. */
export function readAck(text: string): AckReading {
  const ack = Hl7Message.parse(text)
  const msa = ack.segment('MSA')
  if (!msa) throw new Error('the reply has no MSA segment, so it is not an ACK')
  const code = msa.get(1).toUpperCase()
  const texts = [msa.get(3), ...ack.segmentsNamed('ERR').map((e) => e.get(8) || e.get(3, 2))].filter(Boolean)
  return {code, controlId: msa.get(2), text: [...new Set(texts)].join('; '), accepted: code === 'AA' || code === 'CA'}
}
