/// The peer's certificate verified, but none of its SANs is one `match_typed_subject_alt_names` asks for.
public struct SubjectAltNameMismatch: Error, Hashable, CustomStringConvertible {
    /// The certificate's SANs, as `DNS:a.example`, `URI:spiffe://…`, `IP_ADDRESS:10.0.0.1`.
    public var presented: [String]

    public var description: String {
        "peer certificate SANs \(presented) match none of match_typed_subject_alt_names"
    }
}
