"""SpotHive core: domain, services, adapters and API shared by every function."""
