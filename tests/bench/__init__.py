"""Benchmarks, run with `make bench`; they report ratios and never fail on timing."""
