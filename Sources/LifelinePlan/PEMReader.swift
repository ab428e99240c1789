import LifelineConfig
import LifelineSocket

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the PEM text of a `DataSource` when the config is planned: a file named by `filename` (a relative path from
/// the working directory, as in Envoy), or the `inline_string` / `inline_bytes` written in the config. A file that
/// cannot be read is an error on the `filename` field, with what the kernel said.
enum PEMReader {
    /// Envoy's limit on a data source file.
    static let maximumBytes = 4 << 20

    static func read(_ source: DataSourceConfig, diagnostics: inout [ConfigDiagnostic]) -> PEMSource? {
        switch source.source {
        case .filename(let path):
            switch readFile(path) {
            case .success(let bytes):
                return text(bytes, from: source, named: JSONText.quote(path), source: path, diagnostics: &diagnostics)
            case .failure(let failure):
                diagnostics.append(
                    source.sourceOrigin.diagnostic("cannot read \(JSONText.quote(path)): \(failure.description)")
                )
                return nil
            }
        case .inlineString(let string):
            return text(
                Array(string.utf8),
                from: source,
                named: "inline_string",
                source: "inline_string at \(source.origin.path)",
                diagnostics: &diagnostics
            )
        case .inlineBytes(let bytes):
            return text(
                bytes,
                from: source,
                named: "inline_bytes",
                source: "inline_bytes at \(source.origin.path)",
                diagnostics: &diagnostics
            )
        }
    }

    private static func text(
        _ bytes: [UInt8],
        from source: DataSourceConfig,
        named name: String,
        source description: String,
        diagnostics: inout [ConfigDiagnostic]
    ) -> PEMSource? {
        guard !bytes.isEmpty else {
            diagnostics.append(source.sourceOrigin.diagnostic("\(name) is empty; expected PEM text"))
            return nil
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            diagnostics.append(
                source.sourceOrigin.diagnostic("\(name) is not PEM text (it is not UTF-8; DER is not read)")
            )
            return nil
        }
        return PEMSource(pem: text, source: description)
    }

    enum ReadFailure: Error, CustomStringConvertible {
        case errno(Int32)
        case tooLarge

        var description: String {
            switch self {
            case .errno(let code): ErrorNumber.describe(code)
            case .tooLarge: "larger than \(PEMReader.maximumBytes >> 20) MiB"
            }
        }
    }

    /// The whole file, read with open(2) and read(2) so that a failure is the errno's text.
    static func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.errno(errno)) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.errno(errno))
            }
            if count == 0 { return .success(contents) }
            contents.append(contentsOf: buffer[0..<count])
            if contents.count > maximumBytes { return .failure(.tooLarge) }
        }
    }
}

/// read(2), outside ``PEMReader`` whose `read` would shadow it.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
