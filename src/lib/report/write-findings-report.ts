import {extname} from 'node:path'

import {usageError} from '../cli/errors.js'
import {Sink} from '../io/sink.js'
import {renderFindingsCsv} from './findings-csv.js'
import {renderFindingsHtml} from './findings-html.js'
import {type FindingsReport} from './findings-report.js'

export const REPORT_KINDS = ['html', 'json', 'csv'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

/** The report kind a file name asks for, by its extension. */
export function reportKind(path: string): ReportKind {
  const ext = extname(path).toLowerCase().replace(/^\./, '')
  if (ext === 'htm') return 'html'
  if ((REPORT_KINDS as readonly string[]).includes(ext)) return ext as ReportKind
  throw usageError(`--report ${path}: name the report .html, .json or .csv`)
}

/** Write a findings report to a file (atomically) or stdout (-), in the kind its name asks for. */
export async function writeFindingsReport(path: string, report: FindingsReport, kind = reportKind(path)): Promise<void> {
  const sink = await Sink.open(path)
  try {
    if (kind === 'json') await sink.write(JSON.stringify(report, null, 2) + '\n')
    else if (kind === 'html') await sink.write(renderFindingsHtml(report))
    else
      for (const line of renderFindingsCsv(report)) {
        sink.push(line)
        await sink.flushIfFull()
      }
    await sink.commit()
  } catch (error) {
    await sink.abort()
    throw error
  }
}
