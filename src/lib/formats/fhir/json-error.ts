/**
 * Where a JSON text stops being JSON. V8's JSON.parse messages quote the text around the fault (a record's
 * values: PHI) and often give no position; this scanner finds the offset so the error can say line and column.
 * Only called after JSON.parse has failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const n = text.length
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const fail = (): never => {
    throw i
  }
  const str = () => {
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 0x22) return void i++
      if (c === 0x5c) {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail()
          i += 5
        } else if ('"\\/bfnrt'.includes(text[i] ?? '')) i++
        else fail()
      } else if (c < 0x20) fail()
      else i++
    }
    fail()
  }
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m || m[0] === '' || m[0] === '-') fail()
    i += m![0].length
  }
  const lit = (w: string) => {
    if (text.startsWith(w, i)) i += w.length
    else fail()
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') fail()
        str()
        ws()
        if (text[i] !== ':') fail()
        i++
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else fail()
      }
    }
    if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else fail()
      }
    }
    if (c === '"') return str()
    if (c === 't') return lit('true')
    if (c === 'f') return lit('false')
    if (c === 'n') return lit('null')
    return num()
  }
  try {
    value()
    ws()
    return i < n ? i : -1
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, n) : 0
  }
}

/** "line L, column C" of an offset. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`
}
