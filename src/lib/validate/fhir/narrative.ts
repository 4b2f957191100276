/**
 * The FHIR R4 narrative rules (https://hl7.org/fhir/R4/narrative.html), behind the invariants txt-1 and txt-2 whose
 * FHIRPath is `htmlChecks()`: Narrative.div is well-formed XHTML, one <div> in the XHTML namespace, holding only
 * the basic HTML formatting elements and attributes (no head/body, scripts, forms, styles, base/link/xlink,
 * frames, objects, event attributes such as onclick, or javascript: links) — txt-1; and it has some
 * non-whitespace content (text or an image) — txt-2. Parsed with sax in strict (XML) mode: only the XML entities
 * (&amp; &lt; &gt; &quot; &apos;) and character references; R4 allows no HTML entities such as &nbsp; (use &#160;),
 * and the HL7 validator refuses them too.
 */
import {createRequire} from 'node:module'

interface SaxTag {
  name: string
  prefix: string
  local: string
  uri: string
  attributes: Record<string, {name: string; prefix: string; local: string; uri: string; value: string}>
}
interface SaxParser {
  onerror: (e: Error) => void
  onopentag: (t: SaxTag) => void
  onclosetag: () => void
  ontext: (t: string) => void
  oncdata: (t: string) => void
  ondoctype: (t: string) => void
  onprocessinginstruction: (p: unknown) => void
  write(s: string): SaxParser
  close(): SaxParser
}
const require = createRequire(import.meta.url)
const sax = require('sax') as {parser(strict: boolean, opts: {xmlns: boolean; strictEntities: boolean}): SaxParser}

export const XHTML_NS = 'http://www.w3.org/1999/xhtml'

/** The basic formatting elements of HTML 4.0 chapters 7-11 and 15, links, images (as the HL7 validator lists them). */
const ELEMENTS = new Set(
  ('p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr address ' +
    'bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code samp img map area').split(' '),
)
/** Attributes any of them may have. */
const ATTRIBUTES = new Set(
  ('title style class id lang xml:lang dir accesskey tabindex span width align valign char charoff abbr axis headers ' + 'scope rowspan colspan').split(' '),
)
/** Attributes of one element. */
const ELEMENT_ATTRIBUTES = new Set(
  ('a.href a.name a.charset a.type a.hreflang a.rel a.rev a.shape a.coords img.src img.alt img.longdesc img.height ' +
    'img.width img.usemap img.ismap img.border map.name area.shape area.coords area.href area.nohref area.alt ' +
    'blockquote.cite q.cite table.summary table.width table.border table.frame table.rules table.cellspacing ' +
    'table.cellpadding pre.space td.nowrap').split(' '),
)
const LINKS = new Set(['href', 'src', 'longdesc', 'usemap', 'cite'])

export interface NarrativeCheck {
  /** Why txt-1 fails (no value in it: element and attribute names only), or undefined. */
  txt1?: string
  /** txt-2: some text that is not whitespace, or an image. */
  hasContent: boolean
  /** Images that point inside the resource (<img src="#id">): the ids, to be found among its contained resources. */
  imageIds: string[]
  /** Links inside the resource (<a href="#id">): the ids, to be found among the anchors or contained resources. */
  linkIds: string[]
  /** Anchors of the narrative: id attributes and <a name>. */
  anchors: string[]
}

const cache = new Map<string, NarrativeCheck>()

/** Check a Narrative.div. Converted records share a few narratives: recent answers are remembered (bounded). */
export function checkNarrative(div: string): NarrativeCheck {
  const hit = cache.get(div)
  if (hit) return hit
  const answer = check(div)
  if (cache.size >= 1000) cache.clear()
  if (div.length < 4096) cache.set(div, answer)
  return answer
}

function check(div: string): NarrativeCheck {
  let txt1: string | undefined
  let hasContent = false
  const imageIds: string[] = []
  const linkIds: string[] = []
  const anchors: string[] = []
  let depth = 0
  const fail = (why: string) => {
    txt1 ??= why
  }
  const p = sax.parser(true, {xmlns: true, strictEntities: true})
  let wellFormed = true
  p.onerror = (e) => {
    wellFormed = false
    // sax's first line says what (e.g. "Unexpected close tag"); the rest is position and the character.
    fail(`not well-formed XHTML: ${String(e.message).split('\n')[0].slice(0, 80)}`)
    throw e
  }
  p.ondoctype = () => fail('a DOCTYPE is not allowed')
  p.onprocessinginstruction = () => fail('a processing instruction is not allowed')
  p.onopentag = (t) => {
    if (depth++ === 0) {
      if (t.name !== 'div' || t.uri !== XHTML_NS) fail(t.name !== 'div' ? `the root element is <${t.name}>, not <div>` : `the <div> is not in the XHTML namespace (${XHTML_NS})`)
    }
    if (t.uri !== XHTML_NS) fail(`element <${t.name}> is not XHTML`)
    else if (!ELEMENTS.has(t.local)) fail(`element <${t.local}> is not allowed in a narrative`)
    if (t.local === 'img') {
      hasContent = true
      const src = t.attributes.src?.value
      if (src?.startsWith('#')) imageIds.push(src.slice(1))
    }
    if (t.attributes.id) anchors.push(t.attributes.id.value)
    if (t.local === 'a') {
      if (t.attributes.name) anchors.push(t.attributes.name.value)
      const href = t.attributes.href?.value
      if (href?.startsWith('#') && href.length > 1) linkIds.push(href.slice(1))
    }
    for (const a of Object.values(t.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue
      const name = a.prefix ? `${a.prefix}:${a.local}` : a.local
      if (!ATTRIBUTES.has(name) && !ELEMENT_ATTRIBUTES.has(`${t.local}.${name}`)) {
        fail(/^on/i.test(a.local) ? `event attribute ${name} on <${t.local}> is not allowed` : `attribute ${name} is not allowed on <${t.local}>`)
        continue
      }
      if (LINKS.has(a.local) && /^\s*(javascript|vbscript|data:text\/html)/i.test(a.value.replace(/[\u0000-\u001f]/g, ''))) fail(`a script link in ${name} of <${t.local}>`)
    }
  }
  p.onclosetag = () => {
    depth--
  }
  p.ontext = p.oncdata = (t) => {
    // XML whitespace only (a non-breaking space is content, as in the HL7 validator).
    if (!hasContent && /[^ \t\r\n]/.test(t)) hasContent = true
  }
  try {
    p.write(div).close()
  } catch {
    // reported by onerror
  }
  if (wellFormed && depth !== 0) fail('not well-formed XHTML: an element is not closed')
  return {txt1, hasContent, imageIds, linkIds, anchors}
}

/** fhirpath.js's user function `htmlChecks()` for one invariant: true when the rules it stands for hold. */
export function htmlChecksFunction(which: 'txt-1' | 'txt-2' | 'all') {
  return {
    fn: (inputs: unknown[]) => {
      if (inputs.length !== 1) return []
      const x = inputs[0] as {data?: unknown} | string
      const div = typeof x === 'string' ? x : x?.data
      if (typeof div !== 'string') return []
      const c = checkNarrative(div)
      return [which === 'txt-1' ? !c.txt1 : which === 'txt-2' ? c.hasContent : !c.txt1 && c.hasContent]
    },
    arity: {0: []},
  }
}
