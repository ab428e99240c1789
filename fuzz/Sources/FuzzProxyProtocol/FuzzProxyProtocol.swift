import CLibFuzzer
import LifelineProxy
import NIOCore

private let parser = ProxyProtocolParser()

/// libFuzzer's entry: the input as the first bytes a client sends on a listener with the `proxy_protocol` listener
/// filter, through the parser the filter runs on every read. Whatever the bytes, the parser must answer without
/// trapping, and consistently: a header it accepts is no longer than the bytes it was given, every prefix of those
/// bytes is still incomplete (so a header arriving a byte at a time is read the same way), and the bytes after it do
/// not change it; the `ByteBuffer` entry the filter calls reads them as the array entry does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    let outcome = parser.parse(bytes)
    precondition(parser.parse(ByteBuffer(bytes: bytes)) == outcome, "the ByteBuffer entry reads differently")
    guard case .header(let header) = outcome else { return 0 }
    precondition(header.length > 0 && header.length <= bytes.count, "header length \(header.length) of \(bytes.count)")
    let exact = Array(bytes[..<header.length])
    precondition(parser.parse(exact) == outcome, "the header alone reads differently")
    for cut in [header.length - 1, header.length / 2, 1] where cut > 0 && cut < header.length {
        precondition(parser.parse(Array(exact[..<cut])) == .needMoreData, "a prefix of \(cut) bytes is not incomplete")
    }
    return 0
}

/// The program's entry: SwiftPM links an executable's entry point as `FuzzProxyProtocol_main` and makes `main` that,
/// so libFuzzer's own `main` stays out and its driver is started from here.
@_cdecl("FuzzProxyProtocol_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}
