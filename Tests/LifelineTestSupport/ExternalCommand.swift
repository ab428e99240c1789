public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program from `PATH` (openssl, python3, curl) and collects what it printed, for tests that use real tools.
public struct ExternalCommand: Sendable {
    /// What a finished program left behind.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: Data
        public var standardError: String

        public var text: String { String(decoding: standardOutput, as: UTF8.self) }
    }

    /// A program that failed when the test needed it to succeed.
    public struct Failure: Error, CustomStringConvertible {
        public var arguments: [String]
        public var output: Output

        public var description: String {
            "\(arguments.joined(separator: " ")) exited \(output.status): \(output.standardError)"
        }
    }

    private static let launching = Mutex(())

    public var arguments: [String]
    public var standardInput: Data?
    public var workingDirectory: URL?

    public init(_ arguments: [String], standardInput: Data? = nil, workingDirectory: URL? = nil) {
        self.arguments = arguments
        self.standardInput = standardInput
        self.workingDirectory = workingDirectory
    }

    /// Runs to completion, whatever the exit status.
    public func run() throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        #if canImport(Glibc)
            // A program that exits before reading its input must not take the test process down with SIGPIPE.
            _ = signal(SIGPIPE, SIG_IGN)
        #endif
        // One launch at a time: Foundation's Process.run crashed once (a bad read in a memmove inside run()) with the
        // whole suite launching curl, openssl and python3 from several tests at once.
        try Self.launching.withLock { _ in try process.run() }
        if let standardInput { try? stdin.fileHandleForWriting.write(contentsOf: standardInput) }
        try? stdin.fileHandleForWriting.close()
        // Read both pipes while the program runs, so a chatty program cannot block on a full pipe.
        let errorBox = DataBox()
        let errorDone = DispatchSemaphore(value: 0)
        let errorReader = Thread {
            errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile()
            errorDone.signal()
        }
        errorReader.start()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        errorDone.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            standardOutput: outputData,
            standardError: String(decoding: errorBox.data, as: UTF8.self)
        )
    }

    /// Runs and throws unless the program exits 0.
    @discardableResult
    public func check() throws -> Output {
        let output = try run()
        guard output.status == 0 else { throw Failure(arguments: arguments, output: output) }
        return output
    }
}

/// Bytes filled in by one reader thread and read after it signalled; the semaphore orders the two.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
