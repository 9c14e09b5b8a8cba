"""Data files shipped with the core package."""
