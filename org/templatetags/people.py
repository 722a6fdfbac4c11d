"""`{% person user %}`: a person's name as pages show it, with their email beside it when
another active account has the same name ("Hana Diaz (hana.diaz2@example.org)"), so that two
colleagues called alike are told apart in comments, timelines and lists."""

from __future__ import annotations

from typing import Any

from django import template

from org.selectors import shared_names

register = template.Library()


def _shared(context: template.Context) -> frozenset[str]:
    """The names borne by more than one person, asked once per request (or per template
    rendered without one, as an email)."""
    holder: Any = context.get("request") or context.render_context
    names = getattr(holder, "_shared_names", None) if holder is not None else None
    if names is None:
        names = shared_names()
        try:
            holder._shared_names = names
        except AttributeError:
            pass
    return names


@register.simple_tag(takes_context=True)
def person(context: template.Context, user: Any) -> str:
    if user is None:
        return ""
    name = str(user)
    full = f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip()
    if full and full.lower() in _shared(context) and getattr(user, "email", ""):
        return f"{name} ({user.email})"
    return name
