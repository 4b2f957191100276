import {type Emit} from '../rules.js'
import {type ResourceSite, type SeenReference} from './structure.js'

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Bundle rules beyond the structure: fullUrl unique (bdl-7), request present in a transaction or batch and
 * absent elsewhere (bdl-3), and references between entries resolvable inside the Bundle.
 */
export function checkBundle(bundle: any, site: ResourceSite, refs: SeenReference[], emit: Emit): void {
  const entries: any[] = Array.isArray(bundle.entry) ? bundle.entry : []
  const type = bundle.type
  const at = (i: number | undefined, expression: string) => ({...site.loc, ...(i === undefined ? {} : {record: i + 1}), expression})
  const fullUrls = new Map<string, number>()
  const typeIds = new Set<string>()
  entries.forEach((e, i) => {
    if (!e || typeof e !== 'object') return
    const where = `${site.expression}.entry[${i}]`
    if (typeof e.fullUrl === 'string') {
      const key = `${e.fullUrl}|${e.resource?.meta?.versionId ?? ''}`
      const prev = fullUrls.get(key)
      if (prev !== undefined && type !== 'history') emit('fhir.bundle.fullurl-duplicate', `same fullUrl as entry ${prev + 1}`, at(i, `${where}.fullUrl`), e.fullUrl)
      else fullUrls.set(key, i)
      fullUrls.set(e.fullUrl, fullUrls.get(e.fullUrl) ?? i)
    }
    const rt = e.resource?.resourceType
    if (typeof rt === 'string' && typeof e.resource.id === 'string') typeIds.add(`${rt}/${e.resource.id}`)
    const needsRequest = type === 'transaction' || type === 'batch' || type === 'history'
    if (needsRequest && e.request === undefined) emit('fhir.bundle.request-missing', `a ${type} entry needs request (method and url)`, at(i, `${where}.request`))
    if (!needsRequest && e.request !== undefined && typeof type === 'string') emit('fhir.bundle.request-prohibited', `bdl-3: request is only for transaction, batch and history Bundles, not ${type}`, at(i, `${where}.request`))
  })

  const urls = [...fullUrls.keys()]
  for (const r of refs) {
    const ref = r.reference
    const entry = /^(?:[^.]*?)\.entry\[(\d+)\]/.exec(r.expression)
    const i = entry ? Number(entry[1]) : undefined
    if (ref.startsWith('#')) continue
    if (/^urn:(uuid|oid):/.test(ref)) {
      if (!fullUrls.has(ref)) emit('fhir.reference.unresolved', 'points to a urn: fullUrl that no entry of the Bundle has', at(i, r.expression), ref)
      continue
    }
    const rel = ref.replace(/\/_history\/[^/]+$/, '')
    const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(rel)
    if (fullUrls.has(ref) || fullUrls.has(rel)) continue
    if (m && (typeIds.has(m[1]) || urls.some((u) => u.endsWith(`/${m[1]}`)))) continue
    emit('fhir.reference.outside-bundle', 'the resource it points to is not in the Bundle', at(i, r.expression), ref)
  }
}
