/// A listening socket a relay loop accepts on, and what it does with each accepted socket.
struct RelayListener {
    let fd: Int32
    let onAccept: (Int32) -> Void
    /// Told the errno each time accepting stops for want of descriptors or memory.
    let onShortage: (Int32) -> Void
    /// While accepting is paused after a shortage: when it resumes, on the loop's clock.
    var resumeAt: Int64?
}
