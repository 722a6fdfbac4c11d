"""Demo feedback for `manage.py seed_demo`: an open upward-feedback campaign in the demo
logins' entity, launched by its HR focal point, its window open around today.

- The demo FRO is rated: up to ten of their staff answered (counted in groups of five; with
  ten, comments are shown); the demo staff member has not, and finds the questionnaire in My
  tasks. The demo
  SRO is the FRO's own FRO and reads the results, also on the FRO's evaluation.
- The demo additional supervisor (FRO of a smaller team) has three answers of the five
  needed: "Not enough answers to keep them anonymous".
- A third manager, whom the demo SRO is FRO of, has six answers (five counted): the SRO
  finds them on that manager's evaluation, and HR gets the entity's totals (two managers'
  results).

Colleague feedback, around the demo FRO's team: the demo staff member's list in draft (two
names: a third to add, then send), a probationer's list (the team's latest arrival) sent to
the demo FRO to confirm, and a confirmed list with two signed answers, one refusal and the
demo staff representative still to answer.

Recognition: the demo staff member received two notes (one attached to their document, so it
shows on their evaluation and in its PDF) and one from the demo FRO, sent today, which the FRO
may still withdraw; a dozen more across the entity give HR its counts per unit.

Called by `manage.py seed_demo` after the other demos; idempotent (nothing is added once a
campaign exists). Answers go through the real services, so they are sealed and counted as
any other."""

from __future__ import annotations

import datetime
import random

from django.db.models import Case, When
from django.utils import timezone

from demo.organisation import DEMO_LOGINS
from feedback import services
from feedback.models import Campaign, ColleagueRequest, RatedManager, UpwardQuestion
from org.models import Cycle, DepartmentRole, StaffMember, User
from org.relations import lines_in_effect
from pmsystem.stages import Stage
from workplans.models import Competency, WorkPlan
from workplans.permissions import role_holders

# Where the evaluation page shows its content to the FRO and SRO.
EVALUATION_STAGES = (Stage.SRO_REVIEW, Stage.ACKNOWLEDGEMENT, Stage.COMPLETED)

COMMENTS = [
    "Always makes time to discuss priorities when the workload peaks.",
    "Meetings could be shorter; decisions are sometimes revisited late.",
    "Gives credit to the team in front of senior management.",
    "I would welcome more regular feedback between the mid-point and the end of the cycle.",
    "Encouraged me to take the project management course this year.",
    "Handles disagreement calmly and listens before deciding.",
    "Deadlines are sometimes set without checking what else is on our plates.",
    "Clear about what is expected, and fair when things go wrong.",
]


def _supervisees(manager_id: int, cycle: Cycle, exclude: set[int]) -> list[StaffMember]:
    # Ids first, then the people: two plans no statistics can make explosive (issue 11).
    ids = list(
        lines_in_effect()
        .filter(cycle=cycle, fro_id=manager_id, staff__is_active=True)
        .exclude(staff_id__in=exclude)
        .values_list("staff_id", flat=True)
    )
    return list(StaffMember.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def _answer(rated: RatedManager, people: list[StaffMember], rng: random.Random) -> int:
    questions = list(UpwardQuestion.objects.filter(cycle_id=rated.campaign.cycle_id))
    for person in people:
        services.give_upward_feedback(
            rated=rated,
            actor=person.user,
            answers={q.pk: rng.choice((2, 3, 4, 4, 5, 5)) for q in questions},
            comments={rng.choice(questions).pk: rng.choice(COMMENTS)} if rng.random() < 0.7 else {},
        )
    return len(people)


def seed_documents() -> int:
    """The campaign and its answers; returns the number of answers given."""
    if Campaign.objects.exists():
        return 0
    cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
    hr = User.objects.filter(email=DEMO_LOGINS["hr_focal_point"]).first()
    if cycle is None or hr is None:
        return 0
    role = DepartmentRole.objects.filter(user=hr, role=DepartmentRole.Role.HR_FOCAL_POINT).first()
    if role is None:
        return 0
    today = timezone.localdate()
    settings = services.feedback_settings(cycle)
    settings.upward_opens_on = today - datetime.timedelta(days=14)
    settings.upward_closes_on = today + datetime.timedelta(days=30)
    settings.save()
    campaign = services.launch_campaign(entity=role.entity, cycle=cycle, actor=hr).campaign
    logins = dict(User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("email", "pk"))
    demo_people = set(logins.values())
    rng = random.Random(15)  # noqa: S311 - demo data, not security
    rated = {r.manager_id: r for r in campaign.rated.select_related("campaign")}
    given = 0
    fro = logins.get(DEMO_LOGINS["fro"])
    if fro in rated:
        given += _answer(rated[fro], _supervisees(fro, cycle, demo_people)[:10], rng)
    below = logins.get(DEMO_LOGINS["additional_supervisor"])
    if below in rated:
        given += _answer(rated[below], _supervisees(below, cycle, demo_people)[:3], rng)
    others = [pk for pk in rated if pk not in demo_people]
    if others:
        third = _shown_on_an_evaluation(others, cycle, logins.get(DEMO_LOGINS["sro"]))
        given += _answer(rated[third], _supervisees(third, cycle, demo_people)[:6], rng)
    return (
        given
        + _seed_colleagues(cycle, logins, demo_people)
        + _seed_recognition(cycle, logins, role.entity_id)
    )


ANSWERS = [
    (
        "Turns requests around within the day and explains the figures behind them.",
        "Could bring partners in earlier when a deadline moves.",
        "The mid-year budget revision: she walked our team through each change.",
    ),
    (
        "Reliable, careful with details, always shares the final version with everyone.",
        "Meetings with our office could have a written agenda.",
        "",
    ),
]


def _seed_colleagues(cycle: Cycle, logins: dict[str, int], demo_people: set[int]) -> int:
    """The colleague lists described above; returns the number of requests made."""
    staff = logins.get(DEMO_LOGINS["staff"])
    fro = logins.get(DEMO_LOGINS["fro"])
    if staff is None or fro is None:
        return 0
    documents = {
        d.staff_id: d
        for d in WorkPlan.objects.filter(
            cycle=cycle,
            staff_id__in=[staff] + [s.pk for s in _supervisees(fro, cycle, demo_people)],
        ).select_related("staff__user", "staff__unit", "cycle")
    }
    own = documents.pop(staff, None)
    others = [documents[pk] for pk in sorted(documents)]
    if own is None or len(others) < 2:
        return 0
    fro_user = User.objects.get(pk=fro)
    entity_id = own.staff.unit.entity_id
    used = set(demo_people)

    def pool(count: int, document: WorkPlan) -> list[User]:
        """Colleagues holding no role on `document`, each asked once here: of the entity
        first, then (a small demo's entity runs out) of others, as a colleague may be."""
        holders = set(role_holders(document)) | used
        found = list(
            User.objects.filter(staff__isnull=False, is_active=True)
            .exclude(pk__in=holders)
            .order_by(Case(When(staff__unit__entity_id=entity_id, then=0), default=1), "pk")[:count]
        )
        used.update(u.pk for u in found)
        return found

    made = 0
    for colleague in pool(2, own):
        services.add_colleague(document=own, actor=own.staff.user, colleague=colleague)
        made += 1
    # On probation, the team's latest arrival: their list waits for the FRO.
    probationer = max(others, key=lambda d: (d.staff.entry_on_duty, d.staff_id))
    others.remove(probationer)
    StaffMember.objects.filter(pk=probationer.staff_id).update(on_probation=True)
    probationer.staff.on_probation = True
    for colleague in pool(3, probationer):
        services.add_colleague(
            document=probationer, actor=probationer.staff.user, colleague=colleague
        )
        made += 1
    services.submit_colleagues(document=probationer, actor=probationer.staff.user)
    # A confirmed list: two answers, one refusal, the staff representative still to answer.
    answered = others[0]
    representative = User.objects.filter(pk=logins.get(DEMO_LOGINS["staff_representative"]))
    people = pool(3, answered) + [u for u in representative if u.pk not in role_holders(answered)]
    for colleague in people:
        services.add_colleague(document=answered, actor=answered.staff.user, colleague=colleague)
        made += 1
    services.submit_colleagues(document=answered, actor=answered.staff.user)
    services.confirm_colleagues(document=answered, actor=fro_user)
    requests = list(ColleagueRequest.objects.filter(round__document=answered).order_by("pk"))
    for request, (strengths, areas, examples) in zip(requests, ANSWERS, strict=False):
        services.answer_colleague_request(
            request=request,
            actor=request.colleague,
            strengths=strengths,
            areas_to_develop=areas,
            examples=examples,
        )
    if len(requests) > 3:
        services.decline_colleague_request(
            request=requests[2],
            actor=requests[2].colleague,
            reason="I joined the section after the work this cycle covers.",
        )
    return made


def _shown_on_an_evaluation(candidates: list[int], cycle: Cycle, sro: int | None) -> int:
    """Of the rated managers, one the demo SRO is FRO of whose evaluation is under way or
    done, so that the SRO login finds the results on it; else the first."""
    supervised = set(
        lines_in_effect()
        .filter(cycle=cycle, staff_id__in=candidates, fro_id=sro)
        .values_list("staff_id", flat=True)
    )
    evaluated = set(
        WorkPlan.objects.filter(
            cycle=cycle, staff_id__in=supervised, stage__in=EVALUATION_STAGES
        ).values_list("staff_id", flat=True)
    )
    return min(evaluated or supervised or candidates)


NOTES = [
    "Stayed late to reconcile the accounts with us before the audit.",
    "Shared the template that saved our team a week of work.",
    "Calm and clear with a difficult client; the meeting ended with a plan.",
    "Trained two newcomers on the reporting tool without being asked.",
]


def _seed_recognition(cycle: Cycle, logins: dict[str, int], entity_id: int) -> int:
    """The recognition notes described above; returns how many were sent."""
    staff = StaffMember.objects.filter(pk=logins.get(DEMO_LOGINS["staff"])).first()
    fro = User.objects.filter(pk=logins.get(DEMO_LOGINS["fro"])).first()
    if staff is None or fro is None:
        return 0
    values = list(Competency.objects.filter(framework=cycle.competency_framework))
    people = list(
        StaffMember.objects.filter(unit__entity_id=entity_id, is_active=True)
        .exclude(pk__in=logins.values())
        .select_related("user")
        .order_by("pk")[:24]
    )
    if len(people) < 4 or not values:
        return 0
    sent = []
    for index, sender in enumerate(people[:2]):
        sent.append(
            services.send_recognition(
                cycle=cycle,
                actor=sender.user,
                recipient=staff,
                competency_id=values[index].pk,
                text=NOTES[index],
            )
        )
    if WorkPlan.objects.filter(staff=staff, cycle=cycle).exists():
        services.attach_note(note=sent[0], actor=staff.user)
    services.send_recognition(
        cycle=cycle,
        actor=fro,
        recipient=staff,
        competency_id=values[-1].pk,
        text="Your summary of the mid-year figures was the clearest the section has had.",
    )
    # Across the entity, for HR's counts per unit.
    for index in range(12):
        sender = people[(2 + index) % len(people)]
        recipient = people[(index * 7 + 3) % len(people)]
        if sender.pk == recipient.pk:
            continue
        services.send_recognition(
            cycle=cycle,
            actor=sender.user,
            recipient=recipient,
            competency_id=values[index % len(values)].pk,
            text=NOTES[index % len(NOTES)],
        )
        sent.append(recipient)
    return len(sent) + 1
