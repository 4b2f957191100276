import {type FindingsReport} from './findings-report.js'

/** Findings embedded in the HTML file for the drill-down; past this the report says how many were left out. */
export const HTML_FINDINGS_LIMIT = 20_000

const esc = (s: string | number | undefined) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
const n = (x: number) => x.toLocaleString('en-US')
const pct = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 10)

/** JSON safe inside <script>: no `</script>`, no `<!--`, no line separators. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')

/**
 * A self-contained HTML report (one file, no network, no external fonts or scripts): summary cards, findings
 * by rule, field completeness as a bar chart, the worst records, and a drill-down from rule to record to
 * finding. Every value from the data is escaped, or set with textContent by the page's script.
 */
export function renderFindingsHtml(r: FindingsReport): string {
  const c = r.counts
  const kept = r.findings.slice(0, HTML_FINDINGS_LIMIT)
  const leftOut = r.findings.length - kept.length + r.findingsOmitted
  const maxRule = Math.max(1, ...r.byRule.map((b) => b.count))
  const cards = [
    ['Records', n(r.records), 'neutral'],
    ['Errors', n(c.error), c.error ? 'error' : 'ok'],
    ['Warnings', n(c.warning), c.warning ? 'warning' : 'ok'],
    ['Info', n(c.info), 'info'],
    ['Records with errors', `${n(r.recordsWithErrors)} <small>(${pct(r.recordsWithErrors, r.records)}%)</small>`, r.recordsWithErrors ? 'error' : 'ok'],
    ['Records with warnings', `${n(r.recordsWithWarnings)} <small>(${pct(r.recordsWithWarnings, r.records)}%)</small>`, r.recordsWithWarnings ? 'warning' : 'ok'],
  ]
  const files = r.inputs
    .map((i) => `<li><code>${esc(i.file)}</code> — ${esc(i.format)}${i.mapping ? `, mapping ${esc(i.mapping)}` : ''}, ${n(i.records)} records${i.error ? ` <span class="sev error">${esc(i.error.message)}</span>` : ''}</li>`)
    .join('')
  const opts = Object.entries(r.options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${esc(k)}: <b>${esc(String(v))}</b>`)
    .join(' · ')

  const ruleRows = r.byRule
    .map(
      (b) => `<tr data-rule="${esc(b.rule)}" tabindex="0" title="Show the records with this finding">
<td><span class="sev ${b.severity}">${b.severity}</span></td><td><code>${esc(b.rule)}</code></td><td>${esc(b.description)}</td>
<td class="num">${n(b.count)}</td><td class="barcell"><div class="bar ${b.severity}" style="width:${((b.count / maxRule) * 100).toFixed(1)}%"></div></td></tr>`,
    )
    .join('')

  // One group per file (CSV) or per file and record kind (FHIR resource type, HL7 message type).
  const formatOf = new Map(r.inputs.map((i) => [i.file, i.format]))
  const groups = new Map<string, typeof r.completeness>()
  for (const x of r.completeness) {
    const g = formatOf.get(x.file) === 'csv' || !x.role ? x.file : `${x.file} — ${x.role}`
    if (!groups.has(g)) groups.set(g, [])
    groups.get(g)!.push(x)
  }
  const compl = [...groups]
    .map(([g, rows]) => {
      const head = groups.size > 1 ? `<h3>${esc(g)} <small>${n(rows[0].total)} record${rows[0].total === 1 ? '' : 's'}</small></h3>` : ''
      return (
        head +
        rows
          .map((x) => {
            const p = pct(x.filled, x.total)
            const level = !x.required ? 'optional' : p >= 99.95 ? 'ok' : p >= 90 ? 'warning' : 'error'
            return `<div class="crow"><div class="clabel" title="${esc(x.role ?? '')}">${esc(x.field)}${x.required ? ' <small>required</small>' : ''}</div>
<div class="ctrack"><div class="cfill ${level}" style="width:${p}%"></div></div><div class="cval">${p}%</div></div>`
          })
          .join('')
      )
    })
    .join('')

  const worst = r.worst
    .slice(0, 20)
    .map((w) => `<tr data-rec="${esc(`${w.file}#${w.record ?? w.line}`)}" tabindex="0"><td><code>${esc(w.file)}</code></td><td class="num">${w.line ?? ''}</td><td class="num">${w.record ?? ''}</td><td class="num">${n(w.errors)}</td><td class="num">${n(w.warnings)}</td></tr>`)
    .join('')

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(r.title)}</title>
<style>
:root{--err:#c62828;--warn:#b26a00;--info:#1565c0;--ok:#2e7d32;--bg:#f6f7f9;--card:#fff;--line:#e3e6ea;--text:#1d2430;--muted:#5d6776}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:var(--bg);color:var(--text)}
header{background:#1f2d3d;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header .meta{color:#c9d3de;font-size:12.5px}
main{max-width:1200px;margin:0 auto;padding:20px 28px 60px}section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 12px}ul.files{margin:0;padding-left:18px;color:var(--muted)}code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:16px 0}
.card{background:var(--card);border:1px solid var(--line);border-left:5px solid #90a4ae;border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:26px;font-weight:650;margin-top:2px}.card small{font-size:13px;color:var(--muted);font-weight:400}
.card.error{border-left-color:var(--err)}.card.warning{border-left-color:var(--warn)}.card.ok{border-left-color:var(--ok)}.card.info{border-left-color:var(--info)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr[data-rule],tr[data-rec]{cursor:pointer}tr[data-rule]:hover,tr[data-rec]:hover,tr.sel{background:#eef3fb}
.barcell{width:22%}.bar{height:10px;border-radius:5px;min-width:2px}.bar.error{background:var(--err)}.bar.warning{background:var(--warn)}.bar.info{background:var(--info)}
.sev{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11.5px;font-weight:600;color:#fff}.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}.sev.info{background:var(--info)}
.crow{display:grid;grid-template-columns:260px 1fr 56px;gap:10px;align-items:center;margin:5px 0}.clabel{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.clabel small{color:var(--muted)}
.ctrack{background:#eceff3;border-radius:5px;height:14px;overflow:hidden}.cfill{height:100%}.cfill.ok{background:var(--ok)}.cfill.optional{background:#78909c}.cfill.warning{background:#e0a100}.cfill.error{background:var(--err)}.cval{text-align:right;font-variant-numeric:tabular-nums;color:var(--muted)}
.controls{display:flex;gap:10px;flex-wrap:wrap;align-items:center;margin-bottom:10px}.controls select,.controls input{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px}
.controls button{font:inherit;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}.muted{color:var(--muted)}
details.rec{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:#fff}details.rec>summary{padding:7px 10px;cursor:pointer;display:flex;gap:10px;align-items:center}
details.rec[open]>summary{border-bottom:1px solid var(--line)}details.rec table{margin:0}details.rec td{font-size:13px}.pill{font-size:12px;color:var(--muted)}
.note{background:#fff8e1;border:1px solid #ffe082;border-radius:6px;padding:8px 10px;margin:8px 0}
h3{font-size:13.5px;margin:14px 0 6px;color:var(--muted);font-weight:600}h3 small{font-weight:400}
@media print{.controls{display:none}details.rec{break-inside:avoid}}
</style></head>
<body><header><h1>${esc(r.title)}</h1><div class="meta">${esc(r.tool)} · ${esc(r.generatedAt)} · ${opts}</div></header>
<main>
<div class="cards">${cards.map(([k, v, cls]) => `<div class="card ${cls}"><div class="k">${k}</div><div class="v">${v}</div></div>`).join('')}</div>
<section><h2>Files</h2><ul class="files">${files}</ul></section>
<section id="rules"><h2>Findings by rule</h2>${r.byRule.length ? `<table><thead><tr><th>Severity</th><th>Rule</th><th>What it means</th><th class="num">Count</th><th></th></tr></thead><tbody>${ruleRows}</tbody></table><p class="muted">Click a rule to see its records below.</p>` : '<p>No findings: every record passed every rule.</p>'}</section>
${r.completeness.length ? `<section id="completeness"><h2>Field completeness</h2><p class="muted">Share of records with a value in each field. Required fields are green when full, amber or red when records lack them; optional fields are grey.</p>${compl}</section>` : ''}
${worst ? `<section id="worst"><h2>Worst records</h2><table><thead><tr><th>File</th><th class="num">Line</th><th class="num">Record</th><th class="num">Errors</th><th class="num">Warnings</th></tr></thead><tbody>${worst}</tbody></table></section>` : ''}
<section id="drill"><h2>Records with findings</h2>
${leftOut > 0 ? `<div class="note">This page holds the first ${n(kept.length)} findings; ${n(leftOut)} more are counted above but not listed. The JSON and CSV reports list every finding.</div>` : ''}
<div class="controls"><label>Severity <select id="fsev"><option value="">all</option><option>error</option><option>warning</option><option>info</option></select></label>
<label>Rule <select id="frule"><option value="">all</option>${r.byRule.map((b) => `<option>${esc(b.rule)}</option>`).join('')}</select></label>
<label>Find <input id="ftext" placeholder="file, line, column, message"></label><button id="fclear">Clear</button><span id="fcount" class="muted"></span></div>
<div id="recs"></div><button id="more" hidden>Show more records</button></section>
</main>
<script id="findings" type="application/json">${scriptJson(kept)}</script>
<script>
(function(){
var F=JSON.parse(document.getElementById('findings').textContent);var PAGE=100;var shown=PAGE;
var $=function(id){return document.getElementById(id)};
function key(f){var l=f.location;return l.file+'#'+(l.record!=null?l.record:(l.line!=null?l.line:''))}
function where(l){return l.column!=null?'column '+l.column:(l.expression||l.path||'')}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e}
function render(){
  var sev=$('fsev').value,rule=$('frule').value,q=$('ftext').value.toLowerCase();
  var groups=new Map();
  F.forEach(function(f){
    if(sev&&f.severity!==sev)return;if(rule&&f.rule!==rule)return;
    if(q){var l=f.location;var hay=[l.file,l.line,l.record,where(l),f.message,f.rule].join(' ').toLowerCase();if(hay.indexOf(q)<0)return}
    var k=key(f);if(!groups.has(k))groups.set(k,[]);groups.get(k).push(f)});
  var box=$('recs');box.textContent='';var i=0;
  groups.forEach(function(fs,k){
    if(i++>=shown)return;var l=fs[0].location;var d=el('details','rec');d.dataset.rec=k;var s=el('summary');
    var e=fs.filter(function(f){return f.severity==='error'}).length,w=fs.filter(function(f){return f.severity==='warning'}).length;
    s.appendChild(el('code',null,l.file+(l.line!=null?':line '+l.line:'')+(l.record!=null?' (record '+l.record+')':'')));
    if(e)s.appendChild(el('span','sev error',e+' error'+(e>1?'s':'')));if(w)s.appendChild(el('span','sev warning',w+' warning'+(w>1?'s':'')));
    s.appendChild(el('span','pill',fs.map(function(f){return f.rule}).filter(function(v,j,a){return a.indexOf(v)===j}).join(', ')));
    d.appendChild(s);var t=el('table');var hasV=fs.some(function(f){return f.value!==undefined});
    var hr=el('tr');['Severity','Where','Finding','Rule'].concat(hasV?['Value']:[]).forEach(function(h){hr.appendChild(el('th',null,h))});t.appendChild(hr);
    fs.forEach(function(f){var tr=el('tr');var td=el('td');td.appendChild(el('span','sev '+f.severity,f.severity));tr.appendChild(td);
      tr.appendChild(el('td',null,where(f.location)));tr.appendChild(el('td',null,f.message));var rc=el('td');rc.appendChild(el('code',null,f.rule));tr.appendChild(rc);
      if(hasV)tr.appendChild(el('td',null,f.value===undefined?'':JSON.stringify(f.value)));t.appendChild(tr)});
    d.appendChild(t);box.appendChild(d)});
  $('fcount').textContent=groups.size+' record'+(groups.size===1?'':'s');$('more').hidden=groups.size<=shown;
}
['fsev','frule'].forEach(function(id){$(id).addEventListener('change',function(){shown=PAGE;render()})});
$('ftext').addEventListener('input',function(){shown=PAGE;render()});
$('fclear').addEventListener('click',function(){$('fsev').value='';$('frule').value='';$('ftext').value='';shown=PAGE;render()});
$('more').addEventListener('click',function(){shown+=PAGE;render()});
function pick(e){var tr=e.target.closest('tr');if(!tr)return;
  if(tr.dataset.rule){$('frule').value=tr.dataset.rule;$('ftext').value='';shown=PAGE;render();$('drill').scrollIntoView({behavior:'smooth'})}
  else if(tr.dataset.rec){$('frule').value='';$('fsev').value='';$('ftext').value='';shown=1e9;render();var d=document.querySelector('details[data-rec="'+CSS.escape(tr.dataset.rec)+'"]');if(d){d.open=true;d.scrollIntoView({behavior:'smooth'})}}}
document.querySelectorAll('#rules tbody, #worst tbody').forEach(function(tb){tb.addEventListener('click',pick);tb.addEventListener('keydown',function(e){if(e.key==='Enter')pick(e)})});
render();var first=document.querySelector('details.rec');if(first)first.open=true;
})();
</script></body></html>
`
}
