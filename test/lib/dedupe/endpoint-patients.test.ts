import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {HimError} from '../../../src/lib/cli/errors.js'
import {fetchPatientsToFile, patientSearchPath} from '../../../src/lib/dedupe/endpoint-patients.js'

describe('Patients of an endpoint to a file (dedupe --endpoint)', () => {
  it('builds the Patient search from the extra parameters, values encoded, 500 a page unless told', () => {
    expect(patientSearchPath()).to.equal('Patient?_count=500')
    expect(patientSearchPath('identifier=urn:x|')).to.equal('Patient?_count=500&identifier=urn%3Ax%7C')
    expect(patientSearchPath('?organization=Organization/1&active=true')).to.equal('Patient?_count=500&organization=Organization%2F1&active=true')
    expect(patientSearchPath('Patient?_count=50&gender=female')).to.equal('Patient?_count=50&gender=female')
  })

  it('refuses parameters that would give partial Patients (usage error)', () => {
    for (const q of ['_elements=id', '_summary=true']) {
      let caught: unknown
      try {
        patientSearchPath(q)
      } catch (error) {
        caught = error
      }
      expect(caught).to.be.instanceOf(HimError)
      expect((caught as HimError).exit).to.equal(64)
    }
  })

  it('writes each Patient once even when the paging hands it out twice; other resources are left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'him-endpoint-patients-'))
    try {
      let asked = ''
      // synthetic resources as a paged search could yield them over live data: Patient/2 on two pages
      const client = {
        async *resources<T>(path: string) {
          asked = path
          for (const r of [{resourceType: 'Patient', id: '1'}, {resourceType: 'Patient', id: '2'}, {resourceType: 'OperationOutcome'}, {resourceType: 'Patient', id: '2'}, {resourceType: 'Patient', id: '3'}]) yield r as T
        },
      }
      const file = join(dir, 'p.ndjson')
      const r = await fetchPatientsToFile(client, {file, query: 'identifier=urn:x|'})
      expect(asked).to.equal('Patient?_count=500&identifier=urn%3Ax%7C')
      expect(r).to.include({count: 3, repeated: 1})
      expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).to.deep.equal(['1', '2', '3'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
