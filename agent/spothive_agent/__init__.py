"""SpotHive in-cluster agent."""
