import Foundation
import LifelineSocket
import Testing

@Suite struct KernelKeepaliveTests {
    /// The value of one sysctl file, read the plain way.
    private func proc(_ name: String) throws -> Int {
        let path = "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/sys/net/ipv4/tcp_keepalive_time")))
    func theCurrentValuesAreTheNamespaces() throws {
        let kernel = KernelKeepalive.current()
        #expect(kernel.time == (try proc(KernelKeepalive.timeSysctl)))
        #expect(kernel.interval == (try proc(KernelKeepalive.intervalSysctl)))
        #expect(kernel.probes == (try proc(KernelKeepalive.probesSysctl)))
    }

    @Test func aMissingSysctlIsNil() {
        #expect(SystemLimits.sysctl("net.ipv4.no_such_setting") == nil)
        #expect(KernelKeepalive.linuxDefaults == KernelKeepalive(time: 7200, interval: 75, probes: 9))
    }
}
