import {expect} from 'chai'

import {renderFindingsCsv} from '../../../src/lib/report/findings-csv.js'
import {renderFindingsHtml} from '../../../src/lib/report/findings-html.js'
import {buildFindingsReport, FINDINGS_REPORT_SCHEMA, type FindingsReport} from '../../../src/lib/report/findings-report.js'
import {renderFindingsText} from '../../../src/lib/report/findings-text.js'
import {FindingCollector, reachesFailOn} from '../../../src/lib/validate/findings.js'

// Synthetic findings; the "value" below stands in for PHI that must only show when asked for.
function report(withValue = false): FindingsReport {
  const c = new FindingCollector()
  c.add({severity: 'error', rule: 'csv.ssn.format', message: 'not 9 digits', location: {file: 'a.csv', line: 3, record: 2, column: 'SSN'}, ...(withValue ? {value: '=HYPERLINK("x")'} : {})})
  c.add({severity: 'warning', rule: 'csv.phone.format', message: 'not a NANP number', location: {file: 'a.csv', line: 3, record: 2, column: 'Phone'}})
  c.add({severity: 'warning', rule: 'csv.phone.format', message: 'not a NANP number', location: {file: 'a.csv', line: 5, record: 4, column: 'Phone'}})
  c.add({severity: 'error', rule: 'fhir.type', message: 'a <script> is not a string', location: {file: 'b.ndjson', line: 1, record: 1, expression: 'Patient.name[0].family'}})
  return buildFindingsReport({
    title: 'Validation report',
    tool: 'him validate',
    options: {profile: 'base'},
    inputs: [{file: 'a.csv', format: 'csv', records: 10, mapping: 'generic'}, {file: 'b.ndjson', format: 'fhir', records: 2}],
    collector: c,
    describe: (r) => `about ${r}`,
    completeness: [{file: 'a.csv', field: 'SSN', filled: 9, total: 10, required: true}],
    durationMs: 5,
    now: new Date('2026-01-02T03:04:05Z'),
  })
}

describe('findings report', () => {
  it('counts by severity and rule, records with errors, and the worst records first', () => {
    const r = report()
    expect(r.schema).to.equal(FINDINGS_REPORT_SCHEMA)
    expect(r.records).to.equal(12)
    expect(r.counts).to.deep.equal({error: 2, warning: 2, info: 0})
    expect(r.recordsWithErrors).to.equal(2)
    expect(r.recordsWithWarnings).to.equal(2)
    expect(r.byRule.map((b) => [b.rule, b.count])).to.deep.equal([['csv.ssn.format', 1], ['fhir.type', 1], ['csv.phone.format', 2]])
    expect(r.worst[0]).to.deep.include({file: 'a.csv', record: 2, errors: 1, warnings: 1})
  })

  it('keeps findings up to a limit and counts the rest exactly', () => {
    const c = new FindingCollector(2)
    for (let i = 0; i < 5; i++) c.add({severity: 'error', rule: 'x', message: 'm', location: {file: 'f', record: i}})
    expect(c.findings).to.have.length(2)
    expect(c.omitted).to.equal(3)
    expect(c.counts.error).to.equal(5)
  })

  it('decides --fail-on', () => {
    expect(reachesFailOn({error: 0, warning: 1, info: 0}, 'error')).to.equal(false)
    expect(reachesFailOn({error: 0, warning: 1, info: 0}, 'warning')).to.equal(true)
    expect(reachesFailOn({error: 3, warning: 0, info: 0}, 'never')).to.equal(false)
  })

  it('renders the terminal summary with counts, rules and locations', () => {
    const text = renderFindingsText(report()).join('\n')
    expect(text).to.include('2 errors, 2 warnings, 0 info')
    expect(text).to.include('a.csv:line 3 (record 2), column SSN: not 9 digits [csv.ssn.format]')
    expect(text).to.include('b.ndjson:line 1 (record 1), Patient.name[0].family')
  })

  it('renders CSV one finding per line, quoting, and defusing spreadsheet formulas in values', () => {
    const lines = [...renderFindingsCsv(report(true))]
    expect(lines).to.have.length(5)
    expect(lines[0]).to.equal('severity,rule,message,file,line,record,column,expression,path,value\r\n')
    expect(lines[1]).to.equal(`error,csv.ssn.format,not 9 digits,a.csv,3,2,SSN,,,"'=HYPERLINK(""x"")"\r\n`)
  })

  it('renders a self-contained HTML page with everything escaped', () => {
    const html = renderFindingsHtml(report())
    expect(html).to.match(/^<!doctype html>/)
    expect(html).to.not.match(/(src|href)="https?:/)
    expect(html).to.include("default-src 'none'")
    expect(html).to.include('<code>csv.phone.format</code>')
    expect(html).to.not.include('a <script> is')
    expect(html).to.include('a \\u003cscript> is not a string')
    expect(html).to.include('width:90%')
  })
})
