// The two calls of the `debug` package that the endpoint client uses (no @types/debug needed for them).
declare module 'debug' {
  interface Debug {
    /** Turns every namespace off and returns the namespaces that were on. */
    disable(): string
    enable(namespaces: string): void
  }
  const debug: Debug
  export default debug
}
