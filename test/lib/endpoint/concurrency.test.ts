import {expect} from 'chai'

import {AdaptiveLimiter} from '../../../src/lib/endpoint/concurrency.js'

describe('endpoint adaptive concurrency limit', () => {
  it('never runs more tasks at once than the limit', async () => {
    const lim = new AdaptiveLimiter(3)
    let running = 0
    let peak = 0
    const task = async () => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 5))
      running--
    }
    await Promise.all(Array.from({length: 12}, () => lim.run(task)))
    expect(peak).to.equal(3)
    expect(lim.inFlight).to.equal(0)
  })

  it('halves on 429 down to 1 and climbs back by one after a run of successes', () => {
    const lim = new AdaptiveLimiter(8, 2)
    lim.throttled()
    expect(lim.limit).to.equal(4)
    lim.throttled()
    lim.throttled()
    lim.throttled()
    expect(lim.limit).to.equal(1)
    lim.succeeded()
    expect(lim.limit).to.equal(1)
    lim.succeeded()
    expect(lim.limit).to.equal(2)
  })

  it('runs fewer tasks at once after a 429', async () => {
    const lim = new AdaptiveLimiter(4)
    lim.throttled()
    let running = 0
    let peak = 0
    await Promise.all(
      Array.from({length: 8}, () =>
        lim.run(async () => {
          running++
          peak = Math.max(peak, running)
          await new Promise((r) => setTimeout(r, 5))
          running--
        }),
      ),
    )
    expect(peak).to.equal(2)
  })

  it('releases its slot when a task fails', async () => {
    const lim = new AdaptiveLimiter(1)
    await lim.run(() => Promise.reject(new Error('x'))).catch(() => {})
    expect(await lim.run(async () => 'ok')).to.equal('ok')
  })
})
