import ora, {type Ora} from 'ora'

export interface Progress {
  start(text: string): void
  update(text: string): void
  succeed(text: string): void
  fail(text: string): void
  stop(): void
}

const silent: Progress = {start() {}, update() {}, succeed() {}, fail() {}, stop() {}}

/** ora on stderr when enabled; a silent stand-in otherwise (pipes, --json, CI). Updates are throttled. */
export function createProgress({enabled}: {enabled: boolean}): Progress {
  if (!enabled) return silent
  let spinner: Ora | undefined
  let last = 0
  return {
    start(text) {
      spinner = ora({text, stream: process.stderr}).start()
    },
    update(text) {
      const now = Date.now()
      if (spinner && now - last > 100) {
        spinner.text = text
        last = now
      }
    },
    succeed(text) {
      spinner?.succeed(text)
      spinner = undefined
    },
    fail(text) {
      spinner?.fail(text)
      spinner = undefined
    },
    stop() {
      spinner?.stop()
      spinner = undefined
    },
  }
}
