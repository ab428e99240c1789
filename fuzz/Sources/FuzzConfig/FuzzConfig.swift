import CLibFuzzer
import LifelineConfig
import LifelineEnvoyFilter
import LifelinePipeline
import LifelinePlan

/// The gateway EnvoyFilters are matched against: the labels of Istio's default ingress gateway, so that filters with
/// the usual `workloadSelector` apply and the fuzzer reaches the patches.
private let gateway = GatewayIdentity(
    labels: ["istio": "ingressgateway", "app": "istio-ingressgateway"]
)

/// libFuzzer's entry: the input is a bootstrap, then (after the first NUL byte, if any) an EnvoyFilter file, run
/// through the pipeline `lifeline check` runs — parse, patch, decode, validate, plan, and the summary it prints.
/// Every input must end in a plan or in diagnostics; a trap is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // The loader takes files an operator writes; 64 KiB is ample for every seed and keeps each run short.
    guard size <= 64 * 1024 else { return -1 }
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    let config: String
    var envoyFilter: String?
    if let separator = bytes.firstIndex(of: 0) {
        config = String(decoding: bytes[..<separator], as: UTF8.self)
        envoyFilter = String(decoding: bytes[(separator + 1)...], as: UTF8.self)
    } else {
        config = String(decoding: bytes, as: UTF8.self)
    }
    do {
        let (plan, warnings, notSelected) = try ConfigPipeline.plan(
            configText: config,
            envoyFilterText: envoyFilter,
            gateway: gateway
        )
        let summary = plan.summary(eventLoops: 2, envoyFiltersNotSelected: notSelected)
        _ = summary.yamlText
        _ = summary.jsonText
        _ = warnings.map(\.description)
    } catch {
        _ = error.diagnostics.map(\.description)
    }
    return 0
}

/// The program's entry: SwiftPM links an executable's entry point as `FuzzConfig_main` and makes `main` that, so libFuzzer's
/// own `main` stays out and its driver is started from here.
@_cdecl("FuzzConfig_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}
