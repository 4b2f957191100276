/**
 * Exit codes, after sysexits(3). The same with and without --json.
 */
export const ExitCode = {
  OK: 0,
  /** Done, but records were rejected or findings reached --fail-on. */
  REJECTS: 1,
  USAGE: 64,
  /** Input exists but cannot be read as the format it claims to be. */
  DATA: 65,
  /** Input file missing, a directory, or not readable. */
  NO_INPUT: 66,
  /** Endpoint unreachable or refusing service. */
  UNAVAILABLE: 69,
  INTERNAL: 70,
  /** Output could not be written. */
  CANT_CREATE: 73,
  AUTH: 77,
  CONFIG: 78,
  /** Stopped by the user (Ctrl-C at a prompt). */
  CANCELLED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export const EXIT_CODE_TABLE: Array<[number, string]> = [
  [0, 'done; every record came out'],
  [1, 'done, but some records were rejected (see the rejects file) or findings reached --fail-on'],
  [64, 'usage error: unknown flag, missing argument, conflicting flags'],
  [65, 'input is unreadable: empty, binary, invalid JSON, not FHIR, unterminated CSV quote'],
  [66, 'input is missing, a directory, or not readable'],
  [69, 'endpoint unavailable'],
  [70, 'internal error (a bug: please report it with --debug output)'],
  [73, 'output cannot be written'],
  [77, 'authentication failed'],
  [78, 'configuration error'],
  [130, 'cancelled by the user (Ctrl-C)'],
]
