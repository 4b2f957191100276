import {randomUUID} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

// For the him import tests: a config whose MRN system is new for each test (counts on a shared server are the
// test's own), and the Patients the server holds in that system.

/** The identifier values of every Patient on the server in this MRN system (with repeats, if any). */
export async function identifiersOnServer(baseUrl: string, system: string): Promise<string[]> {
  const values: string[] = []
  let url: string | undefined = `${baseUrl}/Patient?identifier=${encodeURIComponent(`${system}|`)}&_count=500&_elements=identifier`
  while (url) {
    const page = (await (await fetch(url, {headers: {accept: 'application/fhir+json'}})).json()) as {
      entry?: Array<{resource: {identifier?: Array<{system?: string; value?: string}>}}>
      link?: Array<{relation: string; url: string}>
    }
    for (const e of page.entry ?? []) for (const i of e.resource.identifier ?? []) if (i.system === system) values.push(i.value!)
    url = page.link?.find((l) => l.relation === 'next')?.url
  }
  return values
}

export function importConfig(dir: string, endpoints: unknown[]): string {
  const system = `urn:himkit:test:${randomUUID()}`
  writeFileSync(join(dir, 'himkit.config.json'), JSON.stringify({version: 1, defaults: {mrnSystem: system}, endpoints}, null, 2))
  return system
}
