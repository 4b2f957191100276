import {expect} from 'chai'

import {CompletenessCounter} from '../../../src/lib/validate/completeness.js'

describe('CompletenessCounter', () => {
  it('counts filled fields per kind, lists always-shown fields at 0, and marks required ones', () => {
    const c = new CompletenessCounter((kind, field) => kind === 'Patient' && field === 'Patient.name')
    c.record('Patient', ['Patient.name', 'Patient.gender'])
    c.record('Patient', ['Patient.name'])
    c.record('Observation', ['Observation.status'])
    expect(c.result('f.ndjson', {Patient: ['Patient.birthDate']})).to.deep.equal([
      {file: 'f.ndjson', field: 'Patient.birthDate', role: 'Patient', required: false, filled: 0, total: 2},
      {file: 'f.ndjson', field: 'Patient.name', role: 'Patient', required: true, filled: 2, total: 2},
      {file: 'f.ndjson', field: 'Patient.gender', role: 'Patient', required: false, filled: 1, total: 2},
      {file: 'f.ndjson', field: 'Observation.status', role: 'Observation', required: false, filled: 1, total: 1},
    ])
  })
})
