from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org.selectors import current_cycle, role_summary

from .selectors import my_tasks


def home(request: HttpRequest) -> HttpResponse:
    """My tasks: what waits for the user in any role, and the roles they hold."""
    cycle = current_cycle()
    return render(
        request,
        "compliance/home.html",
        {
            "cycle": cycle,
            "roles": role_summary(request.user, cycle),
            "tasks": my_tasks(request.user, cycle),
        },
    )
