#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Kernel limits that shape listener defaults.
public enum SystemLimits {
    /// `net.core.somaxconn` on Linux (the cap the kernel puts on any `listen(2)` backlog); `SOMAXCONN` elsewhere.
    public static var somaxconn: Int32 {
        #if os(Linux)
            if let file = fopen("/proc/sys/net/core/somaxconn", "r") {
                defer { fclose(file) }
                var value: Int32 = 0
                if withUnsafeMutablePointer(to: &value, { fscanfInt32(file, $0) }) {
                    return value
                }
            }
        #endif
        return Int32(SOMAXCONN)
    }

    #if os(Linux)
        private static func fscanfInt32(_ file: UnsafeMutablePointer<FILE>, _ value: UnsafeMutablePointer<Int32>)
            -> Bool
        {
            var line = [CChar](repeating: 0, count: 32)
            guard fgets(&line, 32, file) != nil else { return false }
            let text = String(
                decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) },
                as: UTF8.self
            )
            guard let number = Int32(text) else { return false }
            value.pointee = number
            return true
        }
    #endif
}
