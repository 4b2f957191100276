import {type Category} from './categories.js'
import {hmacHex, normalizeForPseudonym} from './pseudonym.js'

// Fake values, chosen by the keyed hash of the real one: the same person always gets the same fake name.
const GIVEN = ['Alex', 'Blair', 'Casey', 'Dana', 'Emery', 'Finley', 'Gray', 'Harper', 'Indigo', 'Jules', 'Kendall', 'Logan', 'Morgan',
  'Noel', 'Oakley', 'Parker', 'Quinn', 'Reese', 'Sage', 'Tatum', 'Umber', 'Val', 'Wren', 'Xen', 'Yael', 'Zion']
const FAMILY = ['Ashdown', 'Birchley', 'Coldwell', 'Dunmore', 'Elmsworth', 'Fairholt', 'Greystone', 'Hollins', 'Ivybridge', 'Juniper',
  'Kestrel', 'Larkspur', 'Merriwether', 'Northcote', 'Oakhurst', 'Pennington', 'Quarry', 'Redfern', 'Stonebridge', 'Thistlewood',
  'Underhill', 'Vance', 'Westbrook', 'Yarrow', 'Zephyr']

const pick = <T>(list: readonly T[], hex: string) => list[Number.parseInt(hex.slice(0, 8), 16) % list.length]
/** `len` decimal digits from the hex digits at `from`. */
const digits = (h: string, from: number, len: number) => String(Number.parseInt(h.slice(from, from + 8), 16) % 10 ** len).padStart(len, '0')

/**
 * Substitutes already worked out in this process, by key, category and name part, then by the value as given: a
 * common given name or a family's surname comes back on many records. Bounded; never written anywhere.
 */
const remembered = new Map<string, Map<Category, Array<Map<string, string>>>>()
const PART_SLOT = {given: 1, family: 2} as const

function memoFor(key: string, category: Category, part?: 'given' | 'family'): Map<string, string> {
  let byKey = remembered.get(key)
  if (!byKey) {
    if (remembered.size >= 16) remembered.clear()
    remembered.set(key, (byKey = new Map()))
  }
  let slots = byKey.get(category)
  if (!slots) byKey.set(category, (slots = [new Map(), new Map(), new Map()]))
  const m = slots[part ? PART_SLOT[part] : 0]
  if (m.size >= 20_000) m.clear()
  return m
}

/**
 * A consistent fake value for a real one: the same key and value always give the same fake, of a plausible
 * shape for its category (a name for a name, a 555 phone, an example.org email, a pseudonymous id).
 */
export function substituteValue(key: string, value: string, category: Category, part?: 'given' | 'family'): string {
  if (value.trim() === '') return value
  const memo = memoFor(key, category, part)
  let fake = memo.get(value)
  if (fake === undefined) memo.set(value, (fake = fakeFor(key, value, category, part)))
  return fake
}

function fakeFor(key: string, value: string, category: Category, part?: 'given' | 'family'): string {
  const h = hmacHex(key, `himkit substitute v1\u0000${category}\u0000${normalizeForPseudonym(value, category)}`)
  switch (category) {
    case 'name':
      if (part === 'given') return pick(GIVEN, h)
      if (part === 'family') return pick(FAMILY, h)
      return `${pick(GIVEN, h)} ${pick(FAMILY, h.slice(8))}`
    case 'phone':
    case 'fax':
      return `555-01${digits(h, 0, 2)}`
    case 'email':
      return `person-${h.slice(0, 10)}@example.org`
    case 'ssn':
      return `900-${digits(h, 0, 2)}-${digits(h, 8, 4)}` // 9xx area numbers are never issued
    case 'street':
      return `${Number.parseInt(h.slice(0, 4), 16) % 9000 + 100} ${pick(FAMILY, h.slice(4))} Street`
    case 'city':
      return `${pick(FAMILY, h)}ton`
    case 'url':
      return `https://example.org/${h.slice(0, 12)}`
    case 'ip':
      return `192.0.2.${Number.parseInt(h.slice(0, 2), 16) % 255}` // TEST-NET-1
    default:
      return `ID-${h.slice(0, 12).toUpperCase()}`
  }
}
