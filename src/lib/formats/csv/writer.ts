import {type Sink} from '../../io/sink.js'

/** Quote a field when it holds the delimiter, a quote, a line break, or leading/trailing space (RFC 4180). */
export function csvField(v: string, delimiter: string): string {
  if (v === '') return v
  if (v.includes(delimiter) || v.includes('"') || v.includes('\n') || v.includes('\r') || v.trim() !== v)
    return `"${v.replace(/"/g, '""')}"`
  return v
}

export function csvLine(cells: string[], delimiter = ','): string {
  let s = ''
  for (let i = 0; i < cells.length; i++) s += (i ? delimiter : '') + csvField(cells[i], delimiter)
  return s + '\r\n'
}

export interface RowWriter {
  /** Into the sink's buffer; the caller flushes. */
  write(cells: string[]): void
  close(): Promise<void>
}

/** CSV with a header line, CRLF line ends (RFC 4180, what Excel expects), UTF-8 without BOM. */
export function csvWriter(sink: Sink, header: string[], delimiter = ','): RowWriter {
  let started = false
  return {
    write(cells) {
      if (!started) {
        started = true
        sink.push(csvLine(header, delimiter))
      }
      sink.push(csvLine(cells, delimiter))
    },
    async close() {
      if (!started) await sink.write(csvLine(header, delimiter))
    },
  }
}
