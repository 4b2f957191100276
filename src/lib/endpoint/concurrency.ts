/**
 * A concurrency limit that adapts: it halves when the server answers 429 and climbs back by one after a run of
 * successes (additive increase, multiplicative decrease), never below 1 nor above the configured maximum.
 */
export class AdaptiveLimiter {
  private active = 0
  private current: number
  private successes = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    readonly max: number,
    private readonly climbAfter = 20,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('the concurrency limit must be an integer of at least 1')
    this.current = max
  }

  /** The limit in force now. */
  get limit(): number {
    return this.current
  }

  get inFlight(): number {
    return this.active
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await task()
    } finally {
      this.release()
    }
  }

  /** The server said 429: fewer requests at once from now on. */
  throttled(): void {
    this.current = Math.max(1, Math.floor(this.current / 2))
    this.successes = 0
  }

  succeeded(): void {
    if (this.current >= this.max) return
    this.successes++
    if (this.successes >= this.climbAfter) {
      this.current++
      this.successes = 0
      this.pump()
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.current) {
      this.active++
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.active++
        resolve()
      })
    })
  }

  private release(): void {
    this.active--
    this.pump()
  }

  private pump(): void {
    while (this.active < this.current && this.waiting.length > 0) this.waiting.shift()!()
  }
}
