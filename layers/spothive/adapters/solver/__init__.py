"""Optimisation solvers behind domain Protocols."""
