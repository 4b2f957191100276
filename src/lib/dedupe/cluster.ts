/**
 * Decide and cluster: each pair is a match (at or above the auto threshold), a pair for review (between the
 * thresholds) or not a match; some pairs go to review whatever their score. Clusters are the connected components
 * of the match edges, added strongest first and never joining two groups that hold a known non-match (a reviewer's
 * "not the same", or a pair scored as a strong non-match): so a chain is split at its weak edge.
 */
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

/** One-to-one linkage: keep each record's best match only (greedy, strongest first). */
export function oneToOne(pairs: ClusterInputPair[]): void {
  const used = new Set<number>()
  for (const p of [...pairs].sort((x, y) => y.probability - x.probability)) {
    if (p.decision !== 'match') continue
    if (used.has(p.a) || used.has(p.b)) p.decision = 'non-match'
    else {
      used.add(p.a)
      used.add(p.b)
    }
  }
}
