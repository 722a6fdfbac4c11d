"""{% load i18n pmsystem_i18n %}: `{{ level.label|translated }}` shows a seeded data label (rating
levels, competencies) in the reader's language (pmsystem.i18n.translated); `{{ label|lower_first }}`
puts a state or stage label inside a sentence, acronyms kept ("FRO evaluation", "awaiting the
HOD's reply": pmsystem.workflow.lower_first), where `|lower` would write "fro evaluation".

Loaded after `i18n`, it also gives `{% blocktranslate %}` French elision before the values it
puts in the sentence ("Plan de travail d'Adaeze Obi", not "de Adaeze": pmsystem.i18n.elided);
the tag is Django's own otherwise."""

from typing import Any

from django import template
from django.template.base import Parser, Token, render_value_in_context
from django.templatetags.i18n import BlockTranslateNode, do_block_translate
from django.utils import translation
from django.utils.safestring import SafeString

from pmsystem.i18n import elided, translated
from pmsystem.workflow import lower_first

register = template.Library()
register.filter("translated", translated)
register.filter("lower_first", lambda value: lower_first(str(value)))


class ElidingBlockTranslateNode(BlockTranslateNode):
    """Django's node, with French elision before each value it interpolates."""

    def render(self, context: Any, nested: bool = False) -> str:
        if not (translation.get_language() or "").startswith("fr"):
            # Elision is French: elsewhere the values are not rendered a second time (half
            # the time of a reminder email's sentences, issue 14).
            return super().render(context, nested)
        values = self._values(context)
        output = super().render(context, nested)
        if self.asvar:
            context[self.asvar] = SafeString(elided(context[self.asvar], values))
            return output
        return elided(output, values)

    def _values(self, context: Any) -> list[str]:
        """The values as the sentence shows them (rendered and escaped as Django does)."""
        names = self.render_token_list(self.singular)[1]
        if self.plural:
            names += self.render_token_list(self.plural)[1]
        with context.push({var: val.resolve(context) for var, val in self.extra_context.items()}):
            return [
                render_value_in_context(context[name], context) for name in names if name in context
            ]


@register.tag("blocktranslate")
@register.tag("blocktrans")
def eliding_block_translate(parser: Parser, token: Token) -> BlockTranslateNode:
    node = do_block_translate(parser, token)
    node.__class__ = ElidingBlockTranslateNode
    return node
