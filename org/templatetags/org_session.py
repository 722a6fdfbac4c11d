"""`{% session_timeout %}` on the `<body>` of every signed-in page: what static/js/session.js
needs to warn before the idle timeout (org.middleware.SessionLimitsMiddleware) and to offer
to stay signed in."""

from __future__ import annotations

import math

from django import template
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import format_html

from org import middleware

register = template.Library()


@register.simple_tag(takes_context=True)
def session_timeout(context: template.Context) -> str:
    request = context.get("request")
    left = middleware.idle_seconds_left(request) if request is not None else None
    if left is None:
        return ""
    return format_html(
        ' data-session-idle="{}" data-session-left="{}" data-session-resolution="{}"'
        ' data-session-keep-alive="{}" data-session-login="{}"',
        math.floor(middleware.idle_timeout()),
        math.floor(left),
        math.ceil(middleware.seen_resolution()),
        reverse("org:keep-alive"),
        resolve_url(settings.LOGIN_URL),
    )
