extension EnvoyFilter {
    /// `EnvoyFilter.EnvoyConfigObjectMatch`: which objects a patch applies to. Istio makes `listener` and `cluster`
    /// one of; the loader enforces that.
    public struct ObjectMatch: Sendable {
        /// `context`. Default `ANY`.
        public var context: PatchContext
        /// `proxy`: the Istio version and node metadata the patch is meant for; `nil` matches every proxy.
        public var proxy: ProxyMatch?
        /// `listener`: for LISTENER, FILTER_CHAIN and NETWORK_FILTER patches.
        public var listener: ListenerMatch?
        /// `cluster`: for CLUSTER patches.
        public var cluster: ClusterMatch?

        public init(
            context: PatchContext = .any,
            proxy: ProxyMatch? = nil,
            listener: ListenerMatch? = nil,
            cluster: ClusterMatch? = nil
        ) {
            self.context = context
            self.proxy = proxy
            self.listener = listener
            self.cluster = cluster
        }
    }
}
