/**
 * A synthetic FHIR R4 conformance corpus: a valid base Patient and other resources, each changed in one way
 * (some changes valid, most not). Every name, id and number is made up.
 */
const TEXT = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Synthetic test resource</div>'}
const clone = (x) => JSON.parse(JSON.stringify(x))

export function basePatient(i) {
  return {
    resourceType: 'Patient', id: `syn-${i}`, text: TEXT,
    identifier: [{use: 'usual', system: 'http://hospital.example.org/mrn', value: `SYN${String(i).padStart(5, '0')}`}],
    active: true,
    name: [{use: 'official', family: 'Quinlan', given: ['Avery', 'J']}],
    telecom: [{system: 'phone', value: '217-555-0101', use: 'home'}],
    gender: 'female', birthDate: '1962-03-14',
    address: [{use: 'home', line: ['12 Example Way'], city: 'Springfield', state: 'IL', postalCode: '62704'}],
  }
}

/** [label, change]: a change returns nothing (edits in place). */
export const PATIENT_CHANGES = [
  ['valid: as is', () => {}],
  ['valid: email', (p) => p.telecom.push({system: 'email', value: 'a@example.org'})],
  ['valid: multipleBirthInteger', (p) => (p.multipleBirthInteger = 2)],
  ['valid: contact with a name', (p) => (p.contact = [{relationship: [{text: 'sister'}], name: {family: 'Quinlan', given: ['Blair']}}])],
  ['valid: deceasedDateTime', (p) => (p.deceasedDateTime = '2020-05-01T10:00:00Z')],
  ['valid: maritalStatus', (p) => (p.maritalStatus = {coding: [{system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M'}]})],
  ['valid: communication', (p) => (p.communication = [{language: {coding: [{system: 'urn:ietf:bcp:47', code: 'en'}]}, preferred: true}])],
  ['valid: generalPractitioner', (p) => (p.generalPractitioner = [{reference: 'Practitioner/pr-1', display: 'Dr Example'}])],
  ['valid: address period', (p) => (p.address[0].period = {start: '2001-01-01', end: '2010-12-31'})],
  ['valid: photo', (p) => (p.photo = [{contentType: 'image/png', data: 'aGVsbG8='}])],
  ['valid: meta', (p) => (p.meta = {lastUpdated: '2024-01-02T03:04:05Z', versionId: '3'})],
  ['valid: extension', (p) => (p.extension = [{url: 'http://example.org/fhir/StructureDefinition/favourite-colour', valueString: 'teal'}])],
  ['valid: primitive extension', (p) => (p._birthDate = {extension: [{url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1962-03-14T07:30:00-06:00'}]})],
  ['gender not in value set', (p) => (p.gender = 'femme')],
  ['birthDate not a day', (p) => (p.birthDate = '1962-02-30')],
  ['birthDate not zero-padded', (p) => (p.birthDate = '1962-3-4')],
  ['unknown element', (p) => (p.nickname = 'Ave')],
  ['boolean as string', (p) => (p.active = 'true')],
  ['address not an array', (p) => (p.address = p.address[0])],
  ['gender as array', (p) => (p.gender = ['female'])],
  ['pat-1 contact without details', (p) => (p.contact = [{relationship: [{text: 'sister'}]}])],
  ['two deceased types', (p) => Object.assign(p, {deceasedBoolean: false, deceasedDateTime: '2020-01-01'})],
  ['link without other', (p) => (p.link = [{type: 'seealso'}])],
  ['empty name', (p) => (p.name = [{}])],
  ['per-1 period backwards', (p) => (p.identifier[0].period = {start: '2020-01-01', end: '2019-01-01'})],
  ['bad id', (p) => (p.id = 'bad id!')],
  ['telecom system not in value set', (p) => (p.telecom[0].system = 'fax2')],
  ['cpt-2 value without system', (p) => delete p.telecom[0].system],
  ['name.use not in value set', (p) => (p.name[0].use = 'formal')],
  ['identifier.use not in value set', (p) => (p.identifier[0].use = 'primary')],
  ['multipleBirthInteger not an integer', (p) => (p.multipleBirthInteger = 1.5)],
  ['communication without language', (p) => (p.communication = [{preferred: true}])],
  ['extension without url', (p) => (p.extension = [{valueString: 'x'}])],
  ['ext-1 value and extensions', (p) => (p.extension = [{url: 'http://example.org/x', valueString: 'a', extension: [{url: 'y', valueString: 'b'}]}])],
  ['empty family', (p) => (p.name[0].family = '')],
  ['given as a string', (p) => (p.name[0].given = 'Avery')],
  ['deceasedDateTime month 13', (p) => (p.deceasedDateTime = '2020-13-01')],
  ['photo data not base64', (p) => (p.photo = [{contentType: 'image/png', data: 'no*base64'}])],
  ['meta.lastUpdated without time', (p) => (p.meta = {lastUpdated: '2020-01-01'})],
  ['text.status not in value set', (p) => (p.text = {...TEXT, status: 'made-up'})],
  ['link.type not in value set', (p) => (p.link = [{other: {reference: 'Patient/syn-0'}, type: 'friend'}])],
  ['maritalStatus outside an extensible binding', (p) => (p.maritalStatus = {coding: [{system: 'http://example.org/marital', code: 'Z'}]})],
  ['number as string', (p) => (p.multipleBirthInteger = '2')],
  ['positiveInt zero', (p) => (p.photo = [{contentType: 'image/png', size: -1}])],
  ['empty array', (p) => (p.telecom = [])],
  ['object for a primitive', (p) => (p.birthDate = {value: '1962-03-14'})],
  ['contained resource not referenced (dom-3)', (p) => (p.contained = [{resourceType: 'Organization', id: 'o1', name: 'Example Org'}])],
  ['contained resource referenced', (p) => Object.assign(p, {contained: [{resourceType: 'Organization', id: 'o1', name: 'Example Org'}], managingOrganization: {reference: '#o1'}})],
  ['no narrative (dom-6 warning only)', (p) => delete p.text],
  ['uri with a space', (p) => (p.identifier[0].system = 'http://hospital.example.org/m rn')],
  ['narrative: formatting, table, image, anchors (txt-1 ok)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>A</b> <i>Q</i></p><table><tr><td colspan="2">x</td></tr></table><img src="https://example.org/a.png"/><p id="top">t</p><a href="#top">up</a></div>'})],
  ['narrative: &#160; only (txt-2 ok)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">&#160;</div>'})],
  ['narrative: script (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x<script>alert(1)</script></div>'})],
  ['narrative: style element (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><style>p {}</style>x</div>'})],
  ['narrative: iframe (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://example.org"></iframe>x</div>'})],
  ['narrative: onclick (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="alert(1)">x</p></div>'})],
  ['narrative: javascript: link (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div>'})],
  ['narrative: not well-formed (txt-1)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><b><i>x</b></i></div>'})],
  ['narrative: &nbsp; (not an XML entity)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b</div>'})],
  ['narrative: whitespace only (txt-2)', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"> \n </div>'})],
  ['narrative: image to no contained resource', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><img src="#photo"/></div>'})],
  ['narrative: link to no anchor', (p) => (p.text = {status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><a href="#nowhere">x</a></div>'})],
  ['narrative: no XHTML namespace (txt-1)', (p) => (p.text = {status: 'generated', div: '<div>text</div>'})],
]

export const OTHER_RESOURCES = [
  ['valid Observation', {resourceType: 'Observation', id: 'o1', text: TEXT, status: 'final', code: {coding: [{system: 'http://loinc.org', code: '8867-4'}]}, subject: {reference: 'Patient/syn-1'}, valueQuantity: {value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min'}}],
  ['Observation without status', {resourceType: 'Observation', id: 'o2', text: TEXT, code: {text: 'heart rate'}}],
  ['Observation status not in value set', {resourceType: 'Observation', id: 'o3', text: TEXT, status: 'done', code: {text: 'heart rate'}}],
  ['Observation with two values', {resourceType: 'Observation', id: 'o4', text: TEXT, status: 'final', code: {text: 'x'}, valueString: 'a', valueBoolean: true}],
  ['valid Encounter', {resourceType: 'Encounter', id: 'e1', text: TEXT, status: 'finished', class: {system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB'}, period: {start: '2024-01-01T10:00:00Z', end: '2024-01-01T11:00:00Z'}}],
  ['Encounter without class', {resourceType: 'Encounter', id: 'e2', text: TEXT, status: 'finished'}],
  ['Encounter period backwards', {resourceType: 'Encounter', id: 'e3', text: TEXT, status: 'finished', class: {system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB'}, period: {start: '2024-01-02', end: '2024-01-01'}}],
  ['valid Condition', {resourceType: 'Condition', id: 'c1', text: TEXT, clinicalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active'}]}, code: {text: 'asthma'}, subject: {reference: 'Patient/syn-1'}}],
  ['Condition without subject', {resourceType: 'Condition', id: 'c2', text: TEXT, code: {text: 'asthma'}}],
  ['Condition clinicalStatus as text only (required binding)', {resourceType: 'Condition', id: 'c3t', text: TEXT, clinicalStatus: {text: 'active'}, subject: {reference: 'Patient/syn-1'}}],
  ['AllergyIntolerance verificationStatus as text only (required binding)', {resourceType: 'AllergyIntolerance', id: 'a3t', text: TEXT, verificationStatus: {text: 'confirmed'}, patient: {reference: 'Patient/syn-1'}}],
  ['Condition clinicalStatus not in value set', {resourceType: 'Condition', id: 'c3', text: TEXT, clinicalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'cured'}]}, subject: {reference: 'Patient/syn-1'}}],
  ['unknown resourceType', {resourceType: 'Patinet', id: 'x'}],
  // The required bindings HAPI checks by rule (mime types, UCUM, ISO 4217) and the LOINC list it cannot expand.
  ['valid Binary contentType with a parameter', {resourceType: 'Binary', id: 'b1', contentType: 'text/plain; charset=UTF-8'}],
  ['Binary contentType not a mime type (HAPI accepts; him warns)', {resourceType: 'Binary', id: 'b2', contentType: 'pdf'}],
  ['valid Money.currency', {resourceType: 'Invoice', id: 'i1', text: TEXT, status: 'draft', totalNet: {value: 10, currency: 'USD'}}],
  ['Money.currency lower case', {resourceType: 'Invoice', id: 'i2', text: TEXT, status: 'draft', totalNet: {value: 10, currency: 'usd'}}],
  ['Money.currency withdrawn (DEM)', {resourceType: 'Invoice', id: 'i3', text: TEXT, status: 'draft', totalNet: {value: 10, currency: 'DEM'}}],
  ['Observation valueQuantity not UCUM (mmHg)', {resourceType: 'Observation', id: 'o5', text: TEXT, status: 'final', code: {text: 'blood pressure'}, valueQuantity: {value: 120, system: 'http://unitsofmeasure.org', code: 'mmHg'}}],
  ['Observation valueQuantity prefix on a non-metric unit (kmin)', {resourceType: 'Observation', id: 'o6', text: TEXT, status: 'final', code: {text: 'x'}, valueQuantity: {value: 1, system: 'http://unitsofmeasure.org', code: 'kmin'}}],
  ['valid Observation valueQuantity mm[Hg]', {resourceType: 'Observation', id: 'o7', text: TEXT, status: 'final', code: {text: 'blood pressure'}, valueQuantity: {value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]'}}],
  ['valid unitOfMeasure (ucum-units)', {resourceType: 'RiskEvidenceSynthesis', id: 'r1', text: TEXT, status: 'draft', population: {reference: 'EvidenceVariable/p'}, outcome: {reference: 'EvidenceVariable/o'}, riskEstimate: {value: 0.2, unitOfMeasure: {coding: [{system: 'http://unitsofmeasure.org', code: '%'}]}}}],
  ['unitOfMeasure not UCUM (ucum-units)', {resourceType: 'RiskEvidenceSynthesis', id: 'r2', text: TEXT, status: 'draft', population: {reference: 'EvidenceVariable/p'}, outcome: {reference: 'EvidenceVariable/o'}, riskEstimate: {value: 0.2, unitOfMeasure: {coding: [{system: 'http://unitsofmeasure.org', code: 'percent'}]}}}],
  ['unitOfMeasure of another system (ucum-units)', {resourceType: 'RiskEvidenceSynthesis', id: 'r3', text: TEXT, status: 'draft', population: {reference: 'EvidenceVariable/p'}, outcome: {reference: 'EvidenceVariable/o'}, riskEstimate: {value: 0.2, unitOfMeasure: {coding: [{system: 'http://example.org/units', code: 'pct'}]}}}],
  ['unitOfMeasure text only (ucum-units)', {resourceType: 'RiskEvidenceSynthesis', id: 'r4', text: TEXT, status: 'draft', population: {reference: 'EvidenceVariable/p'}, outcome: {reference: 'EvidenceVariable/o'}, riskEstimate: {value: 0.2, unitOfMeasure: {text: 'percent'}}}],
  ['MolecularSequence variantType (LL379-9: HAPI cannot expand it, him does not check it)', {resourceType: 'MolecularSequence', id: 'm1', text: TEXT, coordinateSystem: 0, structureVariant: [{variantType: {coding: [{system: 'http://loinc.org', code: 'LA6692-3'}]}}]}],
]

export function corpus() {
  const out = []
  PATIENT_CHANGES.forEach(([label, change], i) => {
    const p = basePatient(i)
    change(p)
    out.push({label, resource: p})
  })
  for (const [label, r] of OTHER_RESOURCES) out.push({label, resource: clone(r)})
  return out
}
