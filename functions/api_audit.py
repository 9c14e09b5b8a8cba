"""Lambda entry point for the `api-audit` route group (FastAPI behind API Gateway via Mangum)."""

from mangum import Mangum

from spothive.api.app import create_app

handler = Mangum(create_app(["api-audit"]), lifespan="off")
