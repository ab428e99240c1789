import CLibFuzzer
import FuzzSupport

/// Made once: every input is a new connection to the same gateway.
nonisolated(unsafe) private let gateway = EmbeddedGateway(configText: FuzzGatewayConfig.yaml)

/// libFuzzer's entry: the input (after its first byte, which says where to cut it) is what a client sends on one
/// connection to the gateway's HTTP/1.1 side, in several writes. The gateway must answer, close, or wait — never trap,
/// leak or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size <= 64 * 1024 else { return -1 }
    gateway.serve(ChunkedInput.chunks(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)))
    return 0
}

/// The program's entry: SwiftPM links an executable's entry point as `FuzzHTTP1_main` and makes `main` that, so libFuzzer's
/// own `main` stays out and its driver is started from here.
@_cdecl("FuzzHTTP1_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}
