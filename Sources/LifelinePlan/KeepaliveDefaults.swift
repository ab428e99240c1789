/// Lifeline's keepalive when a config says nothing: on, both downstream and upstream.
///
/// 15 s idle, 15 s between probes, 3 probes: the values of the Istio recipe Lifeline grew from. Probe traffic every
/// 15 s keeps any load balancer with an idle timeout above 15 s from dropping a quiet connection (AWS NLB 350 s,
/// Azure LB 240 s, the 60 s some GCP connection-tracking modes use), and a peer that vanished is reset 60 s after
/// its last traffic. TCP_USER_TIMEOUT defaults
/// to the same 60 s so that a peer which vanishes while data is unacknowledged — when keepalive probes do not run —
/// is dropped on the same schedule; with it set, Linux still resets an idle dead peer at 60 s.
public enum KeepaliveDefaults {
    public static let time = 15
    public static let interval = 15
    public static let probes = 3

    /// TCP_USER_TIMEOUT that matches a keepalive schedule: time + interval × probes, in milliseconds.
    public static func userTimeoutMilliseconds(time: Int, interval: Int, probes: Int) -> Int {
        (time + interval * probes) * 1000
    }
}
