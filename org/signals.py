"""Signals `org` sends so that apps built on it can re-derive their grants.

Only grant derivation listens to these; business rules never live in receivers.
"""

from django.dispatch import Signal

# Sent after reporting lines change: kwargs `staff_ids` (list of StaffMember pks) and `cycle_ids`.
reporting_lines_changed = Signal()
