/// A listening socket a relay loop accepts on, and what it does with each accepted socket.
struct RelayListener {
    let fd: Int32
    let onAccept: (Int32) -> Void
}
