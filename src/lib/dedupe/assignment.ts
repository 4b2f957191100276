/**
 * Maximum-weight assignment (the Hungarian method, Kuhn-Munkres with potentials, O(n^2 m)): given the weights of
 * the edges between n left and m right nodes, the set of edges, no two sharing a node, whose total weight is
 * largest. Only edges of positive weight are ever chosen (a node may stay unassigned). Pure.
 */

/** weights[i][j]: the weight of edge (i, j), or undefined when there is no edge. Returns, per left node, its right node or -1. */
export function maxWeightAssignment(weights: Array<Array<number | undefined>>, m: number): number[] {
  const n = weights.length
  if (n === 0 || m === 0) return new Array<number>(n).fill(-1)
  // Minimise cost = -weight over a complete n x m matrix in which "no edge" (or a weight <= 0) costs 0: a left node
  // put on such a column is unassigned. The method needs rows <= columns: transpose when there are more rows.
  if (n > m) {
    const t: Array<Array<number | undefined>> = Array.from({length: m}, (_, j) => weights.map((row) => row[j]))
    const byRight = maxWeightAssignment(t, n)
    const out = new Array<number>(n).fill(-1)
    byRight.forEach((i, j) => {
      if (i >= 0) out[i] = j
    })
    return out
  }
  const cost = (i: number, j: number) => {
    const w = weights[i][j]
    return w !== undefined && w > 0 ? -w : 0
  }
  // 1-based potentials u (rows) and v (columns); p[j]: the row on column j (0 = none); way[j]: the previous column
  // on the shortest augmenting path.
  const u = new Float64Array(n + 1)
  const v = new Float64Array(m + 1)
  const p = new Int32Array(m + 1)
  const way = new Int32Array(m + 1)
  for (let i = 1; i <= n; i++) {
    p[0] = i
    let j0 = 0
    const minv = new Float64Array(m + 1).fill(Infinity)
    const used = new Uint8Array(m + 1)
    do {
      used[j0] = 1
      const i0 = p[j0]
      let delta = Infinity
      let j1 = 0
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue
        const cur = cost(i0 - 1, j - 1) - u[i0] - v[j]
        if (cur < minv[j]) {
          minv[j] = cur
          way[j] = j0
        }
        if (minv[j] < delta) {
          delta = minv[j]
          j1 = j
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta
          v[j] -= delta
        } else minv[j] -= delta
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0]
      p[j0] = p[j1]
      j0 = j1
    } while (j0 !== 0)
  }
  const out = new Array<number>(n).fill(-1)
  for (let j = 1; j <= m; j++) {
    const i = p[j] - 1
    if (i < 0) continue
    const w = weights[i][j - 1]
    if (w !== undefined && w > 0) out[i] = j - 1
  }
  return out
}
