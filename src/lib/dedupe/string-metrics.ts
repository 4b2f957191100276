/**
 * Jaro-Winkler similarity and the one-edit test, as talisman computes them (same arithmetic, same results to the
 * last bit: test/lib/dedupe/string-metrics.test.ts checks that on random strings), without allocating per call.
 * Comparison calls them millions of times on a large file; talisman's arrays per call made the garbage collector
 * a large share of the comparing stage.
 */

let indexes = new Int32Array(64)
let flags = new Uint8Array(64)

/** Jaro similarity (talisman/metrics/jaro). */
export function jaro(a: string, b: string): number {
  if (a === b) return 1
  const aLonger = a.length > b.length
  const max = aLonger ? a : b
  const min = aLonger ? b : a
  const maxLen = max.length
  const minLen = min.length
  if (maxLen > flags.length) {
    indexes = new Int32Array(maxLen * 2)
    flags = new Uint8Array(maxLen * 2)
  }
  const range = Math.max(((maxLen / 2) | 0) - 1, 0)
  for (let j = 0; j < maxLen; j++) flags[j] = 0
  let matches = 0
  for (let i = 0; i < minLen; i++) {
    indexes[i] = -1
    const c = min.charCodeAt(i)
    const xn = Math.min(i + range + 1, maxLen)
    for (let j = Math.max(i - range, 0); j < xn; j++) {
      if (!flags[j] && c === max.charCodeAt(j)) {
        indexes[i] = j
        flags[j] = 1
        matches++
        break
      }
    }
  }
  if (!matches) return 0
  // The matched characters of min in order against those of max in order.
  let transpositions = 0
  let j = 0
  for (let i = 0; i < minLen; i++) {
    if (indexes[i] === -1) continue
    while (!flags[j]) j++
    if (min.charCodeAt(i) !== max.charCodeAt(j)) transpositions++
    j++
  }
  const t = (transpositions / 2) | 0
  const m = matches
  return (m / a.length + m / b.length + (m - t) / m) / 3
}

/** Jaro-Winkler similarity (talisman/metrics/jaro-winkler: boost threshold 0.7, scaling factor 0.1, prefix up to 4). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1
  const dj = jaro(a, b)
  if (dj < 0.7) return dj
  const prefixLimit = Math.min(a.length, b.length, 4)
  let l = 0
  while (l < prefixLimit && a.charCodeAt(l) === b.charCodeAt(l)) l++
  return dj + l * 0.1 * (1 - dj)
}

/**
 * At most one edit apart: one character changed, added or removed, or two adjacent characters swapped
 * (Damerau-Levenshtein distance <= 1).
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true
  const la = a.length
  const lb = b.length
  if (la === lb) {
    let i = 0
    while (a.charCodeAt(i) === b.charCodeAt(i)) i++
    // First difference at i: a substitution (rest equal) or a swap of i and i + 1 (rest equal).
    if (a.slice(i + 1) === b.slice(i + 1)) return true
    return i + 1 < la && a.charCodeAt(i) === b.charCodeAt(i + 1) && a.charCodeAt(i + 1) === b.charCodeAt(i) && a.slice(i + 2) === b.slice(i + 2)
  }
  if (Math.abs(la - lb) !== 1) return false
  const [long, short] = la > lb ? [a, b] : [b, a]
  let i = 0
  while (i < short.length && long.charCodeAt(i) === short.charCodeAt(i)) i++
  return long.slice(i + 1) === short.slice(i)
}
