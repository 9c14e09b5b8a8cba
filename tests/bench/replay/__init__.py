"""The week-long replay benchmark's parts: trace → cluster, week clock and load, interruptions, policies,
accounting (see ``tests/bench/bench_replay.py``)."""
