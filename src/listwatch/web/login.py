"""The web UI's side of the access rule (:mod:`listwatch.api.access`): a login form and a cookie.

When reading needs a key, every page asks for it: a request without a valid key (``X-API-Key``
header or the login cookie) gets the login form with status 401 instead of the page. ``POST
/login`` takes the key from the form body - never from the query string - and sets it as an
HttpOnly, SameSite=Strict cookie; ``POST /logout`` clears it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from listwatch.api.access import COOKIE, Keys

__all__ = ["LoginRequired", "login_page", "page_guard", "router"]

COOKIE_SECONDS = 12 * 3600


class LoginRequired(Exception):
    """A page was asked for without a valid key; answered with the login form (401)."""


def _next(value: object) -> str:
    """Only a local path is a place to go back to (no open redirect)."""
    text = str(value or "/")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


def login_page(templates: Jinja2Templates, request: Request, error: str | None = None,
               status_code: int = 401) -> HTMLResponse:
    target = _next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return templates.TemplateResponse(request, "login.html", {"next": target if request.url.path != "/login"
                                                              else "/", "error": error}, status_code=status_code)


def page_guard(keys: Keys) -> Callable[[Request], None]:
    """A dependency for every page: raise :class:`LoginRequired` unless the request may read."""

    def guard(request: Request) -> None:
        if not keys.can_read(request.headers.get("x-api-key"), request.cookies):
            raise LoginRequired()

    return guard


def router(keys: Keys, templates: Jinja2Templates) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return login_page(templates, request, status_code=200)

    @r.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        key, target = str(form.get("key") or ""), _next(form.get("next"))
        if not keys.valid(key):
            return login_page(templates, request, "That key is not valid for this server.")
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, key, max_age=COOKIE_SECONDS, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
        return resp

    @r.post("/logout")
    def logout() -> Response:
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    return r
