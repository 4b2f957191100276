import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {HimError} from '../../../src/lib/cli/errors.js'
import {addEndpoint, buildEndpoint, removeEndpoint} from '../../../src/lib/config/endpoints.js'
import {askInit, configFromAnswers, type Prompter} from '../../../src/lib/config/init.js'
import {findConfig, readConfigFile, saveConfig} from '../../../src/lib/config/load.js'
import {defaultConfig} from '../../../src/lib/config/schema.js'
import {resolveSecret} from '../../../src/lib/config/secrets.js'
import {scratch} from '../../support/files.js'

const tmp = scratch()
after(() => tmp.cleanup())

async function configErrorOf(content: string, name = 'c.json'): Promise<HimError> {
  try {
    await readConfigFile(tmp.file(name, content))
  } catch (error) {
    return error as HimError
  }
  throw new Error('no error')
}

describe('configuration', () => {
  it('names the file, the key and what was expected', async () => {
    const e = await configErrorOf(JSON.stringify({endpoints: [{name: 'x', kind: 'fhir', url: 'not a url'}]}))
    expect(e.exit).to.equal(78)
    expect(e.message).to.include('c.json').and.include('endpoints[0].url')
    const y = await configErrorOf('defaults:\n  encoding: ebcdic\n', 'c.yaml')
    expect(y.message).to.include('defaults.encoding').and.include('utf8, windows-1252, latin1').and.not.include('ebcdic')
  })

  it('refuses a literal secret and never repeats it', async () => {
    const e = await configErrorOf(JSON.stringify({endpoints: [{name: 'x', kind: 'fhir', url: 'https://a.example', auth: {kind: 'bearer', token: 'TOPSECRET1'}}]}))
    expect(e.message).to.include('token not allowed').and.not.include('TOPSECRET1')
    const f = await configErrorOf(JSON.stringify({endpoints: [{name: 'x', kind: 'fhir', url: 'https://a.example', auth: {kind: 'bearer', tokenRef: 'TOPSECRET2'}}]}))
    expect(f.message).to.include('endpoints[0].auth.tokenRef').and.not.include('TOPSECRET2')
  })

  it('reports invalid JSON and YAML with the line', async () => {
    expect((await configErrorOf('{\n"a": 1,\n}')).message).to.match(/line 3/)
    expect((await configErrorOf('a: [1\nb: 2\n', 'bad.yml')).message).to.match(/invalid YAML/)
  })

  it('is found by --config, then HIMKIT_CONFIG, then the working folder, then the user config dir', () => {
    const cwd = join(tmp.dir, 'cwd')
    const user = join(tmp.dir, 'user')
    mkdirSync(cwd)
    mkdirSync(user)
    writeFileSync(join(user, 'config.yaml'), '{}')
    expect(findConfig(undefined, cwd, {HIMKIT_CONFIG_DIR: user})).to.deep.equal({path: join(user, 'config.yaml'), source: 'user'})
    writeFileSync(join(cwd, 'himkit.config.yml'), '{}')
    expect(findConfig(undefined, cwd, {HIMKIT_CONFIG_DIR: user}).source).to.equal('cwd')
    expect(findConfig(undefined, cwd, {HIMKIT_CONFIG: 'x.json', HIMKIT_CONFIG_DIR: user})).to.deep.equal({path: join(cwd, 'x.json'), source: 'env'})
    expect(findConfig('f.json', cwd, {HIMKIT_CONFIG: 'x.json'}).source).to.equal('flag')
  })

  it('adds, replaces and removes endpoints, and writes only references', async () => {
    let c = addEndpoint(defaultConfig(), buildEndpoint({name: 'prod', kind: 'fhir', url: 'https://ehr.example.org/fhir', auth: 'basic', username: 'svc', passwordRef: 'env:EHR_PW'}))
    c = addEndpoint(c, buildEndpoint({name: 'feed', kind: 'mllp', url: '127.0.0.1:2575'}))
    expect(() => addEndpoint(c, buildEndpoint({name: 'feed', kind: 'mllp', url: '127.0.0.1:2576'}))).to.throw(/exists already/)
    expect(() => buildEndpoint({name: 'x', kind: 'fhir', url: 'https://a.example', auth: 'bearer', tokenRef: 'abc'})).to.throw(/--token-ref/)
    const path = tmp.path('saved.json')
    await saveConfig(path, c)
    const back = await readConfigFile(path)
    expect(back.endpoints.map((e) => e.name)).to.deep.equal(['prod', 'feed'])
    expect(readFileSync(path, 'utf8')).to.include('env:EHR_PW')
    expect(removeEndpoint(back, 'feed').endpoints).to.have.length(1)
    expect(() => removeEndpoint(back, 'nope')).to.throw(/no endpoint named/)
  })

  it('resolves env: and file: secret references, and says which is missing without a value', async () => {
    expect(await resolveSecret('env:HIM_TEST_SECRET', {HIM_TEST_SECRET: 's1'})).to.equal('s1')
    expect(await resolveSecret(`file:${tmp.file('tok', 's2\n')}`)).to.equal('s2')
    try {
      await resolveSecret('env:HIM_NOT_SET', {})
      expect.fail()
    } catch (error) {
      expect((error as HimError).message).to.include('HIM_NOT_SET')
    }
    try {
      await resolveSecret('hunter2')
      expect.fail()
    } catch (error) {
      expect((error as HimError).message).to.not.include('hunter2')
    }
  })

  it('runs the init wizard on scripted answers and builds a valid configuration with an endpoint', async () => {
    const answers: unknown[] = ['urn:oid:2.16.840.1.113883.19.5', 'synthea', 'windows-1252', 'APP', 'FAC', true, 'prod', 'fhir', 'https://ehr.example.org/fhir', 'bearer', 'env:TOKEN', false]
    const asked: string[] = []
    const next = (message: string) => {
      asked.push(message)
      if (!answers.length) throw new Error(`unexpected question: ${message}`)
      return answers.shift()
    }
    const p: Prompter = {
      input: async (q) => {
        const v = next(q.message) as string
        if (q.validate && q.validate(v) !== true) throw new Error(`answer refused: ${q.message}`)
        return v
      },
      select: async (q) => next(q.message) as never,
      confirm: async (q) => next(q.message) as boolean,
    }
    const config = configFromAnswers(await askInit(p))
    expect(answers).to.have.length(0)
    expect(config.defaults).to.deep.equal({mrnSystem: 'urn:oid:2.16.840.1.113883.19.5', csvMapping: 'synthea', encoding: 'windows-1252'})
    expect(config.hl7.sendingApplication).to.equal('APP')
    expect(config.endpoints[0]).to.deep.include({name: 'prod', kind: 'fhir', auth: {kind: 'bearer', tokenRef: 'env:TOKEN'}})
  })
})
