import {expect} from 'chai'
import {existsSync, readdirSync} from 'node:fs'

import {deidentifyFiles} from '../../src/lib/deid/deidentify-files.js'
import {verifyDeidentified} from '../../src/lib/deid/verify.js'
import {scratch} from '../support/files.js'

// Conformance on Microsoft's public HL7 v2 samples, when the workspace has them (../shared/data/hl7v2).
const corpus = new URL('../../../shared/data/hl7v2/', import.meta.url).pathname
const tmp = scratch()
after(() => tmp.cleanup())

describe('deid on the HL7 v2 sample corpus', function () {
  if (!existsSync(corpus)) {
    it('skipped: ../shared/data/hl7v2 is not present in this checkout')
    return
  }
  const files = readdirSync(corpus).filter((f) => f.endsWith('.hl7'))

  it(`safe-harbor on ${files.length} files: every message out, no SSN, MRN, phone, email, street or full birth date left`, async () => {
    const strong = new Set(['ssn', 'mrn', 'phone', 'fax', 'email', 'street', 'birthDate', 'deathDate', 'account', 'healthPlan'])
    const leaks: string[] = []
    const other = new Set<string>()
    for (const f of files) {
      const out = tmp.path(f)
      const r = await deidentifyFiles({inputs: [corpus + f], preset: 'safe-harbor', keyRefs: {}, output: out, rejects: `${out}.rejects`})
      expect(r.balanced, f).to.equal(true)
      expect(r.counts.out, f).to.equal(r.counts.in)
      const v = await verifyDeidentified({original: corpus + f, deidentified: out})
      for (const l of v.leaks)
        if (strong.has(l.category)) leaks.push(`${f} ${l.loc.field} ${l.category} from ${l.origin}`)
        else other.add(`${l.category} ${l.loc.field} from ${l.origin}`)
    }
    expect(leaks).to.deep.equal([])
    // The one kind of hit left: the producing lab (OBX-15, kept) has the same organization name as a relative's
    // employer (NK1-13, redacted) in these samples. Insurance employers (IN1-11, IN2-3/4) and the appointment's
    // location (AIL-3) used to be hits too; they are redacted now.
    expect([...other]).to.deep.equal(['name OBX-15 from NK1-13'])
  })
})
