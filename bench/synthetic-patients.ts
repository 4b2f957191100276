/**
 * A seeded generator of SYNTHETIC patient CSV in the generic hospital export layout. Every name, date, number and
 * address is drawn at random from small built-in lists: none is a real person. Phones use the fictional 555-01xx
 * range and e-mails the reserved example.org domain.
 *
 *   node --import tsx bench/synthetic-patients.ts ROWS [SEED] > patients.csv
 */
import {createWriteStream} from 'node:fs'
import {once} from 'node:events'

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FIRST_F = ['Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen', 'Nancy', 'Lisa', 'Maria', 'José', 'Zoë', 'Anne-Marie', 'Guadalupe', 'Mei', 'Aaliyah', 'Siobhán']
const FIRST_M = ['James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Charles', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Luis', 'Wei', 'Mohammed', 'Dmitri', 'Kwame', 'Seán']
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', "O'Brien", 'Nguyen', 'Smith-Jones', 'de la Cruz', 'Müller', 'Kowalski', 'Okafor', 'Patel', 'Kim', 'Chen']
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Washington Blvd', 'Lake Rd', 'Hill St', 'Park Ave', 'Pine Ct']
const PLACES: Array<[string, string, string]> = [['Springfield', 'IL', '62704'], ['Columbus', 'OH', '43215'], ['Austin', 'TX', '78701'], ['Portland', 'OR', '97205'], ['Madison', 'WI', '53703'], ['Albany', 'NY', '12207'], ['Raleigh', 'NC', '27601'], ['Denver', 'CO', '80202'], ['Boise', 'ID', '83702'], ['Tucson', 'AZ', '85701']]

export const GENERIC_HEADER = ['MRN', 'First Name', 'Middle Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email']

const pad = (n: number, w: number) => String(n).padStart(w, '0')
const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** One synthetic row (as cells) for row number i. */
export function syntheticRow(rand: () => number, i: number): string[] {
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]
  const female = rand() < 0.5
  const first = pick(female ? FIRST_F : FIRST_M)
  const middle = rand() < 0.4 ? pick(female ? FIRST_F : FIRST_M) : ''
  const last = pick(LAST)
  const y = 1925 + Math.floor(rand() * 99)
  const m = 1 + Math.floor(rand() * 12)
  const d = 1 + Math.floor(rand() * 28)
  let area = 1 + Math.floor(rand() * 898)
  if (area === 666) area = 667
  const ssn = rand() < 0.8 ? `${pad(area, 3)}-${pad(1 + Math.floor(rand() * 98), 2)}-${pad(1 + Math.floor(rand() * 9998), 4)}` : ''
  const [city, state, zip] = pick(PLACES)
  const phone = `(${pick(['217', '614', '512', '503', '608', '518', '919', '303', '208', '520'])}) 555-01${pad(Math.floor(rand() * 100), 2)}`
  const email = rand() < 0.6 ? `${first.toLowerCase().replace(/[^a-z]/g, '')}.${last.toLowerCase().replace(/[^a-z]/g, '')}${i}@example.org` : ''
  return [
    `MRN${pad(i, 8)}`, first, middle, last, `${pad(m, 2)}/${pad(d, 2)}/${y}`, female ? 'F' : 'M', ssn,
    `${1 + Math.floor(rand() * 9999)} ${pick(STREETS)}${rand() < 0.1 ? ', Apt 2' : ''}`, city, state, zip, phone, email,
  ]
}

export async function writeSyntheticCsv(path: string, rows: number, seed = 42): Promise<void> {
  const out = createWriteStream(path)
  const rand = mulberry32(seed)
  let buf = GENERIC_HEADER.join(',') + '\n'
  for (let i = 1; i <= rows; i++) {
    buf += syntheticRow(rand, i).map(q).join(',') + '\n'
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain')
      buf = ''
    }
  }
  out.write(buf)
  await new Promise<void>((res) => out.end(() => res()))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 1000)
  const seed = Number(process.argv[3] ?? 42)
  await writeSyntheticCsv('/dev/stdout', rows, seed)
}
