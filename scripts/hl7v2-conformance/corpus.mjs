/**
 * SYNTHETIC HL7 v2 messages for the conformance run: a valid ADT^A01 and ORU^R01, then one planted problem each.
 * Every name, number and address is made up for himkit's tests; no real patient.
 */
const MSH = ({type = 'ADT^A01^ADT_A01', ctl = 'SYNCTL1', ver = '2.5.1', ts = '20240102030405'} = {}) =>
  `MSH|^~\\&|SYNAPP|SYNFAC|HIMKIT|HIMKIT|${ts}||${type}|${ctl}|P|${ver}`
const EVN = 'EVN|A01|20240102030405'
const PID = (f = {}) => {
  const v = {1: '1', 3: 'SYN9001^^^SYNHOSP^MR', 5: 'Synthetic^Avery^J', 7: '19620314', 8: 'F', 11: '12 Example Way^^Springfield^IL^62704', ...f}
  return 'PID|' + Array.from({length: 11}, (_, i) => v[i + 1] ?? '').join('|')
}
const PV1 = (cls = 'I') => `PV1|1|${cls}|WARD1^101^A`
const OBR = 'OBR|1||SYNLAB1|8867-4^Heart rate^LN|||20240102030405'
const OBX = (f = {}) => {
  const v = {1: '1', 2: 'NM', 3: '8867-4^Heart rate^LN', 5: '72', 6: '/min', 11: 'F', 14: '20240102030405', ...f}
  return 'OBX|' + Array.from({length: 14}, (_, i) => v[i + 1] ?? '').join('|')
}
const adt = (o = {}) => [MSH(o.msh), o.evn ?? EVN, o.pid === null ? null : PID(o.pid), o.pv1 === null ? null : (o.pv1 ?? PV1())].filter(Boolean).join('\r')
const oru = (o = {}) => [MSH({type: 'ORU^R01^ORU_R01', ...o.msh}), PID(o.pid), o.obr === null ? null : OBR, OBX(o.obx)].filter(Boolean).join('\r')

/** @returns {{label: string, text: string}[]} */
export function corpus() {
  return [
    {label: 'synthetic: valid ADT^A01', text: adt()},
    {label: 'synthetic: valid ORU^R01', text: oru()},
    {label: 'synthetic: valid ADT^A04 naming its event as MSH-9.3 (ADT_A04)', text: adt({msh: {type: 'ADT^A04^ADT_A04'}})},
    {label: 'synthetic: valid DTM to the hour (PID-7 YYYYMMDDHH)', text: adt({pid: {7: '1962031412'}})},
    {label: 'synthetic: valid DTM with fraction and offset (MSH-7)', text: adt({msh: {ts: '20240102030405.1234+0100'}})},
    {label: 'synthetic: missing MSH-10', text: adt({msh: {ctl: ''}})},
    {label: 'synthetic: missing MSH-12', text: adt({msh: {ver: ''}})},
    {label: 'synthetic: bad DTM in PID-7 (1962-03-14)', text: adt({pid: {7: '1962-03-14'}})},
    {label: 'synthetic: bad DTM in MSH-7 (month 13)', text: adt({msh: {ts: '20241302030405'}})},
    {label: 'synthetic: DTM not a real day in PID-7 (Feb 30)', text: adt({pid: {7: '19620230'}})},
    {label: 'synthetic: PID-8 not in table 0001 (X)', text: adt({pid: {8: 'X'}})},
    {label: 'synthetic: PV1-2 not in table 0004 (Z)', text: adt({pv1: PV1('Z')})},
    {label: 'synthetic: ADT^A01 without PID', text: adt({pid: null})},
    {label: 'synthetic: ADT^A01 without PV1', text: adt({pv1: null})},
    {label: 'synthetic: ADT^A03 without EVN', text: adt({msh: {type: 'ADT^A03^ADT_A03'}, evn: ''})},
    {label: 'synthetic: ORU^R01 without OBR', text: oru({obr: null})},
    {label: 'synthetic: missing PID-3', text: adt({pid: {3: ''}})},
    {label: 'synthetic: missing PID-5', text: adt({pid: {5: ''}})},
    {label: 'synthetic: missing PV1-2', text: adt({pv1: 'PV1|1||WARD1^101^A'})},
    {label: 'synthetic: CX.8 expiration date not a date (PID-3)', text: adt({pid: {3: 'SYN9001^^^SYNHOSP^MR^^^NOTADATE'}})},
    {label: 'synthetic: OBX-5 not a number with OBX-2 NM', text: oru({obx: {5: '7O'}})},
    {label: 'synthetic: OBX-11 missing', text: oru({obx: {11: ''}})},
    {label: 'synthetic: over-long MSH-10 (27 characters)', text: adt({msh: {ctl: 'SYNCTL' + 'X'.repeat(21)}})},
    {label: 'synthetic: over-long PID-8 (Female)', text: adt({pid: {8: 'Female'}})},
  ]
}
