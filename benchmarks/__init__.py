"""Benchmarks: each workload in yingshe and in PyTorch in the same run, reported as ratios."""
