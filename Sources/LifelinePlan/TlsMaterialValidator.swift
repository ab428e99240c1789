public import Foundation
import SwiftASN1
import X509

/// Checks TLS material for `lifeline check`: PEM that does not parse, a private key that does not belong to its
/// certificate, a certificate outside its validity period. Every message names the material's source; none prints
/// key material.
public enum TlsMaterialValidator {
    /// Problems with one `tls_certificates` entry at `now`.
    public static func problems(in certificate: CertificatePlan, now: Date) -> [String] {
        let chainSource = certificate.certificateChain.source
        var problems: [String] = []
        let chain = parseCertificates(certificate.certificateChain, problems: &problems)
        problems += validityProblems(chain, source: chainSource, now: now)

        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: certificate.privateKey.pem)
        } catch {
            // The parser's error could quote the key; say only where it came from.
            problems.append("\(certificate.privateKey.source): not a PEM private key (RSA, ECDSA or Ed25519)")
            return problems
        }
        if let leaf = chain.first, key.publicKey != leaf.publicKey {
            problems.append(
                "\(certificate.privateKey.source): the private key does not match the public key of the certificate "
                    + "\(describe(leaf)) in \(chainSource)"
            )
        }
        return problems
    }

    /// Problems with a `trusted_ca` bundle at `now`.
    public static func problems(inCA source: PEMSource, now: Date) -> [String] {
        var problems: [String] = []
        let certificates = parseCertificates(source, problems: &problems)
        problems += validityProblems(certificates, source: source.source, now: now)
        return problems
    }

    // MARK: Parsing

    private static let begin = "-----BEGIN CERTIFICATE-----"
    private static let end = "-----END CERTIFICATE-----"

    /// Every `CERTIFICATE` block in the text; a problem for each that does not parse, or when there is none.
    private static func parseCertificates(_ source: PEMSource, problems: inout [String]) -> [Certificate] {
        var certificates: [Certificate] = []
        var rest = source.pem[...]
        var index = 0
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else {
                problems.append("\(source.source): certificate \(index + 1) has no END CERTIFICATE line")
                return certificates
            }
            do {
                certificates.append(try Certificate(pemEncoded: String(rest[start.lowerBound..<stop.upperBound])))
            } catch {
                problems.append("\(source.source): certificate \(index + 1) is not a valid X.509 certificate")
            }
            index += 1
            rest = rest[stop.upperBound...]
        }
        if index == 0 { problems.append("\(source.source): no PEM certificate (BEGIN CERTIFICATE) in it") }
        return certificates
    }

    // MARK: Validity

    private static func validityProblems(_ certificates: [Certificate], source: String, now: Date) -> [String] {
        certificates.compactMap { certificate in
            if now > certificate.notValidAfter {
                return "\(source): certificate \(describe(certificate)) expired at "
                    + "\(certificate.notValidAfter.formatted(.iso8601))"
            }
            if now < certificate.notValidBefore {
                return "\(source): certificate \(describe(certificate)) is not valid before "
                    + "\(certificate.notValidBefore.formatted(.iso8601))"
            }
            return nil
        }
    }

    private static func describe(_ certificate: Certificate) -> String {
        "\"\(certificate.subject)\""
    }
}
