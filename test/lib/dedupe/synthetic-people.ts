/**
 * A seeded generator of SYNTHETIC people with planted duplicates, for dedupe tests and the benchmark. Names are
 * built from syllables and small lists, streets and towns are made up, phones use 555, e-mails example.org:
 * none is a real person. Each duplicate is a copy of an original with one to three corruptions of the kinds that
 * make real duplicates (typos, nicknames, new surname, day/month swapped, a moved house, a missing SSN).
 */
import {seededRandom} from '../../../src/lib/dedupe/estimate.js'

export interface SyntheticPerson {
  entity: number
  mrn: string
  given: string
  middle: string
  family: string
  dob: string
  sex: 'male' | 'female'
  ssn: string
  street: string
  city: string
  state: string
  zip: string
  phone: string
  email: string
}

const GIVEN_F = ['mary', 'patricia', 'jennifer', 'linda', 'elizabeth', 'barbara', 'susan', 'jessica', 'sarah', 'karen', 'nancy', 'margaret', 'sandra', 'ashley', 'kimberly', 'emily', 'donna', 'michelle', 'carol', 'amanda', 'melissa', 'deborah', 'stephanie', 'rebecca', 'laura', 'sharon', 'cynthia', 'kathleen', 'amy', 'angela', 'helen', 'anna', 'brenda', 'pamela', 'nicole', 'samantha', 'katherine', 'christine', 'debra', 'rachel', 'catherine', 'carolyn', 'janet', 'ruth', 'maria', 'heather', 'diane', 'virginia', 'julie', 'joyce', 'victoria', 'olivia', 'kelly', 'christina', 'lauren', 'joan', 'evelyn', 'judith', 'megan', 'andrea', 'cheryl', 'hannah', 'jacqueline', 'martha', 'gloria', 'teresa', 'ann', 'sara', 'madison', 'frances', 'kathryn', 'janice', 'jean', 'abigail', 'alice', 'judy', 'sophia', 'grace', 'denise', 'amber', 'doris', 'marilyn', 'danielle', 'beverly', 'isabella', 'theresa', 'diana', 'natalie', 'brittany', 'charlotte', 'marie', 'kayla', 'alexis', 'lori']
const GIVEN_M = ['james', 'robert', 'john', 'michael', 'david', 'william', 'richard', 'joseph', 'thomas', 'charles', 'christopher', 'daniel', 'matthew', 'anthony', 'mark', 'donald', 'steven', 'paul', 'andrew', 'joshua', 'kenneth', 'kevin', 'brian', 'george', 'timothy', 'ronald', 'edward', 'jason', 'jeffrey', 'ryan', 'jacob', 'gary', 'nicholas', 'eric', 'jonathan', 'stephen', 'larry', 'justin', 'scott', 'brandon', 'benjamin', 'samuel', 'gregory', 'alexander', 'frank', 'patrick', 'raymond', 'jack', 'dennis', 'jerry', 'tyler', 'aaron', 'jose', 'adam', 'nathan', 'henry', 'douglas', 'zachary', 'peter', 'kyle', 'ethan', 'walter', 'noah', 'jeremy', 'christian', 'keith', 'roger', 'terry', 'gerald', 'harold', 'sean', 'austin', 'carl', 'arthur', 'lawrence', 'dylan', 'jesse', 'jordan', 'bryan', 'billy', 'joe', 'bruce', 'gabriel', 'logan', 'albert', 'willie', 'alan', 'juan', 'wayne', 'elijah', 'randy', 'roy', 'vincent', 'ralph', 'eugene', 'russell', 'bobby', 'mason', 'philip', 'louis']
const ONSET = ['b', 'br', 'c', 'ch', 'd', 'f', 'g', 'gr', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 'st', 't', 'v', 'w', 'z']
const VOWEL = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou']
const CODA = ['', 'n', 'r', 'l', 's', 'rt', 'nd', 'ck', 'm', 'tt']
const SUFFIX = ['son', 'man', 'er', 'ley', 'ton', 'ski', 'ford', 'well', 'berg', 'ez', 'ini', 'sen']
const STREET_TYPES = ['Street', 'Avenue', 'Road', 'Drive', 'Lane', 'Court', 'Place', 'Boulevard']

export function generatePeople(count: number, duplicateShare: number, seed = 7): SyntheticPerson[] {
  const rnd = seededRandom(seed)
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
  const syllable = () => pick(ONSET) + pick(VOWEL) + pick(CODA)
  const surname = () => syllable() + (rnd() < 0.5 ? syllable() : '') + pick(SUFFIX)
  const towns = Array.from({length: 200}, () => ({city: syllable() + pick(['ville', 'ton', 'field', 'burg', ' springs', 'wood']), state: pick(['ma', 'ny', 'oh', 'tx', 'ca', 'wa', 'il', 'ga']), zip: String(int(10000, 99999))}))
  const people: SyntheticPerson[] = []
  const originals = Math.round(count / (1 + duplicateShare))
  for (let e = 0; e < originals; e++) {
    const sex = rnd() < 0.5 ? 'female' : 'male'
    const given = pick(sex === 'female' ? GIVEN_F : GIVEN_M)
    const family = surname()
    const town = pick(towns)
    const dob = `${int(1930, 2020)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`
    people.push({
      entity: e, mrn: `M${String(e).padStart(7, '0')}`, given, middle: rnd() < 0.4 ? pick(sex === 'female' ? GIVEN_F : GIVEN_M) : '', family, dob, sex,
      ssn: `${int(100, 665)}${int(10, 99)}${int(1000, 9999)}`, street: `${int(1, 9999)} ${syllable()}${syllable()} ${pick(STREET_TYPES)}`,
      city: town.city, state: town.state, zip: town.zip, phone: `${int(200, 989)}555${String(int(100, 9999)).padStart(4, '0')}`,
      email: rnd() < 0.6 ? `${given}.${family}${int(1, 99)}@example.org` : '',
    })
  }
  let dupNo = 0
  while (people.length < count) {
    const o = people[int(0, originals - 1)]
    const d: SyntheticPerson = {...o, mrn: `D${String(o.entity).padStart(7, '0')}-${dupNo++}`}
    const kinds = int(1, 3)
    for (let c = 0; c < kinds; c++) corrupt(d, rnd, pick, int)
    people.push(d)
  }
  return people
}

function typo(s: string, rnd: () => number): string {
  if (s.length < 3) return s
  const i = 1 + Math.floor(rnd() * (s.length - 2))
  const r = rnd()
  if (r < 0.33) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2)
  if (r < 0.66) return s.slice(0, i) + s.slice(i + 1)
  return s.slice(0, i) + 'aeiou'[Math.floor(rnd() * 5)] + s.slice(i + 1)
}

const NICKNAMES: Record<string, string> = {william: 'bill', robert: 'bob', richard: 'dick', elizabeth: 'liz', margaret: 'peggy', james: 'jim', michael: 'mike', katherine: 'kathy', thomas: 'tom', joseph: 'joe', patricia: 'pat', jennifer: 'jennie', daniel: 'dan', anthony: 'tony', susan: 'sue', christopher: 'chris', rebecca: 'becky', edward: 'ted', samuel: 'sam', deborah: 'debbie'}

function corrupt(d: SyntheticPerson, rnd: () => number, pick: <T>(a: T[]) => T, int: (lo: number, hi: number) => number): void {
  switch (int(0, 10)) {
    case 0: d.given = typo(d.given, rnd); break
    case 1: d.given = NICKNAMES[d.given] ?? typo(d.given, rnd); break
    case 2: d.family = typo(d.family, rnd); break
    case 3: if (d.sex === 'female') d.family = `${d.family}-${pick(['smithson', 'carter', 'lopez', 'nguyen'])}`; else d.family = typo(d.family, rnd); break
    case 4: {
      const [y, m, day] = d.dob.split('-')
      d.dob = Number(day) <= 12 ? `${y}-${day}-${m}` : `${y}-${m}-${String(int(1, 28)).padStart(2, '0')}`
      break
    }
    case 5: d.dob = `${Number(d.dob.slice(0, 4)) + pick([-1, 1])}${d.dob.slice(4)}`; break
    case 6: d.street = `${int(1, 9999)} ${d.street.split(' ').slice(1).join(' ')}`; d.phone = ''; break
    case 7: d.ssn = ''; break
    case 8: d.ssn = d.ssn.slice(0, 4) + String((Number(d.ssn[4]) + 1) % 10) + d.ssn.slice(5); break
    case 9: d.given = d.given.toUpperCase(); d.family = d.family.toUpperCase(); d.street = d.street.replace('Street', 'St.').replace('Avenue', 'Ave'); break
    default: d.email = ''; d.phone = ''; break
  }
}

export const PEOPLE_HEADER = ['MRN', 'First Name', 'Middle Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email']

export function personCells(p: SyntheticPerson): string[] {
  const ssn = p.ssn ? `${p.ssn.slice(0, 3)}-${p.ssn.slice(3, 5)}-${p.ssn.slice(5)}` : ''
  return [p.mrn, p.given, p.middle, p.family, p.dob, p.sex === 'female' ? 'F' : 'M', ssn, p.street, p.city, p.state.toUpperCase(), p.zip, p.phone, p.email]
}

export function personPatient(p: SyntheticPerson) {
  const telecom = [...(p.phone ? [{system: 'phone', value: p.phone}] : []), ...(p.email ? [{system: 'email', value: p.email}] : [])]
  return {
    resourceType: 'Patient' as const,
    id: p.mrn,
    identifier: [{system: 'urn:mrn', value: p.mrn}, ...(p.ssn ? [{system: 'http://hl7.org/fhir/sid/us-ssn', value: p.ssn}] : [])],
    name: [{use: 'official', family: p.family, given: [p.given, ...(p.middle ? [p.middle] : [])]}],
    gender: p.sex,
    birthDate: p.dob,
    ...(telecom.length ? {telecom} : {}),
    address: [{use: 'home', line: [p.street], city: p.city, state: p.state, postalCode: p.zip}],
  }
}
