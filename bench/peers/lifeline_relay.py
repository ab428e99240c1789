"""Lifeline with its relay engine for tcp_proxy (`--l4-engine relay`): the L4 workloads only."""
from __future__ import annotations

from bench.peers.base import L4
from bench.peers.lifeline import Lifeline


class LifelineRelay(Lifeline):
    name = "lifeline-relay"
    label = "Lifeline (relay)"
    workloads = L4
    extra = ("--l4-engine", "relay")
