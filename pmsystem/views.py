"""Pages of what every stage shares: a form's draft, saved as it is typed (`pmsystem.drafts`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from . import drafts


@require_POST
def draft(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    """Save the author's draft of `form` on document `pk` (static/js/drafts.js posts it as
    they type and when they leave the page), or discard it (`discard`). 204 when done; 404
    for a document they may not see or a form no app declares; 403 when the form is not
    theirs to fill now."""
    spec = drafts.form_of(form)
    if not drafts.may_keep(request.user, pk, spec):
        raise PermissionDenied("This form is not yours to fill on this document now.")
    if "discard" in request.POST:
        drafts.discard_draft(author=request.user, document_id=pk, form_key=spec.key)
        return HttpResponse(status=204)
    try:
        drafts.save_draft(author=request.user, document_id=pk, form=spec, data=request.POST)
    except drafts.DraftRefused as error:
        return HttpResponseBadRequest(error.message)
    return HttpResponse(status=204)
