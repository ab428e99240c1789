import LifelineConfig

/// What istiod matches a listener by: its name and its port.
struct ListenerFacts {
    /// `name`, or Istio's name for a listener at `address`:`port`, `<address>_<port>` (`0.0.0.0_8443`), when the
    /// bootstrap leaves it out.
    let name: String?
    /// `address.socket_address.port_value`.
    let port: Int64?

    init(_ listener: ConfigTree) {
        let socketAddress = listener.protoField("address")?.protoField("socket_address")
        let port = socketAddress?.protoField("port_value")?.integer
        self.port = port
        if let name = listener.protoField("name")?.text, !name.isEmpty {
            self.name = name
        } else if let address = socketAddress?.protoField("address")?.text, let port {
            self.name = "\(address)_\(port)"
        } else {
            self.name = nil
        }
    }
}
