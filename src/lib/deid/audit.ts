/**
 * What a run did, without a single original value: counts per rule, method and identifier category, and
 * warnings (each said once, with how often it happened).
 */
export class DeidAudit {
  private readonly counts = new Map<string, {rule: string; method: string; category: string; count: number}>()
  private readonly warnings = new Map<string, number>()

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
