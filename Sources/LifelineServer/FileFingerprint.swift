#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `stat(2)` says of a file, enough to notice that it changed: an edit (size, mtime), a replacement by rename
/// or a Kubernetes volume's symlink swap (inode), or its disappearance.
struct FileFingerprint: Sendable, Hashable {
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// The file's fingerprint, following symlinks; nil when it cannot be read.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
            modifiedSeconds = Int(info.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int(info.st_mtimespec.tv_nsec)
        #else
            modifiedSeconds = Int(info.st_mtim.tv_sec)
            modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        #endif
    }

    /// The fingerprints of `paths` (nil for a file that cannot be read).
    static func of(_ paths: [String]) -> [String: FileFingerprint?] {
        Dictionary(paths.map { ($0, FileFingerprint(path: $0)) }, uniquingKeysWith: { first, _ in first })
    }
}
