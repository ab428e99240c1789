/// Names one connection on its relay loop, for closing it from the layer that started it.
public struct RelayConnectionID: Sendable, Hashable {
    let token: UInt64
}
