"""Lambda entry point for the `api-connect` route group (FastAPI behind API Gateway via Mangum)."""

from spothive.api.lambda_app import handler_for

handler = handler_for("api-connect")
