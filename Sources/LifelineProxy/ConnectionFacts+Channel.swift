import LifelinePlan
import NIOCore

extension ConnectionFacts {
    /// What is known of a connection before its chain is chosen: its local and peer addresses (a PROXY header's when
    /// one was read, else the socket's), and the socket's own peer; nil for a channel without IP addresses. On the
    /// event loop.
    init?(channel: any Channel) {
        guard let local = channel.downstreamLocalAddress, let remote = channel.downstreamRemoteAddress,
            let localBytes = local.addressBytes, let remoteBytes = remote.addressBytes,
            let localPort = local.port, let remotePort = remote.port
        else { return nil }
        self.init(
            destinationAddress: localBytes,
            destinationPort: localPort,
            sourceAddress: remoteBytes,
            sourcePort: remotePort,
            directSourceAddress: channel.remoteAddress?.addressBytes
        )
    }
}

extension SocketAddress {
    /// The IP address in network byte order: 4 bytes or 16; nil for a Unix domain socket.
    ///
    /// Read from the `sockaddr` by offset (`sin_addr` after family and port; `sin6_addr` after family, port and flow
    /// information), the same on Linux and Darwin.
    var addressBytes: [UInt8]? {
        let range: Range<Int>
        switch self {
        case .v4: range = 4..<8
        case .v6: range = 8..<24
        case .unixDomainSocket: return nil
        }
        return withSockAddr { pointer, size in
            guard size >= range.upperBound else { return nil }
            return Array(UnsafeRawBufferPointer(start: pointer, count: size)[range])
        }
    }
}
