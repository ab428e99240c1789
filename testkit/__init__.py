"""What bench/, lab/ and faults/ share: network namespaces and the NLB lab (netns), processes and their CPU, memory
and descriptors (processes), a selector loop tracking many sockets (hub), and the admin endpoints' counters (admin).

Standard library only. Scripts put the repository root on sys.path and import `testkit.<module>`.
"""
