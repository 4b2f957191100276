/**
 * `him dedupe` end to end: read the inputs, run the engine, let a person review (through a callback, so the
 * terminal UI stays out of here), write pairs, clusters, the review queue and golden records, and return a
 * summary that holds counts and file names, never record values.
 */
import {readFile, stat} from 'node:fs/promises'
import {basename, dirname, extname, join} from 'node:path'

import {configError, HimError, usageError} from '../cli/errors.js'
import {ExitCode} from '../cli/exit-codes.js'
import {compileFromFhir, type MappingContext, type Patient} from '../formats/csv/mapping/patient-mapping.js'
import {type Mapping} from '../formats/csv/mapping/schema.js'
import {type CsvEncoding, readCsv} from '../formats/csv/reader.js'
import {csvLine} from '../formats/csv/writer.js'
import {bundleWriter, ndjsonWriter} from '../formats/fhir/writer.js'
import {Sink} from '../io/sink.js'
import {openSource} from '../io/source.js'
import {RejectSink} from '../records/reject-sink.js'
import {formatLocation, type Reject} from '../records/types.js'
import {DEFAULT_RULES} from './blocking.js'
import {COMPARISONS} from './compare.js'
import {DEFAULT_OPTIONS, type Decision, type DedupeOptions, type DedupeResult, dedupeRecords} from './engine.js'
import {type ModelShape, modelFileText, parseModelFile, type SavedModel} from './model-file.js'
import {type InputRecord, readInputs, type InputFile} from './read-input.js'
import {decisionKey, explanationText, parseDecisions, reviewQueueCsv, type ReviewItem, reviewView} from './review-queue.js'
import {loadDedupeSettings} from './settings.js'
import {goldenRecord, replacedRecord, withSeeAlso} from './survivorship.js'

export interface DedupeFilesOptions {
  inputs: string[]
  linkTo?: string
  from: 'auto' | 'csv' | 'fhir' | 'hl7'
  mapping?: Mapping
  mappingCtx: MappingContext
  encoding?: CsvEncoding
  output?: string
  pairs?: string
  clusters?: string
  decisions?: string
  rejects?: string
  /** --review was given. */
  review: boolean
  /** Engine options from flags (undefined = not given); they override the --settings file. */
  engine: Partial<DedupeOptions>
  settings?: string
  /** --model: a saved model to use instead of estimating one when the file exists; else the run's model is saved there. */
  model?: string
  onStage?: (stage: string) => void
  /** Interactive review (a TTY): shown the undecided doubtful pairs, returns what the person decided. */
  reviewer?: (items: ReviewItem[]) => Promise<Decision[]>
  /** The inputs were fetched from this FHIR server (dedupe --endpoint): keys are `Patient/<id>`, locations URLs. */
  serverBase?: string
  /** Given the final result (after review) and its records, before anything is written: dedupe --endpoint plans merges from it. */
  onResult?: (result: DedupeResult, records: InputRecord[]) => void
}

export interface DedupeSummary {
  files: Array<Omit<InputFile, 'header' | 'mapping'> & {mapping?: string}>
  counts: {in: number; used: number; skipped: number; rejected: number}
  rejectsFile?: string
  blocking: DedupeResult['blocking']
  model: {source: 'estimated' | 'file'; file?: string; reviewerDecisions?: {same: number; different: number}; lambda: number; candidateMatchShare: number; emIterations: number; fields: Array<{field: string; levels: Array<{level: string; m: number; u: number; weight: number}>}>}
  pairs: {matches: number; review: number; decidedByReviewer: number}
  clusters: {merged: number; recordsInMerged: number; oversized: number; total: number}
  /** Two-file linkage (--link-to): groups are linked, not merged. */
  linkage: boolean
  reviewQueue?: {file: string; pending: number}
  reviewed?: number
  outputs: Record<string, string>
  exitCode: number
  durationMs: number
  /** Time spent in each stage (reading, standardizing, blocking, ...), in ms. */
  stageMs: Record<string, number>
}

const isJson = (f: string) => /\.json$/i.test(f)

async function loadDecisions(file: string | undefined): Promise<Decision[]> {
  if (!file) return []
  try {
    await stat(file)
  } catch {
    return []
  }
  const text = await readFile(file, 'utf8')
  let rows: string[][] | undefined
  if (!text.trimStart().startsWith('[')) {
    rows = []
    for await (const item of readCsv(await openSource(file))) {
      if ('header' in item) rows.push(item.header)
      else for (const r of item) if (r.ok) rows.push(r.value)
    }
  }
  const {decisions, problems} = parseDecisions(text, file, rows)
  if (problems.length)
    throw new HimError(problems[0] + (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''), {code: 'DEDUPE_DECISIONS', exit: ExitCode.DATA})
  return decisions
}

/** The --model file when it exists (undefined: estimate, then save there); one that does not fit this run is exit 78. */
async function loadModel(file: string, shape: ModelShape): Promise<SavedModel | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw configError(`${file}: cannot read the model file (${code ?? 'error'})`)
  }
  return parseModelFile(text, file, shape, COMPARISONS)
}

function reviewItems(result: DedupeResult, records: InputRecord[]): ReviewItem[] {
  return result.pairs
    .filter((p) => p.decision === 'review')
    .sort((x, y) => y.probability - x.probability)
    .map((p) => ({
      a: records[p.a].key,
      b: records[p.b].key,
      probability: p.probability,
      reasons: p.reasons,
      explanation: result.explain(p.a, p.b),
      left: reviewView(records[p.a].patient),
      right: reviewView(records[p.b].patient),
      locationA: formatLocation(records[p.a].loc),
      locationB: formatLocation(records[p.b].loc),
    }))
}

export async function dedupeFiles(opts: DedupeFilesOptions): Promise<DedupeSummary> {
  const started = Date.now()
  const stageMs: Record<string, number> = {}
  let stage = ''
  let stageStart = started
  const onStage = (next: string) => {
    const now = Date.now()
    if (stage) stageMs[stage] = (stageMs[stage] ?? 0) + now - stageStart
    stage = next
    stageStart = now
    opts.onStage?.(next)
  }
  if (opts.output && opts.output !== '-' && !/\.(csv|json|ndjson)$/i.test(opts.output))
    throw usageError(`-o ${opts.output}: name it .csv, .json (FHIR Bundle) or .ndjson`)
  onStage('reading')
  const inputs = [...opts.inputs.map((path) => ({path, side: 0, serverBase: opts.serverBase})), ...(opts.linkTo ? [{path: opts.linkTo, side: 1}] : [])]
  const {records, rejects, files} = await readInputs({inputs, from: opts.from, mapping: opts.mapping, mappingCtx: opts.mappingCtx, encoding: opts.encoding})
  if (opts.output?.toLowerCase().endsWith('.csv') && files.some((f) => f.format !== 'csv'))
    throw usageError('CSV golden output needs CSV input (it keeps the input\'s columns); write .json or .ndjson')
  if (opts.output?.toLowerCase().endsWith('.csv') && new Set(files.map((f) => JSON.stringify(f.header))).size > 1)
    throw usageError('CSV golden output keeps the input\'s columns, and the inputs have different columns; write .json or .ndjson')
  let decisions = await loadDecisions(opts.decisions)
  const fromFile = opts.settings ? await loadDedupeSettings(opts.settings) : {}
  const given = Object.fromEntries(Object.entries(opts.engine).filter(([, v]) => v !== undefined))
  const engineOpts: Partial<DedupeOptions> = {...fromFile, ...given, linkOnly: Boolean(opts.linkTo), onProgress: onStage}
  const shape: ModelShape = {
    ignore: engineOpts.ignore ?? [],
    blocking: {rules: (engineOpts.rules ?? DEFAULT_RULES).map((r) => r.name), blockCap: engineOpts.blockCap ?? DEFAULT_OPTIONS.blockCap},
    linkage: Boolean(opts.linkTo),
  }
  const savedModel = opts.model ? await loadModel(opts.model, shape) : undefined
  if (savedModel) engineOpts.model = savedModel
  let result = dedupeRecords(records, {...engineOpts, decisions})
  const outputs: Record<string, string> = {}
  let reviewed: number | undefined
  let reviewQueue: DedupeSummary['reviewQueue']

  if (opts.review) {
    const decided = new Map(decisions.map((d) => [decisionKey(d.a, d.b), d.decision]))
    const pending = reviewItems(result, records).filter((it) => !decided.has(decisionKey(it.a, it.b)))
    if (opts.reviewer) {
      const fresh = pending.length ? await opts.reviewer(pending) : []
      reviewed = fresh.length
      if (fresh.length) {
        decisions = [...decisions, ...fresh]
        result = dedupeRecords(records, {...engineOpts, decisions})
      }
    }
    // The queue file: every doubtful pair, with the decisions taken so far; a person fills in the rest.
    const file = opts.decisions ?? join(dirname(opts.inputs[0] === '-' ? '.' : opts.inputs[0]), `${basename(opts.inputs[0] === '-' ? 'stdin' : opts.inputs[0], extname(opts.inputs[0]))}.review.csv`)
    const nowDecided = new Map(decisions.map((d) => [decisionKey(d.a, d.b), d.decision]))
    const items = reviewItems(result, records)
    // Pairs already decided stay in the file with their decision, so they are never asked again.
    const decidedItems = reviewItems({...result, pairs: result.pairs.filter((p) => p.decidedBy).map((p) => ({...p, decision: 'review' as const}))}, records)
    const queue: ReviewItem[] = [...decidedItems, ...items]
    const sink = await Sink.open(file)
    await sink.write(reviewQueueCsv(queue, nowDecided))
    await sink.commit()
    outputs.decisions = file
    reviewQueue = {file, pending: items.filter((it) => !nowDecided.has(decisionKey(it.a, it.b))).length}
  }

  opts.onResult?.(result, records)
  onStage('writing')
  const clusterOf = new Int32Array(records.length)
  result.clusters.forEach((c, ci) => c.members.forEach((m) => (clusterOf[m] = ci)))
  if (opts.pairs) {
    outputs.pairs = opts.pairs
    await writePairs(opts.pairs, result, records)
  }
  if (opts.model && !savedModel) {
    // The model as this run estimated it, reviewer decisions included (they enter the EM as labelled pairs).
    const sink = await Sink.open(opts.model)
    await sink.write(modelFileText(result.model, shape, result.priorBasis))
    await sink.commit()
    outputs.model = opts.model
  }
  if (opts.clusters) {
    outputs.clusters = opts.clusters
    await writeClusters(opts.clusters, result, records)
  }
  if (opts.output) {
    outputs.golden = opts.output
    await writeGolden(opts.output, result, records, files, opts.mappingCtx, Boolean(opts.linkTo))
  }
  let rejectsFile: string | undefined
  if (rejects.length) {
    rejectsFile = opts.rejects ?? (opts.output && opts.output !== '-' ? `${opts.output}.rejects.ndjson` : 'him-rejects.ndjson')
    const rs = new RejectSink(rejectsFile)
    for (const r of rejects as Reject[]) await rs.write(r)
    await rs.close()
  }
  const merged = result.clusters.filter((c) => c.members.length > 1 && !c.oversized)
  onStage('')
  const skipped = files.reduce((t, f) => t + f.skipped, 0)
  return {
    files: files.map(({header: _h, mapping, ...f}) => ({...f, mapping: mapping?.name})),
    counts: {in: records.length + skipped + rejects.length, used: records.length, skipped, rejected: rejects.length},
    rejectsFile,
    blocking: result.blocking,
    model: {
      source: savedModel ? 'file' : 'estimated',
      file: opts.model,
      reviewerDecisions: savedModel ? undefined : result.model.labelled,
      lambda: result.model.lambda,
      candidateMatchShare: result.model.candidateMatchShare,
      emIterations: result.model.emIterations,
      fields: result.model.fields.map((field, k) => ({
        field,
        levels: result.model.levels[k].map((level, l) => ({level, m: result.model.m[k][l], u: result.model.u[k][l], weight: Math.log2(result.model.m[k][l] / result.model.u[k][l])})),
      })),
    },
    pairs: {matches: result.counts.matches, review: result.counts.review, decidedByReviewer: result.pairs.filter((p) => p.decidedBy).length},
    clusters: {merged: merged.length, recordsInMerged: merged.reduce((s, c) => s + c.members.length, 0), oversized: result.counts.oversized, total: result.clusters.length},
    linkage: Boolean(opts.linkTo),
    reviewQueue,
    reviewed,
    outputs,
    exitCode: rejects.length ? ExitCode.REJECTS : ExitCode.OK,
    durationMs: Date.now() - started,
    stageMs,
  }
}

async function writePairs(file: string, result: DedupeResult, records: InputRecord[]): Promise<void> {
  const sink = await Sink.open(file)
  const rows = result.pairs.filter((p) => p.decision !== 'non-match' || p.decidedBy)
  if (isJson(file)) {
    sink.push('[')
    rows.forEach((p, i) => {
      const e = result.explain(p.a, p.b)
      sink.push(`${i ? ',' : ''}\n${JSON.stringify({a: records[p.a].key, b: records[p.b].key, probability: p.probability, weight: e.totalWeight, decision: p.decision, reasons: p.reasons, decidedBy: p.decidedBy, explanation: e})}`)
    })
    sink.push('\n]\n')
  } else {
    sink.push(csvLine(['record_a', 'record_b', 'location_a', 'location_b', 'probability', 'weight', 'decision', 'reasons', 'explanation']))
    for (const p of rows) {
      const e = result.explain(p.a, p.b)
      sink.push(csvLine([records[p.a].key, records[p.b].key, formatLocation(records[p.a].loc), formatLocation(records[p.b].loc), p.probability.toFixed(6), String(e.totalWeight), p.decidedBy ? `${p.decision} (reviewer)` : p.decision, p.reasons.join('; '), explanationText(e)]))
      await sink.flushIfFull()
    }
  }
  await sink.commit()
}

async function writeClusters(file: string, result: DedupeResult, records: InputRecord[]): Promise<void> {
  const sink = await Sink.open(file)
  if (isJson(file)) {
    const out = result.clusters.filter((c) => c.members.length > 1).map((c) => ({cluster: c.id, oversized: c.oversized || undefined, records: c.members.map((m) => records[m].key)}))
    sink.push(JSON.stringify(out, null, 1) + '\n')
  } else {
    sink.push(csvLine(['record', 'cluster_id', 'cluster_size', 'merged', 'location']))
    for (const c of result.clusters) {
      for (const m of c.members) sink.push(csvLine([records[m].key, c.id, String(c.members.length), c.members.length > 1 && !c.oversized ? 'yes' : 'no', formatLocation(records[m].loc)]))
      await sink.flushIfFull()
    }
  }
  await sink.commit()
}

/**
 * Golden output. Deduplication merges (golden record, replaces / replaced-by); linkage (--link-to) links records of
 * two systems without merging them: every record is written as it was, with seealso links to the records it matches
 * (CSV: each row with the id of its link group).
 */
async function writeGolden(file: string, result: DedupeResult, records: InputRecord[], files: InputFile[], ctx: MappingContext, linkOnly: boolean): Promise<void> {
  const sink = await Sink.open(file)
  const seeAlso = new Map<number, string[]>()
  for (const p of result.pairs) {
    if (p.decision !== 'review') continue
    seeAlso.set(p.a, [...(seeAlso.get(p.a) ?? []), records[p.b].patient.id ?? records[p.b].key])
    seeAlso.set(p.b, [...(seeAlso.get(p.b) ?? []), records[p.a].patient.id ?? records[p.a].key])
  }
  const recency = (i: number): [string, number] => [records[i].updated ?? '', i]
  if (file.toLowerCase().endsWith('.csv')) {
    const first = files.find((f) => f.format === 'csv' && f.side === 0)!
    const header = first.header!
    const rev = compileFromFhir(first.mapping!, ctx)
    const colOf = new Map(rev.header.map((h, i) => [h.trim().toLowerCase(), i]))
    sink.push(csvLine([...header, 'cluster_id', 'cluster_size']))
    for (const c of result.clusters) {
      const survivorIdx = c.members.find((m) => records[m].key === c.id) ?? c.members[0]
      let cells = records[survivorIdx].cells ?? header.map(() => '')
      if (linkOnly) {
        for (const m of c.members) sink.push(csvLine([...(records[m].cells ?? cells), c.id, String(c.members.length)]))
      } else if (c.members.length > 1 && !c.oversized) {
        const {golden} = goldenRecord(c.members.map((m) => ({key: records[m].key, patient: records[m].patient, recency: recency(m)})), c.id)
        const mapped = rev.fromPatient(golden)
        cells = header.map((h, i) => {
          const j = colOf.get(h.trim().toLowerCase())
          return j === undefined ? cells[i] : mapped[j] ?? ''
        })
        sink.push(csvLine([...cells, c.id, String(c.members.length)]))
      } else for (const m of c.members) sink.push(csvLine([...(records[m].cells ?? cells), c.oversized ? c.id : records[m].key, '1']))
      await sink.flushIfFull()
    }
    await sink.commit()
    return
  }
  const writer = file.toLowerCase().endsWith('.ndjson') || file === '-' ? ndjsonWriter(sink) : bundleWriter(sink, 'collection')
  for (const c of result.clusters) {
    if (linkOnly) {
      for (const m of c.members) {
        const others = c.members.filter((x) => x !== m).map((x) => records[x].patient.id ?? records[x].key)
        writer.write(withSeeAlso(records[m].patient as Patient, [...others, ...(seeAlso.get(m) ?? [])]) as never)
      }
    } else if (c.members.length > 1 && !c.oversized) {
      const {golden} = goldenRecord(c.members.map((m) => ({key: records[m].key, patient: records[m].patient, recency: recency(m)})), c.id)
      writer.write(golden as never)
      for (const m of c.members) if (records[m].key !== c.id) writer.write(replacedRecord(records[m].patient, golden.id!) as never)
    } else for (const m of c.members) writer.write(withSeeAlso(records[m].patient as Patient, seeAlso.get(m) ?? []) as never)
    await sink.flushIfFull()
  }
  await writer.close()
  await sink.commit()
}
