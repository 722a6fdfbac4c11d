#!/usr/bin/env bash
# `make test`: installs what is missing (PostgreSQL, Redis, Chromium), starts PostgreSQL and
# Redis on loopback in a throwaway directory, runs scripts/checks.sh against them (lint, deploy
# check, migrations, the whole pytest suite; extra arguments go to pytest) and stops them again,
# also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
.venv/bin/python manage.py compilemessages --ignore '.*' -v 0
PG_SANDBOX_FAST=1 exec bash scripts/pg-sandbox.sh bash scripts/checks.sh "$@"
