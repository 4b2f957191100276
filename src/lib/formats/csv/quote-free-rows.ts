/**
 * A fast path for CSV text, giving exactly the rows fast-csv's parser core gives (checked against it on random
 * text by test/lib/formats/csv-quote-free-rows.test.ts): a line without a quote or a lone CR is a row split at the
 * delimiter (fast-csv with trim off does just that, at about a tenth of the cost); a row with quotes, up to the
 * first newline with an even number of quotes since its start, is handed to fast-csv. Whenever fast-csv would
 * not read that text as whole rows (a stray quote, an unterminated one) the answer is undefined and the caller
 * parses the whole text the slow way, so errors, rejects and line numbers stay as they were.
 */

/** fast-csv's parser core: parse(text, hasMore) -> rows and the unparsed rest. */
export interface RowParser {
  parse(text: string, hasMore: boolean): {line: string; rows: string[][]}
}

/**
 * The rows of `text` (complete rows only when `more`: the rest is returned for the next chunk), or undefined when
 * the fast path cannot vouch for them. Nothing is consumed when it returns undefined.
 */
export function quoteFreeRows(parser: RowParser, delimiter: string, text: string, more: boolean): {rows: string[][]; rest: string} | undefined {
  const rows: string[][] = []
  const n = text.length
  let pos = 0
  // The next quote and the next CR at or after pos (n: none), found once, not per line.
  let quote = -1
  let cr = -1
  while (pos < n) {
    if (quote < pos) quote = indexOrEnd(text, '"', pos)
    if (cr < pos) cr = indexOrEnd(text, '\r', pos)
    let nl = text.indexOf('\n', pos)
    if (quote >= (nl === -1 ? n : nl)) {
      // No quote on this line.
      if (nl === -1) {
        if (cr < n) return undefined // a CR ends a row for fast-csv (or starts a CRLF in the next chunk)
        if (more) break // the line may go on in the next chunk
        nl = n
      }
      let end = nl
      if (end > pos && text.charCodeAt(end - 1) === 13) end-- // CRLF
      if (cr < end) return undefined // a lone CR ends a row for fast-csv
      const line = text.slice(pos, end)
      if (line !== '' && /^\s/.test(line)) {
        // fast-csv skips whitespace at the start of a row when a delimiter or the row's end follows (" ,a" gives
        // ["", "a"], a blank line no cells): its own answer for such a line (at the very end, the slow path's).
        if (nl === n) return undefined
        for (const r of parser.parse(text.slice(pos, nl + 1), false).rows) rows.push(r)
      } else rows.push(line.split(delimiter))
      pos = nl + 1
      continue
    }
    // A row with quotes: up to the first newline with an even number of quotes since pos.
    let inQ = false
    let end = -1
    for (let i = pos; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x22) inQ = !inQ
      else if (c === 0x0a && !inQ) {
        end = i + 1
        break
      }
    }
    // No end in this text: a quoted line break cut by the chunk, a stray quote (fast-csv reads it as text, and its
    // row ends at the newline), an unterminated quote, or a last row without a newline: the slow path decides.
    if (end === -1) return undefined
    let parsed
    try {
      parsed = parser.parse(text.slice(pos, end), false)
    } catch {
      return undefined
    }
    if (parsed.line !== '') return undefined
    for (const r of parsed.rows) rows.push(r)
    pos = end
  }
  return {rows, rest: pos < n ? text.slice(pos) : ''}
}

function indexOrEnd(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from)
  return i === -1 ? text.length : i
}
