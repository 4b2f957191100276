/**
 * Decide and cluster: each pair is a match (at or above the auto threshold), a pair for review (between the
 * thresholds) or not a match; some pairs go to review whatever their score. Clusters are the connected components
 * of the match edges, added strongest first and never joining two groups that hold a known non-match (a reviewer's
 * "not the same", or a pair scored as a strong non-match): so a chain is split at its weak edge.
 */
import {maxWeightAssignment} from './assignment.js'

export type PairDecision = 'match' | 'review' | 'non-match'

export interface ClusterInputPair {
  a: number
  b: number
  probability: number
  decision: PairDecision
}

export interface Cluster {
  /** The id of the cluster's oldest record: stable across runs while that record is there. */
  id: string
  members: number[]
  /** Too large to merge without a person looking: its pairs go to review and it is not merged. */
  oversized: boolean
}

export interface ClusterOptions {
  /** Record count. */
  n: number
  /** Pairs known not to be the same person (reviewer decisions, strong non-matches). */
  cannotLink: Array<[number, number]>
  /** Sort key of each record: lower is older. */
  age: (index: number) => [string, number]
  idOf: (index: number) => string
  maxClusterSize: number
}

export function clusterPairs(pairs: ClusterInputPair[], opts: ClusterOptions): Cluster[] {
  const parent = new Int32Array(opts.n)
  for (let i = 0; i < opts.n; i++) parent[i] = i
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]]
      x = parent[x]
    }
    return x
  }
  // Non-links per root, merged as roots merge.
  const cannot = new Map<number, Set<number>>()
  for (const [x, y] of opts.cannotLink) {
    if (!cannot.has(x)) cannot.set(x, new Set())
    if (!cannot.has(y)) cannot.set(y, new Set())
    cannot.get(x)!.add(y)
    cannot.get(y)!.add(x)
  }
  const forbids = (set: Set<number> | undefined, root: number) => {
    if (!set) return false
    for (const x of set) if (find(x) === root) return true
    return false
  }
  const edges = pairs.filter((p) => p.decision === 'match').sort((p, q) => q.probability - p.probability)
  for (const e of edges) {
    const ra = find(e.a)
    const rb = find(e.b)
    if (ra === rb) continue
    const ca = cannot.get(ra)
    const cb = cannot.get(rb)
    if (forbids(ca, rb) || forbids(cb, ra)) continue
    parent[rb] = ra
    if (cb) {
      const merged = ca ?? new Set<number>()
      for (const x of cb) merged.add(x)
      cannot.set(ra, merged)
      cannot.delete(rb)
    }
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < opts.n; i++) {
    const r = find(i)
    const g = groups.get(r)
    if (g) g.push(i)
    else groups.set(r, [i])
  }
  const older = (x: number, y: number) => {
    const [dx, ox] = opts.age(x)
    const [dy, oy] = opts.age(y)
    return dx < dy || (dx === dy && ox < oy) ? x : y
  }
  const clusters: Cluster[] = []
  for (const members of groups.values()) {
    const oldest = members.reduce(older)
    clusters.push({id: opts.idOf(oldest), members, oversized: members.length > opts.maxClusterSize})
  }
  return clusters
}

export interface OneToOnePair extends ClusterInputPair {
  /** The pair's match weight (log2 of its posterior odds); from the probability when absent. */
  weight?: number
  /** A person decided the pair. */
  decidedBy?: string
}

/** Above this many records on one side, a connected group is linked greedily: the assignment is cubic. */
export const MAX_ASSIGNMENT_SIDE = 400

/**
 * One-to-one linkage: each record keeps at most one match, and the matches kept are the set of largest total
 * weight. The weight is the pair's log posterior odds, so for independent pairs this is the most probable
 * one-to-one linkage (P = product of (1 - p) over all pairs x product of the odds of the pairs kept). A person's
 * "same person" decisions are kept first; then each connected group of the remaining matches is solved exactly by
 * the Hungarian method when it is bipartite between the two sides (always so for --link-to), else (one-to-one
 * within one file, or a group too large) greedily, strongest first. A match the thresholds accepted whose weight
 * is at or below 0 (an auto threshold below 0.5) counts as a tiny positive weight: kept when nothing competes.
 * Matches left out become non-matches.
 */
export function oneToOne(pairs: OneToOnePair[], sideOf?: (index: number) => number): void {
  const used = new Set<number>()
  const stronger = (x: OneToOnePair, y: OneToOnePair) => y.probability - x.probability || weightOf(y) - weightOf(x)
  const greedy = (edges: OneToOnePair[]) => {
    for (const p of [...edges].sort(stronger)) {
      if (used.has(p.a) || used.has(p.b)) p.decision = 'non-match'
      else {
        used.add(p.a)
        used.add(p.b)
      }
    }
  }
  greedy(pairs.filter((p) => p.decision === 'match' && p.decidedBy))
  const open: OneToOnePair[] = []
  for (const p of pairs) {
    if (p.decision !== 'match' || p.decidedBy) continue
    if (used.has(p.a) || used.has(p.b)) p.decision = 'non-match'
    else open.push(p)
  }
  // Connected groups of the open matches.
  const parent = new Map<number, number>()
  const find = (x: number): number => {
    let r = x
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!
    parent.set(x, r)
    return r
  }
  for (const p of open) {
    const ra = find(p.a)
    const rb = find(p.b)
    if (!parent.has(ra)) parent.set(ra, ra)
    if (ra !== rb) parent.set(rb, ra)
  }
  const groups = new Map<number, OneToOnePair[]>()
  for (const p of open) {
    const r = find(p.a)
    const g = groups.get(r)
    if (g) g.push(p)
    else groups.set(r, [p])
  }
  for (const edges of groups.values()) {
    if (edges.length === 1) continue
    const leftSide = sideOf?.(edges[0].a)
    if (!sideOf || !edges.every((e) => sideOf(e.a) !== sideOf(e.b))) {
      greedy(edges)
      continue
    }
    const left = new Map<number, number>()
    const right = new Map<number, number>()
    const ends = edges.map((e) => (sideOf(e.a) === leftSide ? [e.a, e.b] : [e.b, e.a]))
    for (const [l, r] of ends) {
      if (!left.has(l)) left.set(l, left.size)
      if (!right.has(r)) right.set(r, right.size)
    }
    if (left.size > MAX_ASSIGNMENT_SIDE || right.size > MAX_ASSIGNMENT_SIDE) {
      greedy(edges)
      continue
    }
    const weights: Array<Array<number | undefined>> = Array.from({length: left.size}, () => new Array<number | undefined>(right.size))
    edges.forEach((e, k) => (weights[left.get(ends[k][0])!][right.get(ends[k][1])!] = Math.max(weightOf(e), 1e-9)))
    const chosen = maxWeightAssignment(weights, right.size)
    edges.forEach((e, k) => {
      if (chosen[left.get(ends[k][0])!] !== right.get(ends[k][1])) e.decision = 'non-match'
    })
  }
}

function weightOf(p: OneToOnePair): number {
  if (p.weight !== undefined) return p.weight
  const q = Math.min(Math.max(p.probability, 1e-15), 1 - 1e-15)
  return Math.log2(q / (1 - q))
}
