import LifelineConfig

/// One patch in the order patches run, with the filter it came from.
struct ScheduledPatch {
    /// Position in the run, for bookkeeping.
    let id: Int
    let patch: EnvoyFilter.ConfigPatch
    /// `namespace/name` of the filter.
    let filterName: String
    /// Index in the filter's `spec.configPatches`.
    let index: Int
    /// `EnvoyFilter <namespace>/<name> patch <n>`, recorded on every value the patch puts into the config.
    let provenance: String

    var operation: EnvoyFilter.Operation { patch.operation }

    /// The patch value; an empty object for REMOVE, which needs none.
    var value: ConfigTree { patch.value ?? ConfigTree(.object([])) }

    /// Where the value was written, for messages: `spec.configPatches[0].patch.value`.
    var valuePath: String { FilterFieldPath.joining(patch.origin.path, ConfigPath([.key("patch"), .key("value")])) }

    /// The value as ADD, INSERT_* and REPLACE put it into the config: the whole object marked as this patch's.
    var insertedValue: ConfigTree { ProtoMerge.stamped(value, provenance) }
}
