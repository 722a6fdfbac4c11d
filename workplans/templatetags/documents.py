"""Template filters for the document pages."""

from django import template

from workplans.permissions import document_links

register = template.Library()


@register.filter
def links_for(roles) -> dict[str, bool]:
    """`{% with links=roles|links_for %}`: which document-wide links the header shows."""
    return document_links(roles or frozenset())
