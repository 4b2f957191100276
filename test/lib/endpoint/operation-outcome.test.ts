import {expect} from 'chai'

import {summarizeOutcome} from '../../../src/lib/endpoint/operation-outcome.js'

describe('endpoint OperationOutcome summary', () => {
  it('puts the worst issue first with its code, place and text', () => {
    const s = summarizeOutcome({
      resourceType: 'OperationOutcome',
      issue: [
        {severity: 'warning', code: 'informational', diagnostics: 'fyi'},
        {severity: 'error', code: 'processing', expression: ['Patient.birthDate'], diagnostics: 'Invalid date'},
      ],
    })
    expect(s?.text).to.equal('error processing at Patient.birthDate: Invalid date; warning informational: fyi')
    expect(s?.codes).to.deep.equal(['processing', 'informational'])
  })

  it('bounds the text and counts what it left out', () => {
    const issue = Array.from({length: 4}, () => ({severity: 'error', code: 'invalid', diagnostics: 'x'.repeat(150)}))
    const s = summarizeOutcome({resourceType: 'OperationOutcome', issue})!
    expect(s.text.length).to.be.at.most(200)
    expect(s.text.endsWith('…')).to.equal(true)
  })

  it('gives nothing for a body that is not an OperationOutcome', () => {
    expect(summarizeOutcome({resourceType: 'Patient'})).to.equal(undefined)
    expect(summarizeOutcome('oops')).to.equal(undefined)
    expect(summarizeOutcome({resourceType: 'OperationOutcome', issue: []})).to.equal(undefined)
  })
})
