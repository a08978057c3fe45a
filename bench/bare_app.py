"""The baseline: a bare Starlette endpoint that reads a form body and redirects, storing nothing."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route


async def submit(request: Request) -> RedirectResponse:
    await request.body()
    return RedirectResponse("/thanks/", status_code=303)


app = Starlette(routes=[Route("/en/tell-us/", submit, methods=["POST"])])
