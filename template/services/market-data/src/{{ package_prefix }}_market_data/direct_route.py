"""A FastAPI route whose endpoint takes the Request and returns its Response itself."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class DirectRoute(APIRoute):
    """An APIRoute that calls its endpoint with the Request and sends what it returns.

    For endpoints that read and check their own inputs and build their own Response
    (`/health`, `/v1/price`, `/v1/atr`): FastAPI's dependency resolution and response
    handling find nothing to do for them and cost about a quarter of the CPU time of a
    cached price answer (benchmarks/bench_market_data.py). The route still states its
    response model, responses and `openapi_extra` parameters in the OpenAPI schema, and
    the app's exception handlers still turn what the endpoint raises into responses.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        dependant = self.dependant
        declared = (
            dependant.path_params
            + dependant.query_params
            + dependant.header_params
            + dependant.cookie_params
            + dependant.body_params
        )
        if declared or dependant.dependencies:
            raise TypeError(
                f"{path}: a DirectRoute endpoint takes only the Request and reads its inputs "
                "itself; state them in openapi_extra instead of declaring them"
            )

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The endpoint itself: it gets the Request and returns the Response."""
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint
