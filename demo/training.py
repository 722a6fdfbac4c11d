"""The demo's mandatory training (issue 16 section 2, docs/rules.md section 10).

Two organisation-wide courses, written through the service by the demo's administrator:
"Performance Management and Development" for every FRO and SRO (six months after they first
managed) and "Ethics and integrity" for all staff (twelve months after entry on duty, valid
three years); and the demo entity's own "Senior leadership" programme for its HODs, kept by
its HR focal point. Most people completed them (as the learning system's import would have
written them); the `fro` login has not taken the managers' course and finds it, overdue, in
My tasks, and one person in ten has an ethics course to renew.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from org.models import DepartmentRole, ReportingLine, StaffMember, User
from training import services
from training.models import Completion, Course

from .organisation import DEMO_LOGINS

IN_FORCE = datetime.date(2024, 1, 1)


def seed_documents() -> int:
    """The completions written (0 when the demo has its courses already)."""
    admin = User.objects.filter(email=DEMO_LOGINS["admin"]).first()
    hr = User.objects.filter(email=DEMO_LOGINS["hr_focal_point"]).first()
    if admin is None or hr is None or Course.objects.exists():
        return 0
    managers = services.save_course(
        actor=admin,
        data={
            "code": "PMD",
            "name": "Performance Management and Development",
            "description": "The overview programme required of all managers and supervisors.",
            "audience": Course.Audience.MANAGERS,
            "deadline_months": 6,
            "deadline_from": Course.DeadlineFrom.FIRST_MANAGING,
            "starts_on": IN_FORCE,
        },
    )
    ethics = services.save_course(
        actor=admin,
        data={
            "code": "ETHICS",
            "name": "Ethics and integrity",
            "audience": Course.Audience.STAFF,
            "deadline_months": 12,
            "validity_years": 3,
            "starts_on": IN_FORCE,
        },
    )
    role = DepartmentRole.objects.filter(user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT).first()
    if role is not None:
        services.save_course(
            actor=hr,
            data={
                "code": f"LEAD-{role.entity.code}"[:32],
                "name": "Senior leadership programme",
                "entity": role.entity,
                "audience": Course.Audience.ROLE,
                "role": DepartmentRole.Role.HOD,
                "deadline_months": 6,
                "starts_on": IN_FORCE,
            },
        )
    today = timezone.localdate()
    fro_login = User.objects.filter(email=DEMO_LOGINS["fro"]).values_list("pk", flat=True).first()
    officers = set(ReportingLine.objects.values_list("fro_id", flat=True)) | set(
        ReportingLine.objects.values_list("sro_id", flat=True)
    )
    rows = [
        Completion(
            course=managers,
            user_id=pk,
            completed_on=datetime.date(2025, 5, 1) + datetime.timedelta(days=pk % 200),
            source=Completion.Source.IMPORT,
        )
        for pk in sorted(officers - {fro_login, None})
        if pk % 7
    ]
    rows += [
        Completion(
            course=ethics,
            user_id=pk,
            # One in ten completed it more than three years ago: due for renewal.
            completed_on=today
            - datetime.timedelta(days=1100 + pk % 200 if pk % 10 == 0 else 30 + pk % 900),
            source=Completion.Source.IMPORT,
        )
        for pk in StaffMember.objects.filter(is_active=True).values_list("pk", flat=True)
    ]
    Completion.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
