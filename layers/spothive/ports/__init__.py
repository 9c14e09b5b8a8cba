"""The ports services depend on: Protocols that adapters (AWS, DynamoDB, Redis, memory) implement,
one module per concept (``ports.identity``, ``ports.inventory``, ``ports.audit`` …). Records and rules
live in ``spothive.domain``."""
