"""Lambda entry point for the `api-clusters` route group (FastAPI behind API Gateway via Mangum)."""

from mangum import Mangum

from spothive.api.app import create_app
from spothive.observability import API_GATEWAY, lambda_handler

handler = lambda_handler(API_GATEWAY)(Mangum(create_app(["api-clusters"]), lifespan="off"))
