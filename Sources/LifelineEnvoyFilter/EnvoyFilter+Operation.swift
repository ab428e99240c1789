extension EnvoyFilter {
    /// `EnvoyFilter.Patch.Operation`.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// `MERGE` (1): protobuf merge of the value into each matched object. Scalars replace, messages merge field by
        /// field, repeated fields append.
        case merge = "MERGE"
        /// `ADD` (2): appends the value to the list the kind lives in (for a filter chain or network filter: in each
        /// matched listener or filter chain).
        case add = "ADD"
        /// `REMOVE` (3): removes each matched object.
        case remove = "REMOVE"
        /// `INSERT_BEFORE` (4): inserts the value before the first filter named by the match; at the front of the
        /// list when the match names no filter.
        case insertBefore = "INSERT_BEFORE"
        /// `INSERT_AFTER` (5): inserts the value after the first filter named by the match; at the end of the list
        /// when the match names no filter.
        case insertAfter = "INSERT_AFTER"
        /// `INSERT_FIRST` (6): inserts the value at the front of the list.
        case insertFirst = "INSERT_FIRST"
        /// `REPLACE` (7): replaces the first filter named by the match with the value.
        case replace = "REPLACE"
    }
}
