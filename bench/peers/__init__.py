"""The proxies under test, one file each; PEERS maps a name to its class, in the order runs alternate."""
from bench.peers.envoy import Envoy
from bench.peers.haproxy import HAProxy
from bench.peers.lifeline import Lifeline
from bench.peers.lifeline_relay import LifelineRelay
from bench.peers.nginx import Nginx

PEERS = {cls.name: cls for cls in (Lifeline, LifelineRelay, Envoy, HAProxy, Nginx)}
DEFAULT = ["lifeline", "lifeline-relay", "envoy", "haproxy", "nginx"]  # lifeline-relay: in the L4 workloads only
REFERENCES = ("envoy", "haproxy", "nginx")  # the peers Lifeline's targets compare with
