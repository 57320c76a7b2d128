"""Benchmarks of the bench: they print their figures; no test asserts on timing."""
