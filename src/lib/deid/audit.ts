/** Counts ([rule, method, category, n]) and warnings ([message, n]) added since the last delta. */
export interface AuditDelta {
  counts: Array<[string, string, string, number]>
  warnings: Array<[string, number]>
}

/**
 * What a run did, without a single original value: counts per rule, method and identifier category, and
 * warnings (each said once, with how often it happened).
 */
export class DeidAudit {
  private readonly counts = new Map<string, {rule: string; method: string; category: string; count: number}>()
  private readonly warnings = new Map<string, number>()
  private readonly sent = new Map<object, number>()
  private readonly sentWarnings = new Map<string, number>()

  count(rule: string, method: string, category: string, n = 1): void {
    this.counter(rule, method, category).count += n
  }

  /** A counter to keep and increment in a hot loop (no key to build per value). */
  counter(rule: string, method: string, category: string): {count: number} {
    const k = `${rule}\u0000${method}\u0000${category}`
    let c = this.counts.get(k)
    if (!c) this.counts.set(k, (c = {rule, method, category, count: 0}))
    return c
  }

  warn(message: string): void {
    this.warnings.set(message, (this.warnings.get(message) ?? 0) + 1)
  }

  /**
   * What was counted and warned since the last call (for a worker thread to hand its part of a run to the main
   * thread's audit, which adds it with addDelta).
   */
  takeDelta(): AuditDelta {
    const counts: AuditDelta['counts'] = []
    for (const c of this.counts.values()) {
      const n = c.count - (this.sent.get(c) ?? 0)
      if (n) counts.push([c.rule, c.method, c.category, n])
      this.sent.set(c, c.count)
    }
    const warnings: AuditDelta['warnings'] = []
    for (const [m, n] of this.warnings) {
      const d = n - (this.sentWarnings.get(m) ?? 0)
      if (d) warnings.push([m, d])
      this.sentWarnings.set(m, n)
    }
    return {counts, warnings}
  }

  /** Take back what was counted and warned since the last delta (work that will be done again). */
  discardDelta(): void {
    for (const c of this.counts.values()) c.count = this.sent.get(c) ?? 0
    for (const m of [...this.warnings.keys()]) {
      const n = this.sentWarnings.get(m)
      if (n) this.warnings.set(m, n)
      else this.warnings.delete(m)
    }
  }

  addDelta(d: AuditDelta): void {
    for (const [rule, method, category, n] of d.counts) this.count(rule, method, category, n)
    for (const [m, n] of d.warnings) this.warnings.set(m, (this.warnings.get(m) ?? 0) + n)
  }

  rules() {
    return [...this.counts.values()].filter((c) => c.count > 0).sort((a, b) => a.rule.localeCompare(b.rule) || a.method.localeCompare(b.method))
  }

  warningList() {
    return [...this.warnings].map(([message, count]) => ({message, count}))
  }

  /** Totals per method. */
  byMethod(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const c of this.counts.values()) if (c.count) out[c.method] = (out[c.method] ?? 0) + c.count
    return out
  }
}
