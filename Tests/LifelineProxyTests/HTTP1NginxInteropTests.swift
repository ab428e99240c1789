import Foundation
import Glibc
import LifelineTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import LifelinePlan
@testable import LifelineProxy

private let nginxInstalled = (try? ExternalCommand(["sh", "-c", "command -v nginx"]).run().status) == 0

/// nginx as an HTTP/1.1 endpoint, answering with the client's port, with `keepalive_timeout 1s` and
/// `keepalive_requests 3`.
private final class NginxServer: Sendable {
    let port: Int
    private let directory: URL
    private let process: Process

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-nginx-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let refusing = RefusingPort()
        port = refusing.port
        let path = directory.path
        let config = """
            daemon off;
            master_process off;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log;
            events {}
            http {
                access_log off;
                client_body_temp_path \(path);
                proxy_temp_path \(path);
                fastcgi_temp_path \(path);
                uwsgi_temp_path \(path);
                scgi_temp_path \(path);
                keepalive_timeout 1s;
                keepalive_requests 3;
                server {
                    listen 127.0.0.1:\(port);
                    location / { return 200 "$remote_port"; }
                }
            }
            """
        try config.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        withExtendedLifetime(refusing) {}
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nginx", "-p", path, "-c", "\(path)/nginx.conf", "-e", "\(path)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    func stop() {
        // SIGKILL: a child of the test process may be started with SIGTERM blocked, which nginx then never sees.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

extension LiveProxyTests {
    /// The HTTP/1.1 pool against nginx. Runs where nginx is installed; skipped elsewhere.
    @Suite(.enabled(if: nginxInstalled)) struct HTTP1NginxInteropTests {
        private func withNginx(_ body: (HTTPUpstreamPools, any EventLoop, UpstreamCluster) async throws -> Void)
            async throws
        {
            let nginx = try NginxServer()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let cluster = try makeHTTPCluster(ports: [nginx.port])
            let pools = HTTPUpstreamPools(clusters: ["upstream": cluster])
            let loop = group.next()
            // nginx is up once an exchange succeeds.
            var ready = false
            for _ in 0..<50 where !ready {
                ready = (try? await performExchange(pools: pools, on: loop)) != nil
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            do {
                try #require(ready)
                try await body(pools, loop, cluster)
            } catch {
                await pools.closeAll()
                nginx.stop()
                try await group.shutdownGracefully()
                throw error
            }
            await pools.closeAll()
            #expect(await eventually { cluster.stats[.upstreamConnectionsActive] == 0 })
            #expect(cluster.stats[.upstreamRequestsActive] == 0)
            nginx.stop()
            try await group.shutdownGracefully()
        }

        @Test func keepaliveRequestsEndsAConnectionWithConnectionClose() async throws {
            try await withNginx { pools, loop, cluster in
                // Let the warm-up connection go: nginx's keepalive_timeout closes it.
                #expect(await eventually(seconds: 5) { cluster.stats[.upstreamClosedByRemote] >= 1 })
                let before = cluster.stats[.upstreamConnectionsTotal]
                var outcomes: [ExchangeOutcome] = []
                for _ in 0..<4 {
                    outcomes.append(try await performExchange(pools: pools, on: loop))
                }
                #expect(outcomes[0].body == outcomes[1].body && outcomes[1].body == outcomes[2].body)
                #expect(outcomes[2].headers["connection"] == ["close"])
                #expect(outcomes[3].body != outcomes[2].body)
                #expect(outcomes.map(\.reused) == [false, true, true, false])
                #expect(cluster.stats[.upstreamConnectionsTotal] == before + 2)
            }
        }

        @Test func aConnectionNginxClosedWhileParkedIsNotHandedOut() async throws {
            try await withNginx { pools, loop, cluster in
                let first = try await performExchange(pools: pools, on: loop)
                #expect(await eventually(seconds: 5) { cluster.stats[.upstreamClosedByRemote] >= 1 })
                let next = try await performExchange(pools: pools, on: loop)
                #expect(next.status == 200)
                #expect(!next.reused)
                #expect(next.body != first.body)
            }
        }
    }
}
