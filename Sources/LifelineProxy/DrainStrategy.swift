/// How connections are told to go away during a drain, as Envoy's `--drain-strategy` has it.
public enum DrainStrategy: String, Sendable, Hashable, CaseIterable {
    /// Every connection is told at once: HTTP/2 connections get GOAWAY, HTTP/1.1 connections `connection: close` on
    /// their next response (or close now when idle).
    case immediate
    /// Spread over the drain time: each connection is told at a random moment within it, and a response is sent
    /// with `connection: close` (HTTP/2: GOAWAY) with a probability that rises from 0 to 1 over the drain time —
    /// Envoy's `DrainManagerImpl::drainClose()`, P = elapsed / drain time. Clients reconnect a few at a time instead
    /// of all together.
    case gradual
}
