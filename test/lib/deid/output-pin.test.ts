import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {deidentifyFiles} from '../../../src/lib/deid/deidentify-files.js'
import {type PresetName} from '../../../src/lib/deid/presets.js'

/*
 * Pins the exact output of `deidentifyFiles` for a fixed key, date and SYNTHETIC input (every name, number and
 * date below is invented by the generators in this file). The pinned digests were taken from the engine before
 * its speed work (issue #6), so any optimization that changes a single byte of any output fails here.
 */

const asOf = new Date(Date.UTC(2026, 0, 1))
const env = {HIM_PIN_KEY: 'synthetic-pin-key'}

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const GIVEN = ['Ana', 'Ben', 'Chloé', 'Dev', 'Eli', 'Zoë', 'Anne-Marie', 'Seán', 'Wei', 'José']
const FAMILY = ['Okafor', 'Lindqvist', "O'Brien", 'Tanaka', 'de la Cruz', 'Müller', 'Smith-Jones', 'Haddad']
const CITIES = ['Springfield', 'Columbus', 'Boise', 'Albany']
const d2 = (n: number) => String(n).padStart(2, '0')
const q = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** 120 CSV rows of a generic hospital export with notes, admit dates, ages; some rows without MRN or SSN, names repeat. */
function syntheticCsv(): string {
  const r = rng(11)
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]
  const lines = [['MRN', 'First Name', 'Middle Name', 'Last Name', 'DOB', 'Sex', 'SSN', 'Address', 'City', 'State', 'ZIP', 'Phone', 'Email', 'Admit Date', 'Age', 'Notes'].join(',')]
  for (let i = 0; i < 120; i++) {
    const first = pick(GIVEN)
    const last = pick(FAMILY)
    const mrn = i % 17 === 5 ? '' : `MRN${d2(i % 40)}${100 + i}`
    const dob = i % 13 === 0 ? '1929-02-03' : `${d2(1 + Math.floor(r() * 12))}/${d2(1 + Math.floor(r() * 28))}/19${d2(30 + Math.floor(r() * 69))}`
    const ssn = i % 5 === 0 ? '' : `${100 + i}-${d2(10 + (i % 80))}-${1000 + i * 7}`
    const phone = `(617) 555-01${d2(i % 100)}`
    const note = [
      `${first} ${last} seen on ${d2(1 + (i % 12))}/${d2(1 + (i % 27))}/2024`,
      i % 3 === 0 ? `call ${phone} or mail ${first.toLowerCase().replace(/[^a-z]/g, '')}@example.org` : 'stable',
      i % 4 === 0 ? `ref ${mrn || 'none'}, see https://portal.example.org/p/${i}` : '',
      i % 7 === 0 ? 'lives at 12 Elm St, ZIP 02139, IP 10.1.2.33' : '',
    ].filter(Boolean).join('; ')
    lines.push([mrn, first, i % 3 ? '' : pick(GIVEN), last, dob, i % 2 ? 'F' : 'M', ssn, `${10 + i} Main St`, pick(CITIES), 'MA', `0${2100 + (i % 50)}`,
      phone, i % 4 ? `p${i}@example.org` : '', `2024-${d2(1 + (i % 12))}-${d2(1 + (i % 28))}`, String(20 + (i % 80)), note].map(q).join(','))
  }
  return lines.join('\n') + '\n'
}

/** 30 patients, each with a Patient, an Encounter, two Observations (one with a note) and a Condition; some resources come before their Patient. */
function syntheticNdjson(): string {
  const r = rng(23)
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]
  const lines: string[] = []
  for (let p = 0; p < 30; p++) {
    const date = `20${d2(10 + (p % 14))}-${d2(1 + (p % 12))}-${d2(1 + (p % 28))}`
    const family = pick(FAMILY)
    const given = pick(GIVEN)
    const patient = {
      resourceType: 'Patient', id: `pat-${p}`, meta: {profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient']},
      text: {status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${given} ${family}</div>`},
      extension: [{url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: pick(FAMILY)}],
      identifier: [
        {system: 'https://example.org/synthea', value: `uuid-${p}`},
        {type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR'}]}, system: 'http://hospital.example.org/mrn', value: `MRN${1000 + p}`},
        {type: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS'}]}, system: 'http://hl7.org/fhir/sid/us-ssn', value: `999-${d2(p)}-${1000 + p}`},
      ],
      name: [{use: 'official', family, given: [given, pick(GIVEN)], prefix: ['Ms.']}],
      telecom: [{system: 'phone', value: `555-01${d2(p)}`, use: 'home'}, {system: 'email', value: `pat${p}@example.org`}],
      gender: p % 2 ? 'female' : 'male', birthDate: p % 9 === 0 ? '1930-05-06' : `19${d2(40 + p)}-0${1 + (p % 9)}-1${p % 9}`,
      address: [{line: [`${p + 1} Main St`], city: pick(CITIES), state: 'MA', postalCode: `0${2100 + p}`, country: 'US'}],
      contact: [{name: {family, given: [pick(GIVEN)]}, telecom: [{system: 'phone', value: `555-02${d2(p)}`}]}],
    }
    const encounter = {
      resourceType: 'Encounter', id: `enc-${p}`, status: 'finished', class: {system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB'},
      subject: {reference: `Patient/pat-${p}`, display: `${given} ${family}`}, participant: [{individual: {reference: 'Practitioner/pr1', display: 'Dr. Welby'}}],
      period: {start: `${date}T10:00:00-05:00`, end: `${date}T10:30:00-05:00`}, serviceProvider: {reference: 'Organization/o1'},
    }
    const obs = (k: number) => ({
      resourceType: 'Observation', id: `obs-${p}-${k}`, status: 'final',
      code: {coding: [{system: 'http://loinc.org', code: '8302-2', display: 'Body Height'}], text: 'Body Height'},
      subject: {reference: `Patient/pat-${p}`}, encounter: {reference: `Encounter/enc-${p}`}, effectiveDateTime: `${date}T10:0${k}:00-05:00`,
      valueQuantity: {value: 150 + p + k / 10, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm'},
      ...(k === 1 ? {note: [{text: `${given} ${family} (MRN${1000 + p}) called 555-01${d2(p)} on ${d2(1 + (p % 12))}/0${1 + (p % 9)}/2024`}]} : {}),
    })
    const condition = {
      resourceType: 'Condition', id: `cond-${p}`, code: {coding: [{system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes'}], text: 'Diabetes'},
      subject: {reference: `Patient/pat-${p}`}, onsetAge: {value: 60 + p, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a'}, recordedDate: date,
    }
    const group = p % 6 === 3 ? [encounter, obs(0), patient, obs(1), condition] : [patient, encounter, obs(0), obs(1), condition]
    for (const x of group) lines.push(JSON.stringify(x))
  }
  return lines.join('\n') + '\n'
}

/** 20 ADT^A04 messages with an OBX note and an NTE. */
function syntheticHl7(): string {
  const out: string[] = []
  for (let i = 0; i < 20; i++) {
    const ts = `20${d2(10 + (i % 14))}${d2(1 + (i % 12))}${d2(1 + (i % 28))}1015`
    out.push([
      `MSH|^~\\&|SYNTH|HOSP|HIM|HIM|${ts}||ADT^A04^ADT_A01|M${i}|P|2.5.1`,
      `EVN|A04|${ts}`,
      `PID|1||MRN${1000 + i}^^^GH^MR||${FAMILY[i % FAMILY.length]}^${GIVEN[i % GIVEN.length]}^Q||19${d2(30 + i)}0412|F|||${i + 1} Main St^^Springfield^MA^0${2100 + i}^US||555-01${d2(i)}|||||ACCT${i}|999-${d2(i)}-1234`,
      `PV1|1|O|CLINIC^1^A||||123^Welby^Marcus|||||||||||V${i}|||||||||||||||||||||||||${ts}`,
      `OBX|1|TX|NOTE^Note||${GIVEN[i % GIVEN.length]} seen on ${ts.slice(4, 6)}/${ts.slice(6, 8)}/${ts.slice(0, 4)}, call 555-01${d2(i)}||||||F`,
      `NTE|1||MRN${1000 + i} follow up`,
    ].join('\r') + '\r')
  }
  return out.join('')
}

async function deidDigest(name: string, text: string, preset: PresetName): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'him-deid-pin-'))
  try {
    const input = join(dir, name)
    writeFileSync(input, text)
    const output = join(dir, `out-${name}`)
    const r = await deidentifyFiles({inputs: [input], preset, keyRefs: {key: 'env:HIM_PIN_KEY'}, env, asOf, output, rejects: join(dir, 'rejects.ndjson')})
    expect(r.counts.rejected, `${name} ${preset} rejects`).to.equal(0)
    return createHash('sha256').update(readFileSync(output)).digest('hex')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

describe('deid output pinned (byte-identical across speed work)', () => {
  const inputs: Array<[string, () => string]> = [['patients.csv', syntheticCsv], ['resources.ndjson', syntheticNdjson], ['adt.hl7', syntheticHl7]]
  const PINNED: Record<string, string> = {
    'patients.csv safe-harbor': '833436a471aa56f280ea05ba187e34347a0922e7bdda42a193af3431a02fbb35',
    'patients.csv limited-data-set': 'a6e2cb29f8d251b25f96563710c2d7cf801e92015487fd0e96fd6a5cc36a74e2',
    'patients.csv pseudonymize': '201f47f8e14d191e28ea4768ad72823d1bdf8a04b74aa57c3827f13dc7a2d807',
    'resources.ndjson safe-harbor': '6c0cc42cda88c84149212410f1b4bd64ac0ad434aeafa1e95c3426b0d9bbd05c',
    'resources.ndjson limited-data-set': 'c11f6b626f721ab962020e3b9ef5277a489aac6b056d2b3e017ff06e86c88a62',
    'resources.ndjson pseudonymize': '91b1393b884e828f7c418d807ac50e8d927304f99a9b351427e3fa4b7aafdd9b',
    'adt.hl7 safe-harbor': 'f89dda5c8e2fff52441e06b82bc17ddf3baca0c4dc0dc3cd2b66c0fdda308814',
    'adt.hl7 limited-data-set': '6562ff35129493a49376cb063bac562ef7b7d1cf5a46c77e983d88fc3ad711f7',
    'adt.hl7 pseudonymize': '5fd3c002f0f01583174d05786bf5ca551ae7312eee0863600a2e0f1ff9ab31c0',
  }

  for (const [name, make] of inputs)
    for (const preset of ['safe-harbor', 'limited-data-set', 'pseudonymize'] as const)
      it(`${name} ${preset}`, async () => {
        expect(await deidDigest(name, make(), preset)).to.equal(PINNED[`${name} ${preset}`])
      })
})
