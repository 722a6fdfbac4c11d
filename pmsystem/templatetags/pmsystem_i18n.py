"""{% load pmsystem_i18n %}: `{{ level.label|translated }}` shows a seeded data label (rating
levels, competencies) in the reader's language (pmsystem.i18n.translated); `{{ label|lower_first }}`
puts a state or stage label inside a sentence, acronyms kept ("FRO evaluation", "awaiting the
HOD's reply": pmsystem.workflow.lower_first), where `|lower` would write "fro evaluation"."""

from django import template

from pmsystem.i18n import translated
from pmsystem.workflow import lower_first

register = template.Library()
register.filter("translated", translated)
register.filter("lower_first", lambda value: lower_first(str(value)))
