"""Run by tests/test_sqlite_demo.py inside `manage.py shell` on the SQLite demo: every demo
login opens My tasks and follows the links it finds, breadth first, up to `PAGES` pages each.
Prints one line per page that answered 500 (or raised) and a last line with the counts."""

from __future__ import annotations

import re
from collections import deque

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from demo.organisation import DEMO_LOGINS
from org.models import User

PAGES = 40
SKIP = ("/static", "/accounts/logout", "/admin")
FILES = (".pdf", ".xlsx", ".csv")


def crawl() -> None:
    total, failed = 0, 0
    for role, email in DEMO_LOGINS.items():
        user = User.objects.get(email=email)
        if not Authenticator.objects.filter(user=user).exists():
            TOTP.activate(user, generate_totp_secret())
        client = Client(raise_request_exception=False)
        client.force_login(user)
        seen: set[str] = set()
        queue = deque(["/"])
        while queue and len(seen) < PAGES:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            total += 1
            if response.status_code >= 500:
                failed += 1
                print(f"FAILED {role} {url} {response.status_code}")
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                for href in re.findall(r'href="(/[^"#?]*)', response.content.decode()):
                    if not href.startswith(SKIP) and not href.endswith(FILES):
                        queue.append(href)
    print(f"pages {total} failed {failed}")


crawl()
