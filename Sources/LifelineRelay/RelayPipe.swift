/// A kernel pipe a bulk direction's bytes go through by `splice(2)`: from the source socket into the pipe and from
/// the pipe into the target socket, never through user space. Pipes are a loop's, lent to a direction while it
/// moves bytes and given back when it is drained and its source has nothing more; one that still holds bytes is
/// closed, never lent again.
struct RelayPipe {
    /// What one pipe holds: Linux's default pipe size (16 pages).
    static let capacity = 64 * 1024

    let readEnd: Int32
    let writeEnd: Int32
}
