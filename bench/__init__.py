"""Benchmarks: separate commands, not timed tests. Each prints a table; figures go in docs/PERFORMANCE.md."""
