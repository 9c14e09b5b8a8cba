"""SpotHive in-cluster agent: observes a Kubernetes cluster for the hub and carries out its actions."""

__version__ = "0.1.0"
