import {expect} from 'chai'

import {type Finding} from '../../../src/lib/validate/findings.js'
import {loadR4Definitions} from '../../../src/lib/validate/fhir/definitions.js'
import {checkNarrative} from '../../../src/lib/validate/fhir/narrative.js'
import {createFhirValidator} from '../../../src/lib/validate/fhir/validate-resource.js'
import {makeEmit, RuleSet} from '../../../src/lib/validate/rules.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
// Synthetic narratives and resources only.
const NS = 'xmlns="http://www.w3.org/1999/xhtml"'
const div = (inner: string, attrs = '') => `<div ${NS}${attrs}>${inner}</div>`

function check(res: any): Finding[] {
  const out: Finding[] = []
  const validate = createFhirValidator(loadR4Definitions(), makeEmit({rules: new RuleSet(), showValues: false}, (f) => out.push(f)), 'base')
  validate(res, {loc: {file: 'x.json', record: 1}, expression: res.resourceType})
  return out
}
const patientWith = (d: string) => ({resourceType: 'Patient', id: 'p1', text: {status: 'generated', div: d}, gender: 'female'})
const txt = (fs: Finding[]) => fs.filter((f) => /^txt-/.test(f.message)).map((f) => `${f.message.slice(0, 5)} @ ${f.location.expression}`)

describe('FHIR narrative: txt-1 and txt-2 (htmlChecks())', () => {
  const passing: Array<[string, string]> = [
    ['plain text', div('Synthetic patient')],
    ['formatting, a table, a list and a link', div('<p><b>Avery</b> <i>Quinlan</i></p><table class="grid"><tr><td colspan="2">x</td></tr></table><ul><li>a</li></ul><a href="https://example.org/x">link</a>')],
    ['style and class attributes, lang and xml:lang', div('<span style="color: red" class="c" lang="en" xml:lang="en">x</span>')],
    ['an image only (content without text)', div('<img src="https://example.org/photo.png" alt=""/>')],
    ['XML entities and character references', div('Avery&#160;Quinlan &amp; &lt; &#233; &#x00E9;')],
    ['a comment', div('<!-- synthetic -->text')],
    ['a character reference for a non-breaking space (content)', div('&#160;')],
  ]
  for (const [what, d] of passing)
    it(`passes ${what}`, () => {
      const c = checkNarrative(d)
      expect(c.txt1, what).to.equal(undefined)
      expect(c.hasContent).to.equal(true)
      expect(txt(check(patientWith(d)))).to.deep.equal([])
    })

  const failing: Array<[string, string, RegExp]> = [
    ['a script element', div('x<script>alert(1)</script>'), /<script> is not allowed/],
    ['a style element', div('<style>p {}</style>x'), /<style> is not allowed/],
    ['a form', div('<form><input name="a"/></form>x'), /<form> is not allowed/],
    ['an iframe', div('<iframe src="https://example.org"></iframe>x'), /<iframe> is not allowed/],
    ['an object', div('<object data="x"></object>x'), /<object> is not allowed/],
    ['embed, applet, base and link', div('<embed src="x"/>x'), /<embed> is not allowed/],
    ['a base element', div('<base href="https://example.org/"/>x'), /<base> is not allowed/],
    ['a link element', div('<link rel="stylesheet" href="s.css"/>x'), /<link> is not allowed/],
    ['an applet', div('<applet code="x"></applet>x'), /<applet> is not allowed/],
    ['head and body', div('<body>x</body>'), /<body> is not allowed/],
    ['an event attribute', div('<p onclick="alert(1)">x</p>'), /event attribute onclick/],
    ['an event attribute on the div', div('x', ' onmouseover="x()"'), /event attribute onmouseover/],
    ['a javascript: link', div('<a href="javascript:alert(1)">x</a>'), /script link in href/],
    ['a javascript: link with spaces and a control character', div('<a href=" java&#9;script:alert(1)">x</a>'), /script link in href/],
    ['an xlink attribute', div('<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="x">x</a>'), /attribute xlink:href is not allowed/],
    ['an attribute not listed for the element', div('<p href="x">x</p>'), /attribute href is not allowed on <p>/],
    ['an element of another namespace', div('<svg xmlns="http://www.w3.org/2000/svg"><circle/></svg>x'), /<svg> is not XHTML/],
    ['no XHTML namespace', '<div>text</div>', /not in the XHTML namespace/],

    ['an unclosed element', div('<p>text'), /not well-formed/],
    ['mismatched tags', div('<b><i>x</b></i>'), /not well-formed/],
    ['an unknown entity', div('a &bogus; b'), /not well-formed/],
    ['an HTML entity (R4 allows only the XML ones)', div('a&nbsp;b'), /not well-formed/],
    ['a bare ampersand', div('a & b'), /not well-formed/],
    ['text after the root', div('x') + 'y', /not well-formed/],
  ]
  for (const [what, d, why] of failing)
    it(`fails txt-1 on ${what}, at Patient.text.div, saying why`, () => {
      expect(checkNarrative(d).txt1, what).to.match(why)
      const fs = check(patientWith(d))
      expect(txt(fs)).to.deep.equal(['txt-1 @ Patient.text.div'])
      expect(fs.find((f) => f.message.startsWith('txt-1'))!.message).to.match(why)
    })

  it('says why for a root that is not a div or a DOCTYPE (the validator reports them as fhir.primitive.format first)', () => {
    expect(checkNarrative(`<p ${NS}>text</p>`).txt1).to.match(/root element is <p>/)
    expect(checkNarrative(`<!DOCTYPE html>${div('x')}`).txt1).to.match(/DOCTYPE/)
    const fs = check(patientWith(`<p ${NS}>text</p>`))
    expect(fs.map((f) => `${f.rule} @ ${f.location.expression}`)).to.deep.equal(['fhir.primitive.format @ Patient.text.div'])
  })

  for (const [what, d] of [
    ['an empty div', div('')],
    ['whitespace only', div(' \n\t ')],
    ['empty elements only', div('<p> </p><br/><span></span>')],
  ] as Array<[string, string]>)
    it(`fails txt-2 (and only txt-2) on ${what}`, () => {
      expect(checkNarrative(d).hasContent).to.equal(false)
      expect(txt(check(patientWith(d)))).to.deep.equal(['txt-2 @ Patient.text.div'])
    })

  it('finds an image or a link to #id that points to nothing in the resource, and none when it resolves', () => {
    const rules = (fs: Finding[]) => fs.map((f) => `${f.rule} @ ${f.location.expression}`)
    const img = div('<img src="#photo"/>')
    expect(rules(check(patientWith(img)))).to.deep.equal(['fhir.narrative.link @ Patient.text.div'])
    const withPhoto = {...patientWith(img), contained: [{resourceType: 'Binary', id: 'photo', contentType: 'image/png'}], photo: [{url: '#photo'}]}
    expect(rules(check(withPhoto))).to.deep.equal([])
    expect(rules(check(patientWith(div('<a href="#nowhere">x</a>'))))).to.deep.equal(['fhir.narrative.link @ Patient.text.div'])
    expect(rules(check(patientWith(div('<p id="top">x</p><a href="#top">up</a><a name="end">e</a><a href="#end">end</a>'))))).to.deep.equal([])
  })

  it('checks the narrative of contained resources and Bundle entries at their path', () => {
    const bad = div('<script>x</script>y')
    const bundle = {resourceType: 'Bundle', type: 'collection', entry: [{fullUrl: 'urn:uuid:8f0e4a1c-0000-4000-8000-000000000001', resource: patientWith(bad)}]}
    expect(txt(check(bundle))).to.deep.equal(['txt-1 @ Bundle.entry[0].resource.text.div'])
  })

  it('never puts the narrative text in the message', () => {
    const fs = check(patientWith(div('<script>secret-value</script>x')))
    expect(JSON.stringify(fs)).to.not.include('secret-value')
  })
})
