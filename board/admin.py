"""The review board's comments in the Django admin: a read-only record (members write on the
board's pages, where `board.services` checks who may)."""

from __future__ import annotations

from django.contrib import admin

from pmsystem.admin import ReadOnlyAdmin

from .models import BoardComment


@admin.register(BoardComment)
class BoardCommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "entity", "cycle", "document", "fro", "author", "kind"]
    list_filter = ["kind", "entity"]
    list_select_related = ["entity", "cycle", "document__staff__user", "fro", "author"]
