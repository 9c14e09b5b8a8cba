"""Sub-commands of the spothive CLI."""
