"""The demo organisation behind `manage.py seed_demo`: a UN-like organisation built in bulk.

The organisation is planned in memory first (a seeded `random.Random(42)`, so the same
`staff` count always gives the same organisation), then written with `bulk_create` in a
single transaction, which is what makes 40,000 staff take seconds rather than hours: the
password is hashed once and the hash is shared by every demo user, and models whose
`save()` derives a field (`OrgUnit.entity`, `StaffMember.category`) get that field set here.

Shape: the Executive Office of the Secretary-General plus departments, offices and missions
(entity → division → section → unit), each node with a head; staff at every UN grade with
genders, entry-on-duty dates, contracts and probation; the open cycle 2026-27 and the closed
cycle 2025-26 with a reporting line for every staff member in each (the FRO is a more senior
person in the same or parent unit, the SRO a different, more senior person still); HODs, HR
focal points and staff representatives; two delegations; a superuser.
Everything but the delegations' dates (a week before to three weeks after the day of seeding,
so they are current when the demo is shown) follows from `staff` alone. Under the ILO's policy
profile (`seed_demo(profile="ilo")`) the same organisation gets the ILO's cycles (the biennium
2026-27 open, 2024-25 closed: `DEMO_CYCLES`) and some staff on technical-cooperation
contracts.

The documents (work plans, evaluations, rebuttals) are seeded onto it by `demo.documents` and
`demo.rebuttals`, which `manage.py seed_demo` calls in turn.

The demo app (`demo/`) is a development tool: production settings do not install it and the
production image leaves it out.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from org import profiles
from org.models import (
    Cycle,
    Delegation,
    DepartmentRole,
    Organisation,
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
    category_for_grade,
)
from org.selectors import forget_shared_names
from org.services import (
    ApplicationError,
    create_cycle,
    create_delegation,
    organisation,
    save_organisation,
)
from pmsystem.db import analyze

DEMO_DOMAIN = "demo.pmsystem.org"
DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password (README)
DEFAULT_STAFF = 300
# The fewest people the planner shapes an organisation from (each entity's staff
# representative is someone other than its HR focal points).
MIN_PLANNED = 35
# The fewest staff of a demo under the default profile: the planned organisation and the
# newcomers the special-schedules demo adds (`demo.schedules.newcomers`; one more under a
# profile with technical-cooperation figures).
MIN_STAFF = 40
BATCH_SIZE = 2000

# One demo login per role, in the order `seed_demo` prints them.
DEMO_LOGINS: dict[str, str] = {
    "staff": f"staff@{DEMO_DOMAIN}",
    "fro": f"fro@{DEMO_DOMAIN}",
    "sro": f"sro@{DEMO_DOMAIN}",
    "additional_supervisor": f"additional.supervisor@{DEMO_DOMAIN}",
    "hod": f"hod@{DEMO_DOMAIN}",
    "hr_focal_point": f"hr.focal.point@{DEMO_DOMAIN}",
    "staff_representative": f"staff.representative@{DEMO_DOMAIN}",
    "review_board": f"review.board@{DEMO_DOMAIN}",
    # A staff member on probation (demo/schedules.py): their milestones and records.
    "probationer": f"probationer@{DEMO_DOMAIN}",
    "admin": f"admin@{DEMO_DOMAIN}",
}

CURRENT_CYCLE = ("2026-27", 2026)
PREVIOUS_CYCLE = ("2025-26", 2025)
# The demo's cycles (name, first year) under each policy profile (`org.profiles`), the open
# one first: the day the demo is shown (late 2026) falls in both open cycles, the UN's year
# from 1 April 2026 and the ILO's biennium 2026-27; the cycle before each is closed.
DEMO_CYCLES = {
    profiles.UN.code: (CURRENT_CYCLE, PREVIOUS_CYCLE),
    profiles.ILO.code: (("2026-27", 2026), ("2024-25", 2024)),
}
# Under the ILO profile, this share of the staff who joined on a fixed-term or temporary
# contract since TC_SINCE (probationers and the demo logins aside) work on technical-
# cooperation projects (`StaffMember.ContractType.TECHNICAL_COOPERATION`), at least TC_MIN.
TC_SHARE = 0.15
TC_MIN = 2
TC_SINCE = datetime.date(2020, 1, 1)
CYCLE_START = datetime.date(CURRENT_CYCLE[1], 4, 1)
PREVIOUS_CYCLE_START = datetime.date(PREVIOUS_CYCLE[1], 4, 1)
# Units whose head arrived mid-cycle: the section chief was their members' FRO until then.
MID_CYCLE_CHANGE = datetime.date(CURRENT_CYCLE[1], 9, 1)
ROLES_SINCE = datetime.date(2024, 1, 1)

# Seniority across the grade families, for "the FRO is more senior than the staff member".
# fmt: off
SENIORITY = {
    "G-1": 1, "G-2": 2, "G-3": 3, "G-4": 4, "G-5": 5, "G-6": 6, "G-7": 7,
    "FS-1": 2, "FS-2": 3, "FS-3": 4, "FS-4": 6, "FS-5": 7, "FS-6": 9, "FS-7": 10,
    "NO-A": 8, "NO-B": 9, "NO-C": 10, "NO-D": 11,
    "P-1": 8, "P-2": 9, "P-3": 10, "P-4": 11, "P-5": 12,
    "D-1": 13, "D-2": 14, "ASG": 15, "USG": 16,
}
# fmt: on

# (code, name, profile, head's grade). The Executive Office comes first and is always seeded.
EXECUTIVE_OFFICE = ("EOSG", "Executive Office of the Secretary-General", "hq", "USG")
# fmt: off
ENTITIES = [
    ("DMSPC", "Department of Management Strategy, Policy and Compliance", "hq", "USG"),
    ("DOS", "Department of Operational Support", "hq", "USG"),
    ("UNMISS", "United Nations Mission in South Sudan", "mission", "USG"),
    ("DESA", "Department of Economic and Social Affairs", "hq", "USG"),
    ("UNOG", "United Nations Office at Geneva", "office", "USG"),
    ("DPPA", "Department of Political and Peacebuilding Affairs", "hq", "USG"),
    ("MINUSCA", "United Nations Multidimensional Integrated Stabilization Mission in the "
     "Central African Republic", "mission", "USG"),
    ("OCHA", "Office for the Coordination of Humanitarian Affairs", "hq", "USG"),
    ("UNON", "United Nations Office at Nairobi", "office", "USG"),
    ("DGACM", "Department for General Assembly and Conference Management", "hq", "USG"),
    ("ECA", "Economic Commission for Africa", "office", "USG"),
    ("OICT", "Office of Information and Communications Technology", "hq", "ASG"),
    ("UNIFIL", "United Nations Interim Force in Lebanon", "mission", "ASG"),
    ("OLA", "Office of Legal Affairs", "hq", "USG"),
    ("DPO", "Department of Peace Operations", "hq", "USG"),
]
# fmt: on

# fmt: off
DIVISIONS = {
    "hq": [
        "Administrative Services Division", "Policy and Programme Division",
        "Finance Division", "Human Resources Services Division",
        "Information Management Division", "Capacity Development Division",
        "Strategic Planning and Monitoring Division", "Operations Support Division",
        "Partnerships and Outreach Division", "Research and Analysis Division",
    ],
    "office": [
        "Division of Administration", "Division of Conference Management",
        "Programme Support Division", "Regional Coordination Division",
        "Knowledge and Statistics Division", "Financial Resources Division",
        "Security and Safety Division", "Communications Division",
    ],
    "mission": [
        "Mission Support Division", "Civil Affairs Division", "Human Rights Division",
        "Political Affairs Division", "Rule of Law and Security Institutions Division",
        "Supply Chain Management Division", "Service Delivery Division",
        "Protection of Civilians Division",
    ],
}
# fmt: on
# The sections of each division: what such a division is made of (no aviation section under
# human rights).
BF, HR, PROC, GS = (
    "Budget and Finance Section",
    "Human Resources Section",
    "Procurement Section",
    "General Services Section",
)
ICT, POL, PROG, COMMS = (
    "Information and Communications Technology Section",
    "Policy Analysis Section",
    "Programme Management Section",
    "Communications and Outreach Section",
)
TRAIN, FAC, REC, PLAN = (
    "Training and Learning Section",
    "Facilities Management Section",
    "Records and Archives Section",
    "Planning and Coordination Section",
)
DATA, LEGAL, EVAL, KM = (
    "Research and Data Section",
    "Legal Affairs Section",
    "Evaluation Section",
    "Knowledge Management Section",
)
ENG, AVIA, MED, TRANS, MOVCON, FTS = (
    "Engineering Section",
    "Aviation Section",
    "Medical Services Section",
    "Transport Section",
    "Movement Control Section",
    "Field Technology Section",
)
ELECT, GENDER, CHILD, CDU, SEC = (
    "Electoral Affairs Section",
    "Gender Affairs Section",
    "Child Protection Section",
    "Conduct and Discipline Section",
    "Security Section",
)
DIVISION_SECTIONS = {
    "Administrative Services Division": [HR, BF, PROC, GS, FAC, REC],
    "Policy and Programme Division": [POL, PROG, PLAN, EVAL, DATA],
    "Finance Division": [BF, PROC, LEGAL, EVAL, REC],
    "Human Resources Services Division": [HR, TRAIN, REC, LEGAL, KM],
    "Information Management Division": [ICT, REC, KM, DATA, COMMS],
    "Capacity Development Division": [TRAIN, PROG, KM, COMMS, EVAL],
    "Strategic Planning and Monitoring Division": [PLAN, EVAL, DATA, POL, PROG],
    "Operations Support Division": [GS, FAC, PROC, ICT, REC],
    "Partnerships and Outreach Division": [COMMS, PLAN, KM, LEGAL, POL],
    "Research and Analysis Division": [DATA, POL, EVAL, KM, COMMS],
    "Division of Administration": [HR, BF, PROC, GS, FAC],
    "Division of Conference Management": [GS, COMMS, REC, ICT, PLAN],
    "Programme Support Division": [PROG, EVAL, PLAN, TRAIN, DATA],
    "Regional Coordination Division": [PLAN, POL, COMMS, PROG, LEGAL],
    "Knowledge and Statistics Division": [DATA, KM, REC, ICT, EVAL],
    "Financial Resources Division": [BF, PROC, LEGAL, EVAL, REC],
    "Security and Safety Division": [FAC, GS, TRAIN, ICT, PLAN],
    "Communications Division": [COMMS, KM, ICT, REC, PLAN],
    "Mission Support Division": [HR, BF, PROC, ENG, MED, FTS],
    "Civil Affairs Division": [ELECT, GENDER, CHILD, CDU, SEC],
    "Human Rights Division": [CHILD, GENDER, CDU, ELECT, SEC],
    "Political Affairs Division": [ELECT, GENDER, CDU, CHILD, SEC],
    "Rule of Law and Security Institutions Division": [SEC, CDU, ELECT, CHILD, GENDER],
    "Supply Chain Management Division": [PROC, MOVCON, TRANS, AVIA, BF],
    "Service Delivery Division": [ENG, MED, FTS, TRANS, AVIA],
    "Protection of Civilians Division": [CHILD, GENDER, SEC, CDU, ELECT],
}
# The units of each section: what such a section is made of (a mail unit sits under general
# services, never under human resources). A large section repeats names (codes stay unique).
# fmt: off
SECTION_UNITS = {
    "Budget and Finance Section": ["Budget Unit", "Accounts Unit", "Treasury Unit",
                                   "Payroll Unit", "Claims Unit"],
    "Human Resources Section": ["Recruitment Unit", "Staff Development Unit", "Benefits Unit",
                                "Welfare Unit", "Insurance Unit"],
    "Procurement Section": ["Contracts Unit", "Sourcing Unit", "Vendor Management Unit",
                            "Asset Management Unit", "Warehouse Unit"],
    "General Services Section": ["Travel Unit", "Mail and Pouch Unit", "Registry Unit",
                                 "Visa and Protocol Unit", "Asset Management Unit"],
    "Information and Communications Technology Section": [
        "Help Desk Unit", "Network Services Unit", "Web Services Unit", "Data Analytics Unit",
        "Information Security Unit"],
    "Policy Analysis Section": ["Policy Research Unit", "Data Analytics Unit", "Reporting Unit",
                                "Liaison Unit", "Editorial Unit"],
    "Programme Management Section": ["Monitoring Unit", "Reporting Unit",
                                     "Quality Assurance Unit", "Project Support Unit",
                                     "Liaison Unit"],
    "Communications and Outreach Section": ["Editorial Unit", "Web Services Unit",
                                            "Media Relations Unit", "Outreach Unit",
                                            "Translation Unit"],
    "Training and Learning Section": ["Staff Development Unit", "Learning Design Unit",
                                      "Language Training Unit", "Onboarding Unit",
                                      "Quality Assurance Unit"],
    "Facilities Management Section": ["Building Maintenance Unit", "Asset Management Unit",
                                      "Warehouse Unit", "Space Planning Unit",
                                      "Mail and Pouch Unit"],
    "Records and Archives Section": ["Registry Unit", "Archives Unit", "Digitisation Unit",
                                     "Records Management Unit", "Reference Unit"],
    "Planning and Coordination Section": ["Meetings Support Unit", "Liaison Unit",
                                          "Monitoring Unit", "Reporting Unit",
                                          "Strategic Planning Unit"],
    "Research and Data Section": ["Data Analytics Unit", "Geospatial Information Unit",
                                  "Statistics Unit", "Reporting Unit", "Policy Research Unit"],
    "Legal Affairs Section": ["Contracts Unit", "Claims Unit", "Compliance Unit",
                              "Legal Advisory Unit", "Treaty Unit"],
    "Evaluation Section": ["Monitoring Unit", "Quality Assurance Unit", "Reporting Unit",
                           "Inspection Unit", "Evaluation Methods Unit"],
    "Knowledge Management Section": ["Archives Unit", "Web Services Unit", "Editorial Unit",
                                     "Library Unit", "Knowledge Sharing Unit"],
    "Engineering Section": ["Construction Unit", "Water and Sanitation Unit",
                            "Power Generation Unit", "Building Maintenance Unit",
                            "Environmental Unit"],
    "Aviation Section": ["Air Operations Unit", "Airfield Services Unit", "Aviation Safety Unit",
                         "Air Charter Unit", "Aviation Fuel Unit"],
    "Medical Services Section": ["Clinic Unit", "Medical Logistics Unit", "Staff Welfare Unit",
                                 "Health Promotion Unit", "Medical Evacuation Unit"],
    "Transport Section": ["Fleet Management Unit", "Vehicle Maintenance Unit",
                          "Driver Training Unit", "Fuel Unit", "Dispatch Unit"],
    "Movement Control Section": ["Cargo Unit", "Passenger Movement Unit", "Customs Unit",
                                 "Freight Forwarding Unit", "Dispatch Unit"],
    "Field Technology Section": ["Help Desk Unit", "Network Services Unit",
                                 "Geospatial Information Unit", "Radio Communications Unit",
                                 "Information Security Unit"],
    "Electoral Affairs Section": ["Electoral Operations Unit", "Voter Registration Unit",
                                  "Civic Education Unit", "Liaison Unit", "Reporting Unit"],
    "Gender Affairs Section": ["Gender Mainstreaming Unit", "Women's Protection Unit",
                               "Liaison Unit", "Reporting Unit", "Training Unit"],
    "Child Protection Section": ["Monitoring and Reporting Unit", "Advocacy Unit",
                                 "Liaison Unit", "Training Unit", "Case Management Unit"],
    "Conduct and Discipline Section": ["Compliance Unit", "Prevention Unit",
                                       "Investigations Support Unit", "Victims' Assistance Unit",
                                       "Reporting Unit"],
    "Security Section": ["Security Operations Unit", "Close Protection Unit",
                         "Security Information Unit", "Fire Safety Unit", "Pass and ID Unit"],
}
# fmt: on

# fmt: off
FEMALE_NAMES = [
    "Amina", "Sofia", "Mei", "Fatima", "Olga", "Priya", "Ana", "Chloe", "Nadia", "Ingrid",
    "Yuki", "Grace", "Leila", "Maria", "Aisha", "Elena", "Hana", "Camille", "Zainab", "Laura",
    "Nomvula", "Isabel", "Ayesha", "Kateryna", "Lucia", "Mariam", "Sara", "Thandiwe", "Rosa",
    "Annika", "Farah", "Keiko", "Esther", "Julia", "Adaeze", "Carmen", "Linh", "Nora", "Salma",
    "Helena",
]
# fmt: on
# fmt: off
MALE_NAMES = [
    "Ahmed", "Luis", "Wei", "Kwame", "Ivan", "Rahul", "Pedro", "Lucas", "Omar", "Lars",
    "Kenji", "John", "Yusuf", "Carlos", "Ali", "Dmitri", "Tariq", "Pierre", "Emeka", "Marco",
    "Sipho", "Diego", "Imran", "Andriy", "Mateo", "Hassan", "David", "Tendai", "Jorge",
    "Mikael", "Karim", "Hiroshi", "Samuel", "Felix", "Chinedu", "Rafael", "Minh", "Erik",
    "Khalid", "Tomas",
]
# fmt: on
OTHER_NAMES = ["Alex", "Sam", "Robin", "Kim", "Jordan", "Noor", "Sasha", "Ari"]
# fmt: off
LAST_NAMES = [
    "Okafor", "Garcia", "Chen", "Mensah", "Petrov", "Sharma", "Silva", "Dubois", "Haddad",
    "Andersen", "Tanaka", "Smith", "Abdi", "Rodriguez", "Khan", "Ivanova", "Nakamura",
    "Martin", "Nwosu", "Rossi", "Dlamini", "Fernandez", "Hussain", "Kovalenko", "Lopez",
    "Mahmoud", "Cohen", "Moyo", "Santos", "Lindqvist", "Benali", "Sato", "Mwangi", "Schmidt",
    "Eze", "Pereira", "Nguyen", "Johansson", "Al-Farsi", "Novak", "Osei", "Morales", "Wang",
    "Adeyemi", "Kuznetsov", "Patel", "Costa", "Lefebvre", "Nasser", "Berg", "Kimura", "Brown",
    "Yusuf", "Torres", "Ali", "Popescu", "Suzuki", "Bernard", "Obi", "Ricci", "Ndlovu",
    "Gomez", "Rahman", "Shevchenko", "Diaz", "Saleh", "Levi", "Banda", "Oliveira", "Nyberg",
    "Toure", "Yamamoto", "Kariuki", "Weber", "Okeke", "Almeida", "Tran", "Karlsson",
    "Al-Hashimi", "Horvat", "Boateng", "Castillo", "Zhang", "Ogunleye", "Sokolov", "Mehta",
    "Ribeiro", "Laurent", "Aziz", "Holm", "Watanabe", "Wilson", "Farah", "Ramirez", "Iqbal",
    "Bondarenko", "Ortiz", "Khalil", "Mizrahi", "Phiri",
]
# fmt: on

# Grade mixes (grade, weight) of unit members and of unit heads; a member is always junior
# to the unit head (members' grades are drawn from those below the head's), and unit heads
# are junior to their P-5 section chief.
# fmt: off
MEMBER_GRADES = {
    "hq": [
        ("G-1", 1), ("G-2", 2), ("G-3", 7), ("G-4", 13), ("G-5", 14), ("G-6", 10), ("G-7", 5),
        ("P-1", 1), ("P-2", 11), ("P-3", 20),
    ],
    "office": [
        ("G-2", 2), ("G-3", 8), ("G-4", 14), ("G-5", 14), ("G-6", 9), ("G-7", 4), ("P-2", 10),
        ("P-3", 18), ("NO-A", 3), ("NO-B", 3), ("NO-C", 1),
    ],
    "mission": [
        ("G-2", 3), ("G-3", 8), ("G-4", 10), ("G-5", 6), ("G-6", 3), ("FS-3", 5), ("FS-4", 12),
        ("FS-5", 12), ("FS-6", 6), ("FS-7", 2), ("NO-A", 5), ("NO-B", 6), ("NO-C", 3),
        ("P-2", 4), ("P-3", 8), ("FS-1", 1), ("FS-2", 2),
    ],
}
# fmt: on
# fmt: off
UNIT_HEAD_GRADES = {
    "hq": [("P-4", 70), ("P-3", 30)],
    "office": [("P-4", 65), ("P-3", 30), ("NO-D", 5)],
    "mission": [("P-4", 40), ("P-3", 20), ("FS-6", 15), ("FS-7", 15), ("NO-C", 5), ("NO-D", 5)],
}
# fmt: on
HR_GRADES = {"P-3", "P-4", "G-6", "G-7", "NO-B", "NO-C", "FS-5", "FS-6"}
REPRESENTATIVE_GRADES = {"G-4", "G-5", "G-6", "G-7", "P-2", "P-3", "NO-A", "NO-B", "FS-4", "FS-5"}


@dataclass(slots=True)
class _Unit:
    code: str
    name: str
    kind: str
    parent: _Unit | None
    entity: _Unit | None = None
    head: _Person | None = None
    pk: int | None = None


@dataclass(slots=True)
class _Person:
    number: int
    first_name: str
    last_name: str
    gender: str
    grade: str
    unit: _Unit
    entry_on_duty: datetime.date = CYCLE_START
    contract_type: str = StaffMember.ContractType.FIXED_TERM
    on_probation: bool = False
    email: str = ""
    pk: int | None = None

    @property
    def index_number(self) -> str:
        return f"{90000000 + self.number}"


@dataclass(slots=True)
class _Line:
    staff: _Person
    fro: _Person
    sro: _Person
    effective_from: datetime.date | None = None  # None: the cycle start or entry on duty
    effective_to: datetime.date | None = None


@dataclass
class _Entity:
    unit: _Unit
    profile: str
    head: _Person
    deputy: _Person
    # The Executive Office only: the Deputy Secretary-General (its `deputy` is the Chef de
    # Cabinet, who supervises the office's directors).
    head_extra: _Person | None = None
    members: list[_Person] = field(default_factory=list)


@dataclass
class _Plan:
    units: list[_Unit] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    entities: list[_Entity] = field(default_factory=list)
    roles: list[tuple[_Entity, _Person, str]] = field(default_factory=list)
    delegations: list[tuple[_Person, _Person, str, str]] = field(default_factory=list)
    demo: dict[str, _Person] = field(default_factory=dict)


@dataclass
class DemoResult:
    created: bool
    staff: int
    entities: int
    units: int
    logins: list[tuple[str, str]]
    profile: str = profiles.DEFAULT


def seed_demo(
    *,
    staff: int = DEFAULT_STAFF,
    password: str = DEFAULT_PASSWORD,
    profile: str | None = None,
    newcomers: bool = False,
) -> DemoResult:
    """Build the demo organisation of `staff` people under the policy `profile` (`org.profiles`:
    "un", the default, or "ilo"), or leave an existing one as it is.

    With `newcomers`, `staff` counts the staff members the special-schedules demo adds next
    (`demo.schedules.newcomers`, as `manage.py seed_demo` does): the organisation is planned
    with the others, so the demo has `staff` staff members in all. Fewer than the planner's
    smallest organisation (`MIN_PLANNED`) and those newcomers are refused.

    The profile is saved as the organisation's and sets its two cycles (`DEMO_CYCLES`) and
    their scales; under a profile with a technical-cooperation appraisal schedule (the
    ILO's) some staff are on technical-cooperation contracts. The same `staff` and `profile`
    always give the same organisation, and the people, units and lines of an organisation of
    a given size do not depend on the profile.

    Idempotent: the demo organisation is recognised by its staff login; when it exists
    nothing is added (whatever `staff` says) and only the demo users' password is reset
    if it differs from `password`, so the printed logins always work. An existing demo
    organisation keeps its profile: asking for another one is refused.
    """
    if profile is not None and profile not in profiles.PROFILES:
        known = ", ".join(profiles.PROFILES)
        raise ApplicationError(f"Unknown policy profile {profile!r}: one of {known}.")
    # demo.schedules builds on this module: imported here, not at its top.
    from .schedules import newcomers as joining

    added = joining(profile or profiles.DEFAULT) if newcomers else 0
    if staff - added < MIN_PLANNED:
        raise ApplicationError(f"The demo organisation needs at least {MIN_PLANNED + added} staff.")
    if not password:
        raise ApplicationError("The demo password must not be empty.")
    logins = list(DEMO_LOGINS.items())
    existing = User.objects.filter(email=DEMO_LOGINS["staff"]).first()
    if existing is not None:
        saved = organisation().profile
        if profile is not None and profile != saved:
            raise ApplicationError(
                f"The demo organisation already exists under the {saved!r} profile; seed the "
                f"{profile!r} one into an empty database."
            )
        _reset_passwords_if_changed(existing, password)
        return DemoResult(
            created=False,
            staff=demo_staff().count(),
            entities=OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY).count(),
            units=OrgUnit.objects.count(),
            logins=logins,
            profile=saved,
        )
    profile = profile or profiles.DEFAULT
    plan = _plan(staff - added, random.Random(42), policy=profile)  # noqa: S311 - reproducible
    try:
        _write(plan, make_password(password), profile)
    except IntegrityError as exc:
        raise ApplicationError(
            "The database already holds data that clashes with the demo organisation "
            f"(unit codes or emails): {exc}. Seed the demo into an empty database."
        ) from exc
    return DemoResult(
        created=True,
        staff=len(plan.people),
        entities=len(plan.entities),
        units=len(plan.units),
        logins=logins,
        profile=profile,
    )


def demo_staff() -> QuerySet[StaffMember]:
    """The demo's staff members (their logins are at `DEMO_DOMAIN`)."""
    return StaffMember.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")


@transaction.atomic
def _reset_passwords_if_changed(user: User, password: str) -> None:
    if check_password(password, user.password):
        return
    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").update(password=make_password(password))


# ---------------------------------------------------------------------------------------------
# Planning: pure Python, no queries.


def _plan(total: int, rng: random.Random, *, policy: str = profiles.DEFAULT) -> _Plan:
    """The organisation of `total` staff; `policy` is the policy profile (each entity's
    `profile` is its kind: headquarters, office or mission)."""
    plan = _Plan()
    names = _NameSource(rng)
    entity_rows = [EXECUTIVE_OFFICE, *ENTITIES[: min(len(ENTITIES), 3 + total // 3000)]]
    sizes = _entity_sizes(total, len(entity_rows), rng)
    for (code, name, profile, head_grade), size in zip(entity_rows, sizes, strict=True):
        _plan_entity(plan, names, rng, code, name, profile, head_grade, size)
    _plan_senior_lines(plan)
    _plan_department_roles(plan, rng)
    _plan_demo_logins(plan)
    _plan_delegations(plan, rng)
    if profiles.profile(policy).tc_first_appraisal_months is not None:
        # A random of its own: the rest of the plan is the same under every profile.
        _plan_technical_cooperation(plan, random.Random(16))  # noqa: S311 - demo data
    for person in plan.people:
        if not person.email:
            person.email = (
                f"{_slug(person.first_name)}.{_slug(person.last_name)}.{person.index_number}"
                f"@{DEMO_DOMAIN}"
            )
    return plan


def _entity_sizes(total: int, count: int, rng: random.Random) -> list[int]:
    """The Executive Office is small; the others share the rest unevenly, 9 people at least."""
    executive = max(9, round(total * 0.015))
    rest = total - executive
    others = count - 1
    weights = [rng.uniform(0.5, 1.6) for _ in range(others)]
    spare = rest - 9 * others
    sizes = [9 + int(spare * w / sum(weights)) for w in weights]
    sizes[0] += rest - sum(sizes)
    return [executive, *sizes]


def _plan_entity(plan, names, rng, code, name, profile, head_grade, size) -> None:
    root = _Unit(code=code, name=name, kind=OrgUnit.Kind.ENTITY, parent=None)
    root.entity = root
    plan.units.append(root)

    executive = code == EXECUTIVE_OFFICE[0]
    deputy_grade = "USG" if executive else ("ASG" if head_grade == "USG" else "D-2")
    head = _new_person(plan, names, rng, head_grade, root, senior=True)
    deputy = _new_person(plan, names, rng, deputy_grade, root, senior=True)
    entity = _Entity(unit=root, profile=profile, head=head, deputy=deputy)
    plan.entities.append(entity)
    root.head = head
    overhead = 2
    if executive:
        # The Secretary-General, the Deputy Secretary-General and the Chef de Cabinet: the
        # Chef de Cabinet is the FRO of the office's directors.
        chef = _new_person(plan, names, rng, "USG", root, senior=True)
        entity.deputy, entity.head_extra = chef, deputy
        overhead = 3

    leaves = max(1, round(size / 12))
    divisions = _split(leaves, min(8, round((leaves / 2) ** 0.5)), rng)
    section_counts = [_split(n, min(5, round(n / 3.5)), rng) for n in divisions]
    overhead += len(divisions) + sum(len(s) for s in section_counts) + leaves
    members_left = size - overhead

    division_names = _sample(rng, DIVISIONS[profile], len(divisions))
    units_with_members: list[tuple[_Unit, _Person, _Person, _Person]] = []
    for division_name, units_per_section in zip(division_names, section_counts, strict=True):
        division = _child(plan, root, division_name, OrgUnit.Kind.DIVISION)
        director_grade = "D-1" if head_grade == "ASG" or rng.random() < 0.7 else "D-2"
        director = _new_person(plan, names, rng, director_grade, division, senior=True)
        division.head = director
        plan.lines.append(_Line(director, entity.deputy, head))
        section_names = _sample(rng, DIVISION_SECTIONS[division_name], len(units_per_section))
        for section_name, unit_count in zip(section_names, units_per_section, strict=True):
            section = _child(plan, division, section_name, OrgUnit.Kind.SECTION)
            chief = _new_person(plan, names, rng, "P-5", section, senior=True)
            section.head = chief
            plan.lines.append(_Line(chief, director, entity.deputy))
            for unit_name in _sample(rng, SECTION_UNITS[section_name], unit_count):
                unit = _child(plan, section, unit_name, OrgUnit.Kind.UNIT)
                unit_head = _new_person(
                    plan, names, rng, _weighted(rng, UNIT_HEAD_GRADES[profile]), unit
                )
                unit.head = unit_head
                plan.lines.append(_Line(unit_head, chief, director))
                units_with_members.append((unit, unit_head, chief, director))

    # The first unit of the first department is the demo staff member's: keep it plain.
    demo_entity = len(plan.entities) == 2
    member_counts = _split(members_left, len(units_with_members), rng)
    for index, ((unit, unit_head, chief, director), count) in enumerate(
        zip(units_with_members, member_counts, strict=True)
    ):
        plain = demo_entity and index == 0
        _plan_unit_members(
            plan, names, rng, entity, unit, unit_head, chief, director, count, plain=plain
        )


def _plan_unit_members(
    plan, names, rng, entity, unit, unit_head, chief, director, count, *, plain: bool
) -> None:
    ceiling = SENIORITY[unit_head.grade]
    grades = [(g, w) for g, w in MEMBER_GRADES[entity.profile] if SENIORITY[g] < ceiling]
    members = [_new_person(plan, names, rng, _weighted(rng, grades), unit) for _ in range(count)]
    members.sort(key=lambda p: -SENIORITY[p.grade])
    entity.members.extend(members)
    # In a large unit the most senior officer supervises the most junior third.
    senior = members[0] if count >= 8 and not plain else None
    head_arrived_mid_cycle = not plain and rng.random() < 0.04
    for index, person in enumerate(members):
        junior = senior is not None and index >= count - count // 3
        if junior and SENIORITY[person.grade] < SENIORITY[senior.grade]:
            plan.lines.append(_Line(person, senior, unit_head))
            continue
        if head_arrived_mid_cycle and person.entry_on_duty < MID_CYCLE_CHANGE:
            before = MID_CYCLE_CHANGE - datetime.timedelta(days=1)
            plan.lines.append(_Line(person, chief, director, effective_to=before))
            plan.lines.append(_Line(person, unit_head, chief, effective_from=MID_CYCLE_CHANGE))
            continue
        plan.lines.append(_Line(person, unit_head, chief))


def _plan_senior_lines(plan: _Plan) -> None:
    """Entity heads report to the Deputy Secretary-General and the Secretary-General.

    At the top nobody is more senior, so the three officials of the Executive Office
    report to each other.
    """
    executive = plan.entities[0]
    sg, dsg, chef = executive.head, executive.head_extra, executive.deputy
    plan.lines += [_Line(sg, dsg, chef), _Line(dsg, sg, chef), _Line(chef, dsg, sg)]
    for entity in plan.entities[1:]:
        plan.lines.append(_Line(entity.head, dsg, sg))
        plan.lines.append(_Line(entity.deputy, entity.head, dsg))


def _plan_department_roles(plan: _Plan, rng: random.Random) -> None:
    """HOD: the head; one or two HR focal points and a staff representative from the staff."""
    for entity in plan.entities:
        plan.roles.append((entity, entity.head, DepartmentRole.Role.HOD))
        # The demo staff member (see _plan_demo_logins) holds no department role.
        demo_staff = _demo_staff_candidate(plan, entity)
        pool = [p for p in entity.members if p is not demo_staff]
        hr_pool = [p for p in pool if p.grade in HR_GRADES] or pool
        hr_count = 2 if len(entity.members) >= 30 else 1
        focal_points = rng.sample(hr_pool, min(hr_count, len(hr_pool)))
        for person in focal_points:
            plan.roles.append((entity, person, DepartmentRole.Role.HR_FOCAL_POINT))
        rep_pool = [
            p for p in pool if p.grade in REPRESENTATIVE_GRADES and p not in focal_points
        ] or [p for p in pool if p not in focal_points]
        plan.roles.append((entity, rng.choice(rep_pool), DepartmentRole.Role.STAFF_REPRESENTATIVE))


def _demo_staff_candidate(plan: _Plan, entity: _Entity) -> _Person | None:
    """The demo staff member: the most junior member of the first unit of the first department."""
    if entity is not plan.entities[1]:
        return None
    first_unit = next(
        u for u in plan.units if u.kind == OrgUnit.Kind.UNIT and u.entity is entity.unit
    )
    return [p for p in entity.members if p.unit is first_unit][-1]


def _plan_demo_logins(plan: _Plan) -> None:
    """Pick real people for each printed login, all around the demo staff member."""
    entity = plan.entities[1]
    staff = _demo_staff_candidate(plan, entity)
    line = next(line for line in plan.lines if line.staff is staff)
    unit = staff.unit
    section = unit.parent
    sibling_heads = [u.head for u in plan.units if u.parent is section and u is not unit]
    additional = sibling_heads[0] if sibling_heads else section.parent.head
    roles = {
        role: person
        for e, person, role in plan.roles
        if e is entity and role != DepartmentRole.Role.HOD
    }
    plan.demo = {
        "staff": staff,
        "fro": line.fro,
        "sro": line.sro,
        "additional_supervisor": additional,
        "hod": entity.head,
        "hr_focal_point": roles[DepartmentRole.Role.HR_FOCAL_POINT],
        "staff_representative": roles[DepartmentRole.Role.STAFF_REPRESENTATIVE],
    }
    for role, person in plan.demo.items():
        person.email = DEMO_LOGINS[role]


def _plan_delegations(plan: _Plan, rng: random.Random) -> None:
    """A couple of acting officers: an HOD on leave, and an FRO on mission, both around today."""
    demo_people = set(map(id, plan.demo.values()))
    entity = plan.entities[1]
    plan.delegations.append(
        (entity.head, entity.deputy, Delegation.Role.HOD, "Annual leave of the head of department")
    )
    chiefs = [
        u.head
        for u in plan.units
        if u.kind == OrgUnit.Kind.SECTION and id(u.head) not in demo_people
    ]
    # The acting officer is a fellow section chief of the same division (else of the same
    # entity): someone who holds no role on the documents they will act on (one person, one
    # role per document), as a delegation that would give them one is refused.
    units_per_section = Counter(id(u.parent) for u in plan.units if u.kind == OrgUnit.Kind.UNIT)
    busy = [chief for chief in chiefs if units_per_section[id(chief.unit)] >= 2]
    chief = rng.choice(busy or chiefs)
    others = [other for other in chiefs if other is not chief]
    peers = (
        [other for other in others if other.unit.parent is chief.unit.parent]
        or [other for other in others if other.unit.entity is chief.unit.entity]
        or others
        or [
            u.head
            for u in plan.units
            if u.kind == OrgUnit.Kind.UNIT
            and u.parent is not chief.unit
            and u.head is not chief
            and id(u.head) not in demo_people
        ]
    )
    acting = peers[0]
    plan.delegations.append((chief, acting, Delegation.Role.FRO, "Temporary duty assignment"))


def _plan_technical_cooperation(plan: _Plan, rng: random.Random) -> None:
    """Some recent fixed-term and temporary staff work on technical-cooperation projects
    (their first appraisal six months after entry on duty, then yearly: `org.profiles.ILO`).
    Probationers and the demo logins keep their contracts."""
    demo_people = set(map(id, plan.demo.values()))
    types = StaffMember.ContractType
    candidates = [
        person
        for person in plan.people
        if person.contract_type in (types.FIXED_TERM, types.TEMPORARY)
        and not person.on_probation
        and person.entry_on_duty >= TC_SINCE
        and id(person) not in demo_people
    ]
    count = min(len(candidates), max(TC_MIN, round(len(candidates) * TC_SHARE)))
    for person in rng.sample(candidates, count):
        person.contract_type = types.TECHNICAL_COOPERATION


class _NameSource:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self) -> tuple[str, str, str]:
        roll = self.rng.random()
        if roll < 0.49:
            gender, first = StaffMember.Gender.FEMALE, self.rng.choice(FEMALE_NAMES)
        elif roll < 0.98:
            gender, first = StaffMember.Gender.MALE, self.rng.choice(MALE_NAMES)
        else:
            gender, first = StaffMember.Gender.OTHER, self.rng.choice(OTHER_NAMES)
        return gender, first, self.rng.choice(LAST_NAMES)


def _new_person(plan, names, rng, grade, unit, senior: bool = False) -> _Person:
    gender, first, last = names.pick()
    person = _Person(
        number=len(plan.people) + 1,
        first_name=first,
        last_name=last,
        gender=gender,
        grade=grade,
        unit=unit,
    )
    _set_career(person, rng, senior)
    plan.people.append(person)
    return person


def _set_career(person: _Person, rng: random.Random, senior: bool) -> None:
    """Entry on duty, contract and probation: a few joined this cycle, some last cycle."""
    roll = rng.random()
    if not senior and roll < 0.03:
        eod = CYCLE_START + datetime.timedelta(days=rng.randrange(1, 200))
    elif not senior and roll < 0.08:
        eod = PREVIOUS_CYCLE_START + datetime.timedelta(days=rng.randrange(0, 365))
    else:
        # Years of service before the last cycle: mostly recent, a long tail back to 1988.
        years = min(rng.expovariate(1 / 8), 12 if senior else 37)
        eod = PREVIOUS_CYCLE_START - datetime.timedelta(days=1 + int(years * 365))
    person.entry_on_duty = eod
    types = StaffMember.ContractType
    if eod < datetime.date(2009, 7, 1):
        contract = rng.choices([types.PERMANENT, types.CONTINUING, types.FIXED_TERM], [6, 3, 1])[0]
    elif eod < datetime.date(2020, 1, 1):
        contract = rng.choices([types.CONTINUING, types.FIXED_TERM], [45, 55])[0]
    elif senior:
        contract = types.FIXED_TERM
    else:
        contract = rng.choices([types.FIXED_TERM, types.TEMPORARY], [8, 2])[0]
    person.contract_type = contract
    person.on_probation = contract == types.FIXED_TERM and eod >= datetime.date(2025, 10, 1)


def _child(plan: _Plan, parent: _Unit, name: str, kind: str) -> _Unit:
    base = f"{parent.code}/{_acronym(name)}"
    code, n = base, 1
    taken = {u.code for u in plan.units if u.parent is parent}
    while code in taken:
        n += 1
        code = f"{base}{n}"
    unit = _Unit(code=code, name=name, kind=kind, parent=parent, entity=parent.entity)
    plan.units.append(unit)
    return unit


def _acronym(name: str) -> str:
    skip = {"of", "and", "the", "for", "on", "in"}
    return "".join(word[0] for word in name.split() if word.lower() not in skip).upper()[:6]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` in `parts` uneven shares of at least one each (parts <= total)."""
    parts = max(1, min(parts, total)) if total else 0
    if not parts:
        return []
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    spare = total - parts
    shares = [1 + int(spare * w / sum(weights)) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def _sample(rng: random.Random, pool: list[str], count: int) -> list[str]:
    """`count` names from `pool`, without repeats while the pool lasts."""
    names: list[str] = []
    while len(names) < count:
        names += rng.sample(pool, min(len(pool), count - len(names)))
    return names


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


# ---------------------------------------------------------------------------------------------
# Writing: bulk inserts in one transaction.


def _batches(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@transaction.atomic
def _write(plan: _Plan, password_hash: str, profile: str) -> None:
    for batch in _batches(plan.people):
        users = User.objects.bulk_create(
            [
                User(
                    email=p.email,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    password=password_hash,
                )
                for p in batch
            ]
        )
        for person, user in zip(batch, users, strict=True):
            person.pk = user.pk
    forget_shared_names()  # accounts written in bulk: no save signal

    for kind in (
        OrgUnit.Kind.ENTITY,
        OrgUnit.Kind.DIVISION,
        OrgUnit.Kind.SECTION,
        OrgUnit.Kind.UNIT,
    ):
        level = [u for u in plan.units if u.kind == kind]
        for batch in _batches(level):
            rows = OrgUnit.objects.bulk_create(
                [
                    OrgUnit(
                        code=u.code,
                        name=u.name,
                        kind=u.kind,
                        parent_id=u.parent.pk if u.parent else None,
                        entity_id=u.entity.pk if u.parent else None,
                        head_id=u.head.pk if u.head else None,
                    )
                    for u in batch
                ]
            )
            for unit, row in zip(batch, rows, strict=True):
                unit.pk = row.pk
        if kind == OrgUnit.Kind.ENTITY:
            # bulk_create skips OrgUnit.save(): an entity is its own entity.
            OrgUnit.objects.filter(pk__in=[u.pk for u in level]).update(entity_id=F("pk"))

    for batch in _batches(plan.people):
        StaffMember.objects.bulk_create(
            [
                StaffMember(
                    user_id=p.pk,
                    index_number=p.index_number,
                    grade=p.grade,
                    category=category_for_grade(p.grade),  # bulk_create skips save()
                    gender=p.gender,
                    unit_id=p.unit.pk,
                    entry_on_duty=p.entry_on_duty,
                    contract_type=p.contract_type,
                    on_probation=p.on_probation,
                )
                for p in batch
            ]
        )

    save_organisation(settings_row=Organisation(profile=profile))
    current_cycle, previous_cycle = DEMO_CYCLES[profile]
    current = _cycle(*current_cycle, status=Cycle.Status.OPEN, profile=profile)
    previous = _cycle(*previous_cycle, status=Cycle.Status.CLOSED, profile=profile)
    for batch in _batches(_reporting_lines(plan, current, previous)):
        ReportingLine.objects.bulk_create(batch)

    DepartmentRole.objects.bulk_create(
        [
            DepartmentRole(
                entity_id=entity.unit.pk,
                user_id=person.pk,
                role=role,
                start=max(ROLES_SINCE, person.entry_on_duty),
            )
            for entity, person, role in plan.roles
        ],
        batch_size=BATCH_SIZE,
    )
    # What follows, and the apps' demo documents, is planned on these rows, not on the
    # statistics of the empty tables.
    analyze([User, OrgUnit, StaffMember, Cycle, ReportingLine, DepartmentRole])

    today = timezone.localdate()
    users = User.objects.in_bulk(
        [p.pk for principal, acting, _, _ in plan.delegations for p in (principal, acting)]
    )
    for principal, acting, role, reason in plan.delegations:
        create_delegation(
            principal=users[principal.pk],
            acting=users[acting.pk],
            role=role,
            start=today - datetime.timedelta(days=7),
            end=today + datetime.timedelta(days=21),
            reason=reason,
        )

    User.objects.create(
        email=DEMO_LOGINS["admin"],
        first_name="System",
        last_name="Administrator",
        password=password_hash,
        is_staff=True,
        is_superuser=True,
    )


def _cycle(name: str, start_year: int, *, status: str, profile: str) -> Cycle:
    existing = Cycle.objects.filter(name=name).first()
    return existing or create_cycle(
        name=name, start_year=start_year, status=status, profile=profile
    )


def demo_cycles() -> tuple[Cycle | None, Cycle | None]:
    """The demo's open cycle and the closed one before it, under the organisation's profile
    (None for one that does not exist)."""
    names = DEMO_CYCLES.get(organisation().profile, DEMO_CYCLES[profiles.DEFAULT])
    cycles = {c.name: c for c in Cycle.objects.filter(name__in=[name for name, _ in names])}
    current, previous = (cycles.get(name) for name, _ in names)
    return current, previous


def _reporting_lines(plan: _Plan, current: Cycle, previous: Cycle) -> Iterator[ReportingLine]:
    """Every line in the open cycle; the previous cycle's for those on duty before it ended."""
    for line in plan.lines:
        eod = line.staff.entry_on_duty
        yield ReportingLine(
            staff_id=line.staff.pk,
            cycle=current,
            fro_id=line.fro.pk,
            sro_id=line.sro.pk,
            effective_from=line.effective_from or max(current.start, eod),
            effective_to=line.effective_to,
        )
        if line.effective_from is None and eod <= previous.end:
            yield ReportingLine(
                staff_id=line.staff.pk,
                cycle=previous,
                fro_id=line.fro.pk,
                sro_id=line.sro.pk,
                effective_from=max(previous.start, eod),
            )
