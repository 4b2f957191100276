import {expect} from 'chai'

import {renderPair} from '../../../src/lib/dedupe/review-prompt.js'
import {decisionKey, parseDecisions, reviewQueueCsv, reviewView} from '../../../src/lib/dedupe/review-queue.js'
import {goldenRecord} from '../../../src/lib/dedupe/survivorship.js'

const item = {
  a: 'p1', b: 'p2', probability: 0.7, reasons: ['conflicting SSNs'], locationA: 'x.csv:line 2', locationB: 'x.csv:line 9',
  explanation: {priorWeight: -12, totalWeight: 1.2, probability: 0.7, fields: [{field: 'given', level: 'nickname', weight: 6.1}, {field: 'ssn', level: 'different', weight: -4}, {field: 'email', level: 'missing', weight: 0}]},
  left: {name: 'Bill Okafor', birthDate: '1970-01-02'}, right: {name: 'William Okafor', birthDate: '1970-01-02'},
}

describe('dedupe review queue and decisions', () => {
  it('marks differing fields and gives the reasons and explanation', () => {
    const text = renderPair(item, 0, 3)
    expect(text).to.match(/Pair 1 of 3/)
    expect(text).to.match(/conflicting SSNs/)
    expect(text.split('\n').find((l) => l.startsWith('Name'))).to.include('≠')
    expect(text.split('\n').find((l) => l.startsWith('Birth date'))).to.not.include('≠')
    expect(text).to.include('given nickname')
  })

  it('writes the queue as CSV with decisions taken so far, and reads it back', () => {
    const csvText = reviewQueueCsv([item, {...item, a: 'p3', b: 'p4'}], new Map([[decisionKey('p2', 'p1'), 'different' as const]]))
    const rows = csvText.trimEnd().split('\r\n').map((l) => l.split(','))
    expect(rows[1].slice(0, 3)).to.deep.equal(['p1', 'p2', 'different'])
    expect(rows[2][2]).to.equal('')
    rows[2][2] = 'Y'
    const {decisions, problems} = parseDecisions('x', 'q.csv', rows)
    expect(problems).to.deep.equal([])
    expect(decisions).to.deep.equal([{a: 'p1', b: 'p2', decision: 'different'}, {a: 'p3', b: 'p4', decision: 'same'}])
  })

  it('reports a bad decision with its line, and reads JSON decisions', () => {
    expect(parseDecisions('x', 'q.csv', [['record_a', 'record_b', 'decision'], ['a', 'b', 'maybe']]).problems[0]).to.equal('q.csv:line 2: decision must be same or different (or blank)')
    expect(parseDecisions('[{"a":"x","b":"y","decision":"same"}]', 'd.json', undefined).decisions).to.deep.equal([{a: 'x', b: 'y', decision: 'same'}])
  })

  it('shows a record for review', () => {
    const v = reviewView({resourceType: 'Patient', name: [{given: ['Ann'], family: 'Lee'}], identifier: [{system: 'http://hl7.org/fhir/sid/us-ssn', value: '123'}, {value: 'M1'}]})
    expect(v).to.include({name: 'Ann Lee', ssn: '123', identifiers: 'M1'})
  })
})

describe('dedupe survivorship', () => {
  const p = (id: string, extra: object) => ({key: id, patient: {resourceType: 'Patient' as const, id, ...extra}, recency: ['', Number(id.slice(1))] as [string, number]})
  it('takes names and DOB by agreement, contact from the newest, drops placeholders, keeps all ids and old addresses', () => {
    const members = [
      p('r1', {identifier: [{value: 'M1'}], name: [{family: 'Lee', given: ['Ann']}], birthDate: '1980-01-02', address: [{line: ['1 Elm St'], city: 'A'}], telecom: [{system: 'phone', value: '1'}]}),
      p('r2', {identifier: [{value: 'M2'}], name: [{family: 'LEE', given: ['ANN']}], birthDate: '1980-02-01', address: [{line: ['1 Elm Street'], city: 'A'}]}),
      p('r3', {identifier: [{value: 'M3'}, {system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-99-9999'}], name: [{family: 'Lee', given: ['Baby']}], birthDate: '1980-01-02', address: [{line: ['9 Oak Ave'], city: 'B'}], telecom: [{system: 'phone', value: '3'}]}),
    ]
    const {golden, lineage} = goldenRecord(members, 'r1')
    expect(golden.id).to.equal('r1')
    expect(golden.birthDate).to.equal('1980-01-02')
    expect(golden.name[0].given[0].toLowerCase()).to.equal('ann')
    expect(golden.name.some((n: {given?: string[]}) => n.given?.[0] === 'Baby')).to.equal(false)
    expect(golden.telecom[0].value).to.equal('3')
    expect(golden.identifier.map((i: {value: string}) => i.value)).to.deep.equal(['M1', 'M2', 'M3'])
    expect(golden.address.map((a: {line: string[]}) => a.line[0])).to.deep.equal(['9 Oak Ave', '1 Elm Street']) // the newer spelling of the same old address
    expect(golden.link).to.deep.equal([{other: {reference: 'Patient/r2'}, type: 'replaces'}, {other: {reference: 'Patient/r3'}, type: 'replaces'}])
    expect(lineage).to.include({telecom: 'r3', address: 'r3'})
  })
})
