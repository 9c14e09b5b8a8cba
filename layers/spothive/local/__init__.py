"""The embedded local runtime (``spothive local``): moto, Redis, ticks and the API on loopback.

Start it with ``spothive.local.runtime.LocalStack``; see docs/local.md. Only this package and
``spothive.commands.local`` know about it.
"""
