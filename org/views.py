from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import current_cycle, role_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My tasks: what waits for the user in any role."""
    cycle = current_cycle()
    return render(
        request,
        "org/home.html",
        {"cycle": cycle, "roles": role_summary(request.user, cycle)},
    )
