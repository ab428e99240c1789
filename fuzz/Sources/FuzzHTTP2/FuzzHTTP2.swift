import CLibFuzzer
import FuzzSupport

/// Made once: every input is a new connection to the same gateway.
nonisolated(unsafe) private let gateway = EmbeddedGateway(configText: FuzzGatewayConfig.yaml)

/// libFuzzer's entry: the input is an HTTP/2 session on one connection to the gateway, as records that
/// ``HTTP2FrameInput`` turns into the preface and frames. The gateway must answer, reset, go away, or wait — never
/// trap, leak or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size <= 64 * 1024 else { return -1 }
    gateway.serve(HTTP2FrameInput.writes(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)))
    return 0
}

/// The program's entry: SwiftPM links an executable's entry point as `FuzzHTTP2_main` and makes `main` that, so libFuzzer's
/// own `main` stays out and its driver is started from here.
@_cdecl("FuzzHTTP2_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}
