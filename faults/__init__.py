"""Lifeline under faults and exhausted resources: faults/faults.py runs the scenarios (faults/run)."""
