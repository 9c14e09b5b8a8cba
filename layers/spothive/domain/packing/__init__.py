"""Consolidation planning (bin packing) over a cluster snapshot."""
