"""`manage.py check_access`: does the access the application answers equal today's relations?

Access is derived on every request from the dated relations (`org.relations`,
`workplans.permissions`), so there is no stored grant to drift. What can still go wrong is that
the two ways the application answers disagree with each other or with the records:

- the lists (one SQL query per person and relation: `documents_where`, and My tasks' reading
  of every relation at once: `acting_documents`) against a reference
  worked out here in Python, row by row, from the relation records themselves (lines in effect,
  delegations, accepted additional supervisors, signatures) and the conflict rule;
- the records against the rules the access derivation relies on: one reporting line in effect
  per staff member and cycle on any day, one role per person on a document, and each
  document's kept stage equal to what its stages' states say.

Every finding is a line of text; the command prints them and exits non-zero on any, and logs
them on the security log (the daily Celery beat job runs it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from appraisals.services import stage_drift
from org.models import Cycle, User
from org.relations import current_delegations, lines_in_effect, today
from pmsystem.models import Signature
from pmsystem.security import log_event
from workplans.conflicts import Held, resolve
from workplans.models import AdditionalSupervisor, WorkPlan
from workplans.permissions import acting_documents, documents_where

LIST_RELATIONS = ("fro", "sro", "additional_supervisor")


@dataclass
class Report:
    checked_documents: int = 0
    checked_people: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def expected_relations(documents: list[tuple[int, int, int]]) -> dict[int, dict[str, set[int]]]:
    """{user id: {relation: document ids}} for the document relations lists show, worked out
    from the relation rows (not from the SQL the pages use)."""
    ids = [pk for pk, _, _ in documents]
    lines: dict[tuple[int, int], tuple[int, int]] = {}
    for staff_id, cycle_id, fro_id, sro_id in (
        lines_in_effect()
        .filter(cycle_id__in={c for _, _, c in documents})
        .order_by("effective_from")
        .values_list("staff_id", "cycle_id", "fro_id", "sro_id")
    ):
        lines[(staff_id, cycle_id)] = (fro_id, sro_id)
    acting: dict[tuple[int, str], set[int]] = defaultdict(set)
    for acting_id, principal_id, role in current_delegations().values_list(
        "acting_id", "principal_id", "role"
    ):
        acting[(principal_id, role)].add(acting_id)
    supervisors: dict[int, set[int]] = defaultdict(set)
    for document_id, user_id in AdditionalSupervisor.objects.filter(
        work_plan_id__in=ids, state=AdditionalSupervisor.State.ACCEPTED
    ).values_list("work_plan_id", "supervisor_id"):
        supervisors[document_id].add(user_id)
    signed: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for document_id, signer_id, role in Signature.objects.filter(document_id__in=ids).values_list(
        "document_id", "signer_id", "role"
    ):
        signed[document_id][signer_id].add(role)

    expected: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pk, staff_id, cycle_id in documents:
        held: dict[int, Held] = defaultdict(Held)
        held[staff_id].relations["staff"] = None
        fro_id, sro_id = lines.get((staff_id, cycle_id), (None, None))
        for role, officer_id in (("fro", fro_id), ("sro", sro_id)):
            if officer_id is None:
                continue
            held[officer_id].relations[role] = None
            for acting_id in acting.get((officer_id, role), ()):
                held[acting_id].relations.setdefault(role, officer_id)
        for user_id in supervisors.get(pk, ()):
            held[user_id].relations["additional_supervisor"] = None
        for signer_id, roles in signed.get(pk, {}).items():
            held[signer_id].signed_roles |= roles
        for user_id, person in held.items():
            for relation in resolve(person):
                if relation in LIST_RELATIONS:
                    expected[user_id][relation].add(pk)
    return expected


def relation_findings(report: Report) -> None:
    """Records that break a rule access relies on."""
    on = today()
    lines = lines_in_effect(on).exclude(cycle__status=Cycle.Status.CLOSED)
    seen: dict[tuple[int, int], int] = {}
    for pk, staff_id, cycle_id in lines.order_by("staff_id", "cycle_id").values_list(
        "pk", "staff_id", "cycle_id"
    ):
        if (staff_id, cycle_id) in seen:
            report.findings.append(
                f"reporting lines {seen[(staff_id, cycle_id)]} and {pk} of staff member "
                f"{staff_id} are both in effect on {on.isoformat()} in cycle {cycle_id}"
            )
        seen[(staff_id, cycle_id)] = pk
    for acting_id, principal_id, role in current_delegations(on).values_list(
        "acting_id", "principal_id", "role"
    ):
        if role not in ("fro", "sro"):
            continue
        other = "sro" if role == "fro" else "fro"
        clash = (
            lines.filter(**{f"{role}_id": principal_id})
            .filter(Q(staff_id=acting_id) | Q(**{f"{other}_id": acting_id}))
            .values_list("staff_id", "cycle_id")
            .first()
        )
        if clash:
            report.findings.append(
                f"acting {role} {acting_id} (for {principal_id}) also holds a role on the "
                f"document of staff member {clash[0]} in cycle {clash[1]}"
            )
    for pk, stage in stage_drift().values_list("pk", "stage")[:1000]:
        report.findings.append(f"document {pk} is kept at stage {stage!r} but its states differ")


def check_access(*, cycle_ids: list[int] | None = None) -> Report:
    """Compare every person's document lists with the relations (see the module docstring)."""
    report = Report()
    relation_findings(report)
    documents = WorkPlan.objects.exclude(cycle__status=Cycle.Status.CLOSED)
    if cycle_ids is not None:
        documents = documents.filter(cycle_id__in=cycle_ids)
    rows = list(documents.values_list("pk", "staff_id", "cycle_id", "cycle__status"))
    open_ids = {pk for pk, _, _, status in rows if status == Cycle.Status.OPEN}
    rows = [(pk, staff_id, cycle_id) for pk, staff_id, cycle_id, _ in rows]
    report.checked_documents = len(rows)
    expected = expected_relations(rows)
    document_ids = {pk for pk, _, _ in rows}
    people = set(expected)
    # Anyone who acts for someone today must be looked at too: a list that shows them a
    # document the relations do not give them is drift as much as a missing one.
    people |= set(current_delegations().values_list("acting_id", flat=True))
    users = User.objects.in_bulk(people)
    report.checked_people = len(users)
    for user_id in sorted(users):
        user = users[user_id]
        # My tasks reads every relation at once, in SQL compiled once per process.
        acting = acting_documents(user)
        for relation in LIST_RELATIONS:
            listed = set(acting.ids(relation)) & open_ids
            wanted = expected.get(user_id, {}).get(relation, set()) & open_ids
            for pk in sorted(listed ^ wanted):
                report.findings.append(
                    f"user {user_id}'s tasks {'list' if pk in listed else 'miss'} document "
                    f"{pk} as {relation}"
                )
            shown = set(
                documents_where(user, relation)
                .filter(pk__in=document_ids)
                .values_list("pk", flat=True)
            )
            wanted = expected.get(user_id, {}).get(relation, set())
            for pk in sorted(shown - wanted):
                report.findings.append(
                    f"user {user_id} is shown document {pk} as {relation} without that relation"
                )
            for pk in sorted(wanted - shown):
                report.findings.append(
                    f"user {user_id} holds {relation} on document {pk} but it is not listed"
                )
    if report.findings:
        log_event("access_drift", findings=len(report.findings), first=report.findings[0])
    return report
