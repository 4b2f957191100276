import {DEFAULT_MRN_SYSTEM} from '../formats/csv/mapping/schema.js'
import {buildEndpoint, type EndpointInput} from './endpoints.js'
import {AUTH_KINDS, type HimConfig, HimConfig as HimConfigSchema, SECRET_REF} from './schema.js'

/** The questions the wizard asks, so the wizard can run on inquirer in a terminal and on scripted answers in tests. */
export interface Prompter {
  input(q: {message: string; default?: string; validate?: (v: string) => true | string}): Promise<string>
  select<T extends string>(q: {message: string; choices: Array<{name: string; value: T}>; default?: T}): Promise<T>
  confirm(q: {message: string; default?: boolean}): Promise<boolean>
}

export interface InitAnswers {
  mrnSystem: string
  csvMapping: string
  encoding: 'utf8' | 'windows-1252' | 'latin1'
  sendingApplication: string
  sendingFacility: string
  endpoints: EndpointInput[]
}

export const defaultAnswers = (): InitAnswers => ({
  mrnSystem: DEFAULT_MRN_SYSTEM,
  csvMapping: 'generic',
  encoding: 'utf8',
  sendingApplication: 'HIMKIT',
  sendingFacility: 'HIMKIT',
  endpoints: [],
})

export function configFromAnswers(a: InitAnswers): HimConfig {
  return HimConfigSchema.parse({
    version: 1,
    defaults: {mrnSystem: a.mrnSystem, csvMapping: a.csvMapping, encoding: a.encoding},
    hl7: {sendingApplication: a.sendingApplication, sendingFacility: a.sendingFacility},
    endpoints: a.endpoints.map(buildEndpoint),
  })
}

const isUrl = (v: string) => {
  try {
    new URL(v)
    return true
  } catch {
    return false
  }
}
const refCheck = (v: string) => SECRET_REF.test(v) || 'a reference: env:NAME or file:PATH (the secret itself never goes in the file)'

/** The interactive questions of `him init`. Secrets are asked for as references only. */
export async function askInit(p: Prompter, start: InitAnswers = defaultAnswers()): Promise<InitAnswers> {
  const a = {...start, endpoints: [...start.endpoints]}
  a.mrnSystem = await p.input({
    message: 'Identifier system (URI) of your MRNs',
    default: a.mrnSystem,
    validate: (v) => isUrl(v) || 'a URI such as http://hospital.example.org/mrn or urn:oid:1.2.3',
  })
  a.csvMapping = await p.select({
    message: 'Layout of your patient CSV files',
    choices: [
      {name: 'Generic hospital export (MRN, First Name, Last Name, DOB, ...)', value: 'generic'},
      {name: "Synthea's patients.csv", value: 'synthea'},
      {name: 'FEBRL', value: 'febrl'},
      {name: 'My own mapping file', value: 'file'},
    ],
    default: 'generic',
  })
  if (a.csvMapping === 'file') a.csvMapping = await p.input({message: 'Path of the mapping file (YAML or JSON)'})
  a.encoding = await p.select({
    message: 'Encoding of your CSV files',
    choices: [
      {name: 'UTF-8', value: 'utf8'},
      {name: 'Windows-1252 (Excel on Windows)', value: 'windows-1252'},
      {name: 'Latin-1', value: 'latin1'},
    ],
    default: a.encoding,
  })
  a.sendingApplication = await p.input({message: 'HL7 v2 sending application (MSH-3)', default: a.sendingApplication})
  a.sendingFacility = await p.input({message: 'HL7 v2 sending facility (MSH-4)', default: a.sendingFacility})
  while (await p.confirm({message: a.endpoints.length ? 'Add another endpoint?' : 'Add an EHR endpoint now?', default: false})) {
    const name = await p.input({message: 'Endpoint name', validate: (v) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) || 'letters, digits, ".", "_", "-"'})
    const kind = await p.select({message: 'Kind', choices: [{name: 'FHIR REST server', value: 'fhir'}, {name: 'HL7 v2 over MLLP', value: 'mllp'}]})
    if (kind === 'mllp') {
      const addr = await p.input({message: 'host:port', validate: (v) => /^[^:\s]+:\d+$/.test(v) || 'host:port, e.g. 10.0.0.5:2575'})
      a.endpoints.push({name, kind, url: addr})
      continue
    }
    const url = await p.input({message: 'FHIR base URL', validate: (v) => isUrl(v) || 'a URL such as https://ehr.example.org/fhir/R4'})
    const auth = await p.select({message: 'Authentication', choices: AUTH_KINDS.map((k) => ({name: k, value: k}))})
    const ep: EndpointInput = {name, kind, url, auth}
    if (auth === 'basic') {
      ep.username = await p.input({message: 'User name'})
      ep.passwordRef = await p.input({message: 'Password reference (env:NAME or file:PATH)', validate: refCheck})
    } else if (auth === 'bearer') {
      ep.tokenRef = await p.input({message: 'Token reference (env:NAME or file:PATH)', validate: refCheck})
    } else if (auth === 'client-credentials') {
      ep.clientId = await p.input({message: 'Client id'})
      ep.clientSecretRef = await p.input({message: 'Client secret reference (env:NAME or file:PATH)', validate: refCheck})
      ep.tokenUrl = (await p.input({message: 'Token URL'})) || undefined
    } else if (auth === 'smart-backend') {
      ep.clientId = await p.input({message: 'Client id'})
      ep.privateKeyRef = await p.input({message: 'Private key reference, a PEM or JWK file (file:PATH) or env:NAME', validate: refCheck})
      ep.kid = await p.input({message: 'Key id (kid) registered with the server'})
      ep.alg = await p.select({message: 'Signing algorithm', choices: [{name: 'RS384', value: 'RS384'}, {name: 'ES384', value: 'ES384'}]})
    }
    buildEndpoint(ep)
    a.endpoints.push(ep)
  }
  return a
}
