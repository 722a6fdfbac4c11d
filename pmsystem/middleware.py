"""Middleware every page goes through that is not about one app: the response headers neither
Django nor django-csp sends, and the security log of refused object URLs."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .security import log_event


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`: each feature
    with the origins that may use it (an empty list: none, not even the site itself)."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY as the Permissions-Policy header, so that a script
    that ever got into a page still could not turn on the camera, the microphone, location
    or payments (a view may set its own header instead)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PermissionDeniedLogMiddleware:
    """Log every 403/404 answered to a signed-in user on a URL that names an object.

    A URL names an object when its resolver match has a `pk` or `*_id` keyword argument
    (`/workplans/<pk>/`, `/appraisals/<pk>/pips/<plan_id>/...`): the document URLs, where a
    denial may be someone probing for documents they may not see.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            match = request.resolver_match
            if (
                match is not None
                and any(key == "pk" or key.endswith("_id") for key in match.kwargs)
                and request.user.is_authenticated
            ):
                log_event(
                    "permission_denied",
                    user=request.user.pk,
                    path=request.path,
                    status=response.status_code,
                    view=match.view_name,
                    method=request.method,
                )
        return response
