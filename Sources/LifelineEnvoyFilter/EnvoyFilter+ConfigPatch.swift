public import LifelineConfig

extension EnvoyFilter {
    /// `EnvoyFilter.EnvoyConfigObjectPatch`: one entry of `spec.configPatches`.
    public struct ConfigPatch: Sendable {
        /// `applyTo`: the kind of object the patch edits.
        public var applyTo: ApplyTo
        /// `match`: which objects of that kind. Absent in the file: every one (context `ANY`).
        public var match: ObjectMatch
        /// `patch.operation`.
        public var operation: Operation
        /// `patch.value`: the Envoy config the operation adds or merges, in proto-JSON form, keeping the positions
        /// it was written at so that errors found after patching point into the filter file. `nil` for `REMOVE`.
        public var value: ConfigTree?
        /// Where the patch was written: `path` is `spec.configPatches[n]` (after the document's name when its file
        /// holds several filters).
        public var origin: ConfigOrigin

        public init(
            applyTo: ApplyTo,
            match: ObjectMatch = ObjectMatch(),
            operation: Operation,
            value: ConfigTree? = nil,
            origin: ConfigOrigin = ConfigOrigin(path: "")
        ) {
            self.applyTo = applyTo
            self.match = match
            self.operation = operation
            self.value = value
            self.origin = origin
        }
    }
}
