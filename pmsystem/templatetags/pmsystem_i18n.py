"""{% load pmsystem_i18n %}: `{{ level.label|translated }}` shows a seeded data label (rating
levels, competencies) in the reader's language (pmsystem.i18n.translated)."""

from django import template

from pmsystem.i18n import translated

register = template.Library()
register.filter("translated", translated)
