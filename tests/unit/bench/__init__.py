"""Unit tests of the benchmark support code."""
