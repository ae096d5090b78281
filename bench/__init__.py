"""Benchmarks: each compares opsguard against a baseline measured in the same run."""
