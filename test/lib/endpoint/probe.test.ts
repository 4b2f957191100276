import {expect} from 'chai'

import {analyzeCapabilities} from '../../../src/lib/endpoint/probe.js'

describe('endpoint capability analysis', () => {
  it('reads transaction, batch, conditional create/update, update-as-create and system $export', () => {
    const c = analyzeCapabilities({
      resourceType: 'CapabilityStatement',
      rest: [
        {
          mode: 'server',
          interaction: [{code: 'transaction'}, {code: 'batch'}],
          operation: [{name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export'}],
          resource: [
            {type: 'Observation', conditionalCreate: false},
            {type: 'Patient', conditionalCreate: true, conditionalUpdate: true, updateCreate: true},
          ],
        },
      ],
    })
    expect(c).to.deep.equal({transaction: true, batch: true, conditionalCreate: true, conditionalUpdate: true, updateCreate: true, bulkExport: true, resourceTypes: 2})
  })

  it('finds a Patient-level $export by its definition, and says no where nothing is advertised', () => {
    const c = analyzeCapabilities({
      rest: [{mode: 'server', resource: [{type: 'Patient', operation: [{name: 'patient-export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export'}]}]}],
    })
    expect(c.bulkExport).to.equal(true)
    expect(c.transaction).to.equal(false)
    expect(c.conditionalCreate).to.equal(false)
  })

  it('uses any resource when there is no Patient entry, and copes with no rest at all', () => {
    expect(analyzeCapabilities({rest: [{resource: [{type: 'Observation', conditionalUpdate: true}]}]}).conditionalUpdate).to.equal(true)
    expect(analyzeCapabilities({}).resourceTypes).to.equal(0)
  })
})
