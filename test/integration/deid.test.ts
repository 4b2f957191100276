import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {fixture, scratch} from '../support/files.js'

// Runs the CLI from source (bin/dev.js), as a user would: a separate process, no TTY.
const root = fileURLToPath(new URL('../..', import.meta.url))
function him(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [`${root}bin/dev.js`, ...args], {
    cwd: root,
    env: {...process.env, NO_COLOR: '1', HIMKIT_CONFIG_DIR: '/nonexistent-himkit-test', ...env},
    input: '',
    encoding: 'utf8',
  })
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

const tmp = scratch()
after(() => tmp.cleanup())
const KEY = {HIM_TEST_DEID_KEY: 'synthetic-test-key-not-a-secret'}

describe('him deid and him deid verify (CLI)', () => {
  for (const file of ['patients.csv', 'patients.ndjson', 'adt.hl7']) {
    it(`safe-harbor on ${file}: verify finds no leak, and finds them in the original`, () => {
      const out = tmp.path(`sh-${file}`)
      const audit = tmp.path(`sh-${file}.audit.jsonl`)
      const r = him(['deid', fixture(`deid/${file}`), '--preset', 'safe-harbor', '-o', out, '--audit', audit])
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.include('HIPAA Safe Harbor')
      const v = him(['deid', 'verify', fixture(`deid/${file}`), out])
      expect(v.code, v.stdout).to.equal(0)
      expect(v.stdout).to.include('no identifier of the original found')
      const self = him(['deid', 'verify', fixture(`deid/${file}`), fixture(`deid/${file}`)])
      expect(self.code).to.equal(1)
      expect(self.stdout).to.match(/leak: .*ssn/)
      expect(self.stdout).not.to.include('123-45-6789') // locations, not values
      const manifest = readFileSync(audit, 'utf8')
      expect(manifest).to.include('"type":"run"').and.include('"inputSha256"').and.include('"type":"rule"')
      for (const v2 of ['Smithers', 'Johnathan', 'MRN0042', '123-45-6789', '617-555']) expect(manifest).not.to.include(v2)
    })
  }

  it('the same patient gets the same pseudonym and the same date shift in a CSV and an HL7 file', () => {
    const r = him(['deid', fixture('deid/patients.csv'), fixture('deid/adt.hl7'), '--preset', 'pseudonymize', '--key', 'env:HIM_TEST_DEID_KEY', '-o', tmp.dir], KEY)
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.include('NOT Safe Harbor')
    const csv = readFileSync(tmp.path('patients.csv'), 'utf8').split('\r\n')
    const row = csv[1].split(',')
    const hl7 = readFileSync(tmp.path('adt.hl7'), 'utf8').split('\r')
    const pid = hl7.find((l) => l.startsWith('PID'))!.split('|')
    const pv1 = hl7.find((l) => l.startsWith('PV1'))!.split('|')
    expect(row[0]).to.match(/^[0-9a-f]{64}$/)
    expect(pid[3].split('^')[0]).to.equal(row[0]) // MRN pseudonym
    expect(pid[5].split('^')[0]).to.equal(row[2]) // substituted surname
    // Admit Date (CSV, MM/DD/YYYY) and PV1-44 (HL7) were the same day: shifted to the same day.
    const [m, d, y] = row[13].split('/')
    expect(pv1[44]).to.equal(`${y}${m}${d}`)
    expect(row[13]).not.to.equal('03/05/2024')
  })

  it('an HL7 batch file stays a batch: envelope segments written back, their dates generalized', () => {
    const adt = readFileSync(fixture('deid/adt.hl7'), 'utf8')
    const batch = tmp.file('batch.hl7', `FHS|^~\\&|SYNTH|GH|||20240305101500\rBHS|^~\\&|SYNTH|GH|||20240305101500\r${adt}\rBTS|1\rFTS|1\r`)
    const out = tmp.path('batch.deid.hl7')
    const r = him(['deid', batch, '--preset', 'safe-harbor', '-o', out])
    expect(r.code, r.stderr).to.equal(0)
    const segs = readFileSync(out, 'utf8').split('\r').filter(Boolean).map((l) => l.slice(0, 3))
    expect(segs).to.deep.equal(['FHS', 'BHS', 'MSH', 'EVN', 'PID', 'NK1', 'PV1', 'OBX', 'NTE', 'ZPI', 'BTS', 'FTS'])
    expect(readFileSync(out, 'utf8')).to.include('FHS|^~\\&|SYNTH|GH|||2024\r')
  })

  it('suppresses HL7 messages in k-anonymity classes below k', () => {
    const adt = readFileSync(fixture('deid/adt.hl7'), 'utf8').replace(/\n/g, '\r')
    const three = adt + '\r' + adt + '\r' + adt.replace('|19310405|M|', '|19310405|F|')
    const out = tmp.path('three.deid.hl7')
    const r = him(['deid', tmp.file('three.hl7', three), '--preset', 'safe-harbor', '-o', out, '--k-anonymity', 'PID-8', '--k', '2', '--suppress', '--json'])
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.counts).to.include({in: 3, out: 2, suppressed: 1})
    expect(j.kAnonymity).to.include({records: 2, smallestClass: 2})
    expect(readFileSync(out, 'utf8').split('\r').filter((l) => l.startsWith('MSH'))).to.have.length(2)
  })

  it('suppresses a FHIR patient in a class below k with all of its resources', () => {
    const out = tmp.path('ks.ndjson')
    const run = (qi: string) => JSON.parse(him(['deid', fixture('deid/patients.ndjson'), '--preset', 'safe-harbor', '-o', out, '--k-anonymity', qi, '--k', '2', '--suppress', '--json']).stdout)
    expect(run('gender').counts).to.include({in: 7, out: 0, suppressed: 7}) // one male, one female: both alone
    expect(run('address.state').counts).to.include({in: 7, out: 7, suppressed: 0}) // both MA
  })

  it('refuses to pseudonymize without a key: exit 78, no output', () => {
    const out = tmp.path('nokey.csv')
    const r = him(['deid', fixture('deid/patients.csv'), '--preset', 'pseudonymize', '-o', out])
    expect(r.code).to.equal(78)
    expect(r.stderr).to.match(/needs a key/)
    const literal = him(['deid', fixture('deid/patients.csv'), '--preset', 'pseudonymize', '--key', 'my-secret-key', '-o', out, '--json'])
    expect(literal.code).to.equal(78)
    expect(literal.stdout + literal.stderr).not.to.include('my-secret-key')
  })

  it('runs a Microsoft FHIR anonymizer configuration unchanged; cryptoHash with the key', () => {
    const out = tmp.path('ms.ndjson')
    const r = him(['deid', fixture('deid/patients.ndjson'), '--config', fixture('deid/ms-anonymizer-config.json'), '--key', 'env:HIM_TEST_DEID_KEY', '-o', out, '--json'], KEY)
    expect(r.code, r.stderr).to.equal(0)
    const res = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(res).to.have.length(7)
    expect(res[0].id).to.match(/^[0-9a-f]{64}$/)
    expect(res[2].subject.reference).to.equal(`Patient/${res[0].id}`)
    expect(JSON.parse(r.stdout).counts).to.include({in: 7, out: 7, rejected: 0})
  })

  it('limited-data-set prints the data use agreement reminder; k-anonymity is reported and can suppress', () => {
    const out = tmp.path('lds.csv')
    const r = him(['deid', fixture('deid/patients.csv'), '--preset', 'limited-data-set', '-o', out, '--k-anonymity', 'State', '--k', '2', '--suppress', '--json'])
    expect(r.code, r.stderr).to.equal(0)
    const j = JSON.parse(r.stdout)
    expect(j.notices[0]).to.include('data use agreement')
    expect(j.kAnonymity).to.include({records: 2, smallestClass: 2})
    expect(j.counts).to.include({in: 3, out: 2, suppressed: 1})
    expect(readFileSync(out, 'utf8')).to.include('02139') // LDS keeps the 5-digit ZIP
  })
})
