/**
 * Accuracy against ground truth: pairwise precision, recall and F1, where the predicted pairs are all pairs
 * of records put in one cluster (or linked across files) and the true pairs all pairs of one entity.
 */
export interface Accuracy {
  truePairs: number
  predictedPairs: number
  correctPairs: number
  precision: number
  recall: number
  f1: number
}

export function accuracyOfPairs(predicted: Array<[number, number]>, entityOf: (i: number) => string | undefined, truePairs: number): Accuracy {
  let correct = 0
  for (const [a, b] of predicted) {
    const e = entityOf(a)
    if (e !== undefined && e === entityOf(b)) correct++
  }
  return summarize(truePairs, predicted.length, correct)
}

/** Pairs implied by clusters; with `sideOf`, only pairs across sides (linkage). */
export function pairsOfClusters(clusters: Array<{members: number[]}>, sideOf?: (i: number) => number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const c of clusters) {
    const m = c.members
    for (let i = 0; i < m.length; i++)
      for (let j = i + 1; j < m.length; j++) if (!sideOf || sideOf(m[i]) !== sideOf(m[j])) out.push([m[i], m[j]])
  }
  return out
}

function summarize(truePairs: number, predictedPairs: number, correctPairs: number): Accuracy {
  const precision = predictedPairs ? correctPairs / predictedPairs : 1
  const recall = truePairs ? correctPairs / truePairs : 1
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0
  return {truePairs, predictedPairs, correctPairs, precision, recall, f1}
}

/** FEBRL's ground truth: `rec-<N>-org` and `rec-<N>-dup-<k>` are entity N. */
export const febrlEntity = (recId: string): string | undefined => recId.trim().match(/^rec-(\d+)-/)?.[1]
