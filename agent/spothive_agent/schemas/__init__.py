"""JSON Schemas of the documents the agent exchanges with the hub (package data)."""
