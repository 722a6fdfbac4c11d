"""Settings are chosen by DJANGO_ENV: anything but "production" is the embedded default."""

import os

if os.environ.get("DJANGO_ENV", "").lower() == "production":
    from .production import *  # noqa: F403
else:
    from .base import *  # noqa: F403
