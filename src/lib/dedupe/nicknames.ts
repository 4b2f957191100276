import {NICKNAME_LINES} from './nickname-table.js'

/** Each name (canonical or nickname) -> the canonical names it can stand for. */
function buildIndex(lines: string): Map<string, string[]> {
  const index = new Map<string, string[]>()
  const add = (name: string, canonical: string) => {
    const list = index.get(name)
    if (!list) index.set(name, [canonical])
    else if (!list.includes(canonical)) list.push(canonical)
  }
  for (const line of lines.split('\n')) {
    const names = line.split(',').map((n) => n.trim()).filter(Boolean)
    if (names.length < 2) continue
    const canonical = names[0]
    for (const n of names) add(n, canonical)
  }
  return index
}

const INDEX = buildIndex(NICKNAME_LINES)

/** The canonical given names a (standardized, lower-case) name may be short for; itself when it has none. */
export function canonicalGivenNames(name: string): string[] {
  return INDEX.get(name) ?? [name]
}

/** True when two different given names are the same name by the nickname list (bill/william, liz/beth). */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return false
  const ca = INDEX.get(a)
  const cb = INDEX.get(b)
  if (!ca || !cb) return false
  return ca.some((c) => cb.includes(c))
}
