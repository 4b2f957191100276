/** Date formats of CSV exports (MM/DD/YYYY, YYYY-MM-DD, YYYYMMDD, ...), parsed to and from FHIR dates. */

interface CompiledFormat {
  format: string
  re: RegExp
  order: Array<'Y' | 'M' | 'D'>
}

const cache = new Map<string, CompiledFormat>()

export function compileDateFormat(format: string): CompiledFormat {
  const hit = cache.get(format)
  if (hit) return hit
  const order: Array<'Y' | 'M' | 'D'> = []
  let src = '^'
  for (const tok of format.match(/YYYY|MM|M|DD|D|[-/. ]/g) ?? []) {
    if (tok === 'YYYY') (src += '(\\d{4})'), order.push('Y')
    else if (tok === 'MM') (src += '(\\d{2})'), order.push('M')
    else if (tok === 'M') (src += '(\\d{1,2})'), order.push('M')
    else if (tok === 'DD') (src += '(\\d{2})'), order.push('D')
    else if (tok === 'D') (src += '(\\d{1,2})'), order.push('D')
    else src += tok === '.' ? '\\.' : tok
  }
  const compiled = {format, re: new RegExp(src + '$'), order}
  cache.set(format, compiled)
  return compiled
}

export function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1) return false
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  return d <= days[m - 1]
}

/** A CSV date to a FHIR date (YYYY-MM-DD), or undefined when it fits none of the formats or is not a real day. */
export function parseDate(value: string, formats: string[]): string | undefined {
  for (const f of formats) {
    const c = compileDateFormat(f)
    const m = c.re.exec(value)
    if (!m) continue
    let y = 0
    let mo = 0
    let d = 0
    c.order.forEach((k, i) => {
      const n = Number(m[i + 1])
      if (k === 'Y') y = n
      else if (k === 'M') mo = n
      else d = n
    })
    if (!isRealDate(y, mo, d)) return undefined
    return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
  }
  return undefined
}

/** A FHIR date (or the date part of a dateTime) in a CSV format. Partial dates (YYYY, YYYY-MM) stay as they are. */
export function formatDate(fhir: string, format: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(fhir)
  if (!m) return fhir
  const [, y, mo, d] = m
  return format.replace(/YYYY|MM|M|DD|D/g, (tok) =>
    tok === 'YYYY' ? y : tok === 'MM' ? mo : tok === 'M' ? String(Number(mo)) : tok === 'DD' ? d : String(Number(d)),
  )
}
