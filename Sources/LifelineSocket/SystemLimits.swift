#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Kernel settings that shape listener defaults and what a socket does with the options it was not given.
public enum SystemLimits {
    /// `net.core.somaxconn` on Linux (the cap the kernel puts on any `listen(2)` backlog); `SOMAXCONN` elsewhere.
    public static var somaxconn: Int32 {
        sysctl("net.core.somaxconn").map { Int32(clamping: $0) } ?? Int32(SOMAXCONN)
    }

    /// The soft `RLIMIT_NOFILE` of this process (`getrlimit(2)`): how many file descriptors it may hold; nil when
    /// unlimited or unknown.
    public static var openFilesLimit: Int? {
        var limit = rlimit()
        #if os(Linux)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
            // Glibc's RLIM_INFINITY is `~0` and does not import into Swift.
            let infinity = rlim_t.max
        #else
            let resource = RLIMIT_NOFILE
            let infinity = RLIM_INFINITY
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != infinity else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// An integer sysctl of this process's network namespace, e.g. `net.ipv4.tcp_keepalive_time`, read from
    /// `/proc/sys`; nil where there is no such file (not Linux) or it does not hold one integer.
    public static func sysctl(_ name: String) -> Int? {
        #if os(Linux)
            let path = "/proc/sys/" + name.replacingDots()
            guard let file = fopen(path, "r") else { return nil }
            defer { fclose(file) }
            var line = [CChar](repeating: 0, count: 32)
            guard fgets(&line, 32, file) != nil else { return nil }
            let text = String(
                decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) },
                as: UTF8.self
            )
            return Int(text)
        #else
            return nil
        #endif
    }
}

extension String {
    /// `net.ipv4.tcp_keepalive_time` → `net/ipv4/tcp_keepalive_time`.
    fileprivate func replacingDots() -> String {
        String(map { $0 == "." ? "/" : $0 })
    }
}
