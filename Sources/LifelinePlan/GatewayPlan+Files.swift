extension GatewayPlan {
    /// The certificate, key and CA files the plan was read from (`filename` data sources; inline ones have no file),
    /// each once: a change to one of them is a change to the plan.
    public var pemFiles: [String] {
        var sources: [PEMSource] = []
        func add(_ certificate: CertificatePlan?) {
            guard let certificate else { return }
            sources += [certificate.certificateChain, certificate.privateKey]
        }
        for listener in listeners {
            for chain in listener.filterChains + (listener.defaultFilterChain.map { [$0] } ?? []) {
                guard let tls = chain.tls else { continue }
                tls.certificates.forEach(add)
                sources += [tls.common.trustedCA].compactMap { $0 }
            }
        }
        for cluster in clusters {
            guard let tls = cluster.tls else { continue }
            add(tls.clientCertificate)
            sources += [tls.common.trustedCA].compactMap { $0 }
        }
        var seen: Set<String> = []
        return sources.map(\.source).filter { !$0.hasPrefix("inline_") }
            .filter { seen.insert($0).inserted }
    }
}
