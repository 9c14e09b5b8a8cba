"""Amazon States Language definitions, shared by the CDK app and the local stack."""
