import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'

import {him} from '../support/cli.js'
import {scratch} from '../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

describe('him init and him endpoint (built CLI)', () => {
  it('init asks nothing when stdin is not a terminal, writes a valid file, and refuses to overwrite it', () => {
    const r = him(['init', '--mrn-system', 'urn:oid:2.16.840.1.113883.19.5', '--mapping', 'febrl'], {cwd: tmp.dir})
    expect(r.code, r.stderr).to.equal(0)
    const c = JSON.parse(readFileSync(tmp.path('himkit.config.json'), 'utf8'))
    expect(c.defaults).to.deep.include({mrnSystem: 'urn:oid:2.16.840.1.113883.19.5', csvMapping: 'febrl'})
    expect(him(['init', '--yes'], {cwd: tmp.dir}).code).to.equal(64)
    expect(him(['init', '--yes', '--force', '-o', 'himkit.config.yaml'], {cwd: tmp.dir}).code).to.equal(0)
    expect(readFileSync(tmp.path('himkit.config.yaml'), 'utf8')).to.include('mrnSystem: http://hospital.example.org/mrn')
  })

  it('adds, lists and removes endpoints with secret references only, never printing a secret', () => {
    const cfg = tmp.path('ep.json')
    const env = {HIMKIT_CONFIG: cfg}
    expect(him(['endpoint', 'add', 'prod', '--kind', 'fhir', '--url', 'https://ehr.example.org/fhir', '--auth', 'bearer', '--token-ref', 'env:EHR_TOKEN'], {env}).code).to.equal(0)
    const literal = him(['endpoint', 'add', 'bad', '--kind', 'fhir', '--url', 'https://ehr.example.org/fhir', '--auth', 'bearer', '--token-ref', 'sk_live_SECRET'], {env})
    expect(literal.code).to.equal(78)
    expect(literal.stderr + literal.stdout).to.not.include('sk_live_SECRET')
    expect(him(['endpoint', 'add', 'feed', '--kind', 'mllp', '--url', '127.0.0.1:2575'], {env}).code).to.equal(0)
    const list = him(['endpoint', 'list', '--json'], {env})
    expect(JSON.parse(list.stdout).endpoints.map((e: {name: string}) => e.name)).to.deep.equal(['prod', 'feed'])
    expect(him(['endpoint', 'remove', 'feed'], {env}).code).to.equal(0)
    expect(him(['endpoint', 'remove', 'feed'], {env}).code).to.equal(64)
    const saved = readFileSync(cfg, 'utf8')
    expect(saved).to.include('env:EHR_TOKEN').and.not.include('feed')
  })

  it('names the file, the key and what was expected on a configuration error, exit 78', () => {
    const cfg = tmp.file('broken.yaml', 'defaults:\n  csvMapping: generic\n  encodng: utf8\n')
    const r = him(['endpoint', 'list', '--config', cfg])
    expect(r.code).to.equal(78)
    expect(r.stderr).to.include('broken.yaml').and.include('defaults').and.include('encodng')
  })

  it('uses the configured MRN system and default mapping in convert', () => {
    const cfg = tmp.file('c.json', JSON.stringify({defaults: {mrnSystem: 'urn:oid:1.2.3.4', csvMapping: 'generic'}}))
    const csv = tmp.file('p.csv', 'MRN,Last Name\nSYN1,Synthetic\n')
    const r = him(['convert', csv, '--to', 'ndjson', '-o', '-', '--config', cfg])
    expect(JSON.parse(r.stdout).identifier[0].system).to.equal('urn:oid:1.2.3.4')
  })

  it('prints an editable skeleton mapping for a CSV it does not recognise', () => {
    const csv = tmp.file('odd.csv', 'Pat Num,Given,Fam\n1,A,B\n')
    const r = him(['convert', csv, '--print-mapping'])
    expect(r.code).to.equal(0)
    expect(r.stdout).to.include('not a layout him knows').and.include('#  - column: "Given"')
    const m = tmp.file('odd.yaml', 'name: odd\ncolumns:\n  - {column: Pat Num, to: identifier, system: mrn, type: MR}\n  - {column: Given, to: name.given}\n  - {column: Fam, to: name.family}\n')
    const c = him(['convert', csv, '--mapping', m, '--to', 'ndjson', '-o', '-'])
    expect(JSON.parse(c.stdout).name[0]).to.deep.equal({use: 'official', family: 'B', given: ['A']})
    writeFileSync(m, 'name: odd\ncolumns:\n  - {column: Given, to: name.nickname}\n')
    const bad = him(['convert', csv, '--mapping', m, '--to', 'ndjson', '-o', '-'])
    expect(bad.code).to.equal(78)
    expect(bad.stderr).to.include('columns[0].to')
  })
})
