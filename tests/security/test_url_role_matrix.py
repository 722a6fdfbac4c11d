"""Every URL of the project as every role of docs/rules.md section 7 ("Who may do what").

The table below has a row for each URL name of the project's own apps (allauth, the admin and
static files are out of scope). Each row names the document of the fixture world it is built
on (one at the stage where the action belongs to its rightful role), the method, and the answer
each role must get, in the order of the header:

    200   the page
    302   a redirect that changed nothing (to the document, a stage page, a list)
    done  a redirect after the action was taken (the database changed)
    no    may see, may not act: refused with the reason, nothing changed (a 403 page, or for
          a POST the page or redirect showing the refusal as an error message, the way a
          stale button is answered)
    404   may not see: the same as an id that does not exist (nothing changed)

Columns: the staff member (owner of the row's document), the FRO, the SRO, the accepted
additional supervisor, the HOD and the HR focal point of the entity, the chair of the case's
rebuttal panel, the entity's staff representative, and any other user (a staff member of
another entity). HODs and HR focal points are enrolled in two-factor authentication, which
tests/security enforce as production does. Every id-carrying URL is also tried with its leading
id (document, case, entity, ...) replaced by one that does not exist: 404 for everyone.
"""

from __future__ import annotations

import datetime
import time

import pytest

from tests.security.url_matrix import (
    ALL_PARTS,
    GET,
    POST,
    build_world,
    project_url_names,
    relations_in,
    report,
    requests_of,
    run,
    table_problems,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """The world makes some sixty users whose passwords are never typed here (as with
    PASSWORD_HASHERS_FAST=1 under scripts/checks.sh). Sessions live in the cache: each request
    runs in a savepoint that is rolled back, and a database session would lose what the
    security middleware stamps on it at every request and work it out again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"


TODAY = datetime.date.today().isoformat()
# After the PIP the world opens (today + 90 days): a second open PIP may not overlap it.
AFTER_THE_OPEN_PIP = (datetime.date.today() + datetime.timedelta(days=91)).isoformat()


def case_pk(key):
    return lambda w: {"pk": w.cases[key].pk}


# fmt: off
TABLE = {
    #                                          staff fro  sro  sup  hod  hr   panel rep  other
    "home": GET(                              "200   200  200  200  200  200  200   200  200"),
    # --- org ---
    "org:delegations": GET(                   "200   200  200  200  200  200  200   200  200",
        note="everyone sees whom they act for; FRO, SRO and HOD name acting officers"),
    "org:delegation-end": POST(               "404   done 404  404  404  404  404   404  404",
        kwargs=lambda w: {"pk": w.things["delegation"].pk},
        note="the FRO's own delegation: only its principal ends it"),
    "org:language": POST(                     "done  done done done done done done  done done",
        data=lambda w: {"language": "fr", "next": "/"},
        note="each user chooses the language of their own pages"),
    "org:profile": [
        GET(                                  "200   200  200  200  200  200  200   200  200"),
        POST(                                 "done  done done done done done done  done done",
            data=lambda w: {"language": "fr", "email_preference": "immediate"},
            note="each user chooses their own language and how reminders reach them"),
    ],
    "org:keep-alive": POST(                   "200   200  200  200  200  200  200   200  200",
        note="issue 17: 'Stay signed in' restarts the idle clock of one's own session"),
    "org:import": GET(                        "no    no   no   no   no   200  no    no   no",
        note="HR uploads staff, units and reporting lines (section 2)"),
    "org:bulk-list": GET(                     "no    no   no   no   200  200  no    no   no",
        note="issue 17: HR's bulk changes and their record; the HOD reads the record"),
    "org:bulk-detail": GET(                   "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"pk": w.things["bulk_change"].pk}),
    "org:bulk-undo": POST(                    "404   404  404  404  no   done 404   404  404",
        kwargs=lambda w: {"pk": w.things["bulk_change"].pk},
        note="only the HR focal point who made it, within the undo window"),
    "org:bulk-reassign": [
        GET(                                  "404   404  404  404  no   200  404   404  404",
            kwargs=lambda w: {"entity_id": w.entity.pk}),
        POST(                                 "404   404  404  404  no   200  404   404  404",
            kwargs=lambda w: {"entity_id": w.entity.pk}, label="preview",
            data=lambda w: {
                "cycle": w.cycle.pk, "kind": "unit", "unit": w.unit.pk,
                "fro": w.people["sro"].staff.index_number,
                "effective_from": TODAY, "reason": "Reorganisation.", "action": "preview",
            }, note="a preview writes nothing"),
    ],
    "org:bulk-extend": GET(                   "404   404  404  404  no   200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk}),
    "org:bulk-launch": GET(                   "404   404  404  404  no   200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk}),
    # --- drafts (issue 17: never lose typed text) ---
    "draft": POST(                            "done  no   no   no   no   no   404   404  404",
        doc="self_assessment",
        kwargs=lambda w: {"pk": w.docs["self_assessment"].pk, "form": "self_evaluation"},
        data=lambda w: {"overall": "I delivered my goals, and"},
        note="only the author of the form keeps a draft of it, while it is theirs to fill; "
        "whoever may see the document but not fill that form is refused"),
    # --- workplans ---
    "workplans:mine": GET(                    "302   200  200  200  200  200  200   200  200",
        doc="draft", kwargs=lambda w: {},
        note="the owner is sent to their document; everyone else with a profile and no "
        "document gets the page to create one"),
    "workplans:team": GET(                    "200   200  200  200  200  200  200   200  200"),
    "workplans:create": POST(                 "done  done no   no   no   no   no    no   no",
        owner="newcomer", kwargs=lambda w: {"staff_id": w.owners["newcomer"].pk},
        note="step 1: the staff member, or the FRO on their behalf, creates the document"),
    "workplans:supervision-requests": [
        GET(                                  "200   200  200  200  200  200  200   200  200"),
        POST(                                 "404   404  404  404  done 404  404   404  404",
            doc="submitted", kwargs=lambda w: {},
            data=lambda w: {"request": w.things["pending_request"].pk, "answer": "decline"},
            note="the request asks the HOD; only the asked supervisor answers it"),
    ],
    "workplans:document": [
        GET(                                  "200   200  200  200  200  200  404   404  404",
            doc="draft"),
        GET(                                  "200   200  200  200  200  200  404   404  404  200",
            doc="case_filed", label="document of a rebuttal case",
            note="the panel reads the case file, not the document pages"),
    ],
    "workplans:edit": [
        GET(                                  "200   no   no   no   no   no   404   404  404",
            doc="draft", note="the FRO creates a document but never fills it in"),
        POST(                                 "done  no   no   no   no   no   404   404  404",
            doc="draft", data=lambda w: {
                "goals-TOTAL_FORMS": "1", "goals-INITIAL_FORMS": "0",
                "goals-0-title": "Close the 2026 accounts",
                "dev-TOTAL_FORMS": "0", "dev-INITIAL_FORMS": "0", "save": "1",
            }, note="a draft with one goal: the staff member saves it"),
    ],
    "workplans:transition": [
        POST(                                 "done  no   no   no   no   no   404   404  404",
            doc="draft", kwargs=lambda w: {"pk": w.docs["draft"].pk, "name": "submit"},
            label="submit"),
        POST(                                 "no    done no   no   no   no   404   404  404",
            doc="submitted", kwargs=lambda w: {"pk": w.docs["submitted"].pk, "name": "approve"},
            label="approve"),
        POST(                                 "no    done no   no   no   no   404   404  404",
            doc="submitted", kwargs=lambda w: {"pk": w.docs["submitted"].pk, "name": "return"},
            data=lambda w: {"comment": "Make goal 2 measurable."}, label="return"),
    ],
    "workplans:supervisor-propose": POST(     "done  no   no   no   no   no   404   404  404",
        doc="draft", data=lambda w: {"email": w.things["spare"].email},
        note="the staff member adds additional supervisors"),
    "workplans:supervisor-cancel": POST(      "done  no   no   no   no   no   404   404  404",
        doc="submitted",
        kwargs=lambda w: {
            "pk": w.docs["submitted"].pk, "request_id": w.things["pending_request"].pk
        },
        note="the staff member withdraws the request they made (to the HOD)"),
    "workplans:check-ins": [
        GET(                                  "200   200  no   no   no   no   404   404  404",
            doc="midpoint_open",
            note="section 3: check-ins are private to the staff member and the FRO"),
        POST(                                 "done  done no   no   no   no   404   404  404",
            doc="midpoint_open", data=lambda w: {"held_on": TODAY, "note": "On track."}),
    ],
    "workplans:midpoint": [
        GET(                                  "200   200  200  no   200  200  404   404  404",
            doc="midpoint_open", note="SRO, HOD and HR read; the additional supervisor has "
            "no part in the mid-point review"),
        POST(                                 "done  done no   no   no   no   404   404  404",
            doc="midpoint_open", data=lambda w: {"action": "save", "comments": "Going well."},
            label="save", note="each side saves their own part"),
        POST(                                 "done  no   no   no   no   no   404   404  404",
            doc="midpoint_open", data=lambda w: {"action": "submit", "comments": "Going well."},
            label="submit", note="step 3: the staff member signs their part"),
        POST(                                 "no    done no   no   no   no   404   404  404",
            doc="midpoint_submitted",
            data=lambda w: {"action": "finalise", "comments": "Agreed."},
            label="finalise", note="step 5: the FRO finalises"),
    ],
    "workplans:goal-tree": GET(               "200   200  200  404  200  200  404   200  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="the entity's staff (who align to it), its HOD and HR; the additional "
        "supervisor and the panel chair work in other entities"),
    "workplans:unit-goals": [
        GET(                                  "200   200  200  404  200  200  404   200  404",
            kwargs=lambda w: {"unit_id": w.unit.pk}),
        POST(                                 "no    no   no   404  done no   404   no   404",
            kwargs=lambda w: {"unit_id": w.unit.pk},
            data=lambda w: {"title": "Publish the annual report", "success_criteria": "Out"},
            note="the HOD owns the entity's plan (nobody heads the unit)"),
    ],
    # --- appraisals ---
    "appraisals:sro-queue": GET(              "200   200  200  200  200  200  200   200  200"),
    "appraisals:evaluation": [
        GET(                                  "200   200  200  200  200  200  404   404  404",
            doc="sro_review",
            note="the additional supervisor sees only their own comments on it"),
        GET(                                  "200   200  200  200  200  200  404   404  404  200",
            doc="completed", label="completed",
            note="a completed evaluation is routed to the entity's review board (the cycle's "
            "setting), which reads it"),
    ],
    "appraisals:start": POST(                 "done  done no   no   no   no   404   404  404",
        doc="not_started",
        note="mid-point finalised; either side starts, as with the mid-point (step 4)"),
    "appraisals:self-evaluation": POST(       "done  no   no   no   no   no   404   404  404",
        doc="self_assessment", data=lambda w: {"overall": "I delivered my goals."},
        note="the FRO is refused: self-evaluation is the staff member's action"),
    "appraisals:supervisor-comment": POST(    "no    no   no   done no   no   404   404  404",
        doc="fro_evaluation", data=lambda w: {"comment": "Reliable and thorough."},
        note="additional supervisors comment before the FRO rates"),
    "appraisals:ratings": POST(               "no    done no   no   no   no   404   404  404",
        doc="fro_evaluation", data=lambda w: {"overall_comment": "A solid year."}),
    "appraisals:sro": POST(                   "no    no   done no   no   no   404   404  404",
        doc="sro_review", data=lambda w: {"comment": "Agreed with the FRO."}),
    "appraisals:acknowledge": POST(           "done  no   no   no   no   no   404   404  404",
        doc="acknowledgement", data=lambda w: {"comment": "Read."}),
    "appraisals:rollback": [
        GET(                                  "no    no   no   no   no   200  404   404  404",
            doc="acknowledgement",
            note="the FRO and SRO request a roll-back in writing; HR performs it"),
        POST(                                 "no    no   no   no   no   done 404   404  404",
            doc="acknowledgement",
            data=lambda w: {
                "target_stage": "fro_evaluation",
                "requested_by": w.people["sro"].pk,
                "reason": "Goal 2 was rated on the wrong evidence.",
            }),
    ],
    "appraisals:pips": [
        GET(                                  "200   200  200  no   200  200  404   404  404",
            doc="sro_review", note="section 5: the FRO opens PIPs; the document's readers "
            "see them"),
        POST(                                 "no    done no   no   no   no   404   404  404",
            doc="sro_review",
            data=lambda w: {
                "objectives": "Deliver on time.", "support": "Coaching.",
                "start": AFTER_THE_OPEN_PIP, "end": AFTER_THE_OPEN_PIP,
            }),
    ],
    "appraisals:pip-meeting": POST(           "no    done no   no   no   no   404   404  404",
        doc="sro_review",
        kwargs=lambda w: {"pk": w.docs["sro_review"].pk, "plan_id": w.things["pip"].pk},
        data=lambda w: {"held_on": TODAY, "notes": "Reviewed the first month."}),
    "appraisals:pip-close": POST(             "no    done no   no   no   no   404   404  404",
        doc="sro_review",
        kwargs=lambda w: {"pk": w.docs["sro_review"].pk, "plan_id": w.things["pip"].pk},
        data=lambda w: {"outcome": "improved"}),
    "appraisals:pdf": GET(                    "200   200  200  no   200  200  404   404  404",
        doc="acknowledgement",
        note="the record's readers; the additional supervisor reads only their comments"),
    # --- rebuttals ---
    "rebuttals:monitor": GET(                 "no    no   no   no   200  200  no    no   no",
        note="HR follows every case of the entity; so does the HOD"),
    "rebuttals:file": [
        GET(                                  "200   no   no   no   no   no   404   404  404  no",
            doc="completed", kwargs=lambda w: {"document_pk": w.docs["completed"].pk},
            note="completed, rated Partially meets, inside the 14-day window; the review "
            "board reads the document, and is told it may not file"),
        POST(                                 "done  no   no   no   no   no   404   404  404  no",
            doc="completed", kwargs=lambda w: {"document_pk": w.docs["completed"].pk},
            data=lambda w: {"statement": "The rating ignores my reassignment."}),
    ],
    "rebuttals:for-document": GET(            "302   302  302  404  302  302  302   404  404",
        doc="case_filed", kwargs=lambda w: {"document_pk": w.docs["case_filed"].pk},
        note="the additional supervisor has no part in the rebuttal"),
    "rebuttals:rosters": GET(                 "404   404  404  404  302  302  404   302  404",
        note="the entity's roster for its HOD, HR and staff representative; nothing to list "
        "for anyone else"),
    "rebuttals:roster": [
        GET(                                  "404   404  404  404  200  200  404   200  404",
            kwargs=lambda w: {"entity_id": w.entity.pk}),
        POST(                                 "404   404  404  404  no   done 404   no   404",
            kwargs=lambda w: {"entity_id": w.entity.pk},
            data=lambda w: {
                "action": "training", "member": w.things["roster_member"].pk, "date": TODAY
            },
            label="training", note="HR keeps the roster and records training"),
        POST(                                 "404   404  404  404  200  done 404   done 404",
            kwargs=lambda w: {"entity_id": w.entity.pk},
            data=lambda w: {
                "action": "add", "email": w.things["spare"].email, "group": "staff_designated"
            },
            label="add staff-designated",
            note="the staff representatives designate their third; HR keeps the roster; the "
            "HOD is not offered that group: the form comes back with the error, nothing added"),
    ],
    "rebuttals:case": GET(                    "200   200  200  404  200  200  200   404  404",
        doc="case_filed", kwargs=case_pk("case_filed")),
    "rebuttals:reply": POST(                  "no    no   no   404  done no   no    404  404",
        doc="case_filed", kwargs=case_pk("case_filed"),
        data=lambda w: {"reply": "The rating stands."}),
    "rebuttals:appoint": POST(                "no    no   no   404  no   done no    404  404",
        doc="case_filed", kwargs=case_pk("case_filed"),
        data=lambda w: {"member": w.things["hod_designated"].pk},
        note="HR constitutes the panel from the published roster (chair already sits)"),
    "rebuttals:conflict": POST(               "no    no   no   404  no   no   done  404  404",
        doc="case_filed", kwargs=case_pk("case_filed"),
        data=lambda w: {"reason": "I worked with the FRO last year."}),
    "rebuttals:report": POST(                 "no    no   no   404  no   no   done  404  404",
        doc="case_replied", kwargs=case_pk("case_replied"),
        data=lambda w: {
            "rating": w.cases["case_replied"].original_rating_id, "report": "Maintained."
        },
        note="HOD replied, panel complete; the panel column is its chair"),
    "rebuttals:forward": POST(                "no    no   no   404  no   done no    404  404",
        doc="case_reported", kwargs=case_pk("case_reported")),
    "rebuttals:attachment": GET(              "200   200  200  404  200  200  200   404  404",
        doc="case_filed",
        kwargs=lambda w: {
            "pk": w.cases["case_filed"].pk, "attachment_id": w.things["attachment"].pk
        }),
    "rebuttals:status-file": GET(             "200   200  200  404  200  200  200   404  404",
        doc="case_forwarded",
        kwargs=lambda w: {"pk": w.cases["case_forwarded"].pk, "kind": "report"}),
    # --- feedback (section 9) ---
    "feedback:home": GET(                     "200   200  200  200  200  200  200   200  200"),
    "feedback:upward-answer": [
        GET(                                  "200   404  404  404  404  404  404   404  404",
            doc="draft", kwargs=lambda w: {"pk": w.things["rated"].pk},
            note="the rated FRO's supervisees answer on them; nobody else, the FRO included, "
            "sees the form"),
        POST(                                 "done  404  404  404  404  404  404   404  404",
            doc="draft", kwargs=lambda w: {"pk": w.things["rated"].pk},
            data=lambda w: {f"q{pk}": "4" for pk in w.things["questions"]}),
    ],
    "feedback:upward-results": GET(           "404   200  200  404  404  404  404   404  404",
        doc="draft", kwargs=lambda w: {"pk": w.things["rated"].pk},
        note="the manager rated (the FRO) and their own FRO (the world's SRO) and SRO; HR "
        "sees the entity's totals, never a manager's"),
    "feedback:campaigns": GET(                "no    no   no   no   no   200  no    no   no",
        note="HR focal points run the campaigns"),
    "feedback:campaign": GET(                 "404   404  404  404  404  200  404   404  404",
        kwargs=lambda w: {"pk": w.things["campaign"].pk},
        note="participation counts and the entity's totals, never an answer"),
    "feedback:campaign-launch": POST(         "404   404  404  404  404  done 404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="launched already: HR adds the manager who became a responsible chief since"),
    "feedback:campaign-close": POST(          "404   404  404  404  404  no   404   404  404",
        kwargs=lambda w: {"pk": w.things["campaign"].pk},
        note="the window is still open: not yet"),
    "feedback:campaign-export": GET(          "404   404  404  404  404  200  404   404  404",
        kwargs=lambda w: {"pk": w.things["campaign"].pk, "fmt": "csv"}),
    # --- ratings standards (issue 16, section 10) ---
    "standards:home": GET(                    "200   200  200  200  200  200  200   200  200",
        note="each reads the standards they write, follow or apply (an empty list otherwise)"),
    "standards:entity": GET(                  "404   200  200  404  200  200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk, "cycle_id": w.cycle.pk},
        note="the HOD and HR of the entity, the FROs and SROs of its staff"),
    "standards:create": POST(                 "404   no   no   404  no   no   404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk, "cycle_id": w.cycle.pk},
        note="only the HOD drafts; version 3 is being drafted already, so not even them"),
    "standards:version": [
        GET(                                  "404   200  200  404  200  200  404   404  404",
            kwargs=lambda w: {"pk": w.things["standard"].pk}),
        GET(                                  "404   200  200  404  200  200  404   404  404",
            kwargs=lambda w: {"pk": w.things["standard_old"].pk}, label="superseded",
            note="the history stays readable"),
        GET(                                  "404   404  404  404  200  404  404   404  404",
            kwargs=lambda w: {"pk": w.things["standard_draft"].pk}, label="draft",
            note="a draft is the HOD's until published"),
    ],
    "standards:edit": [
        POST(                                 "404   404  404  404  done 404  404   404  404",
            kwargs=lambda w: {"pk": w.things["standard_draft"].pk},
            data=lambda w: {"introduction": "Version 3, reworded."}),
        POST(                                 "404   no   no   404  no   no   404   404  404",
            kwargs=lambda w: {"pk": w.things["standard"].pk}, label="published",
            data=lambda w: {"introduction": "Rewritten."},
            note="a published version never changes"),
    ],
    "standards:publish": POST(                "404   404  404  404  done 404  404   404  404",
        kwargs=lambda w: {"pk": w.things["standard_draft"].pk}),
    "standards:acknowledge": POST(            "404   done done 404  no   no   404   404  404",
        kwargs=lambda w: {"pk": w.things["standard"].pk},
        note="the FROs of the entity's staff acknowledge the version in force: the SRO is "
        "also the FRO of the world's FRO (the feedback part's line)"),
    "standards:attachment": GET(              "404   200  200  404  200  200  404   404  404",
        kwargs=lambda w: {"pk": w.things["standard"].pk}),
    "feedback:colleagues": [
        GET(                                  "200   200  200  no   no   no   404   404  404",
            doc="draft", note="section 9: the staff member, FRO and SRO; the additional "
            "supervisor, HOD and HR see the document, not its colleague feedback"),
        POST(                                 "no    done no   no   no   no   404   404  404",
            doc="draft", data=lambda w: {"action": "add", "email": w.things["new_colleague"].email},
            note="confirmed list: the FRO asks someone more (a replacement), the staff member "
            "no longer changes it"),
    ],
    "feedback:colleague-request": [
        GET(                                  "404   404  404  404  404  404  404   404  200  404",
            doc="draft", kwargs=lambda w: {"pk": w.things["colleague_request"].pk},
            note="the colleague asked (the other column) and nobody else"),
        POST(                                 "404   404  404  404  404  404  404   404  done 404",
            doc="draft", kwargs=lambda w: {"pk": w.things["colleague_request"].pk},
            data=lambda w: {"action": "answer", "strengths": "Precise.",
                            "areas_to_develop": "Share drafts earlier."}),
    ],
    "feedback:recognition": [
        GET(                                  "200   200  200  200  200  200  200   200  200"),
        POST(                                 "done  done done done done done done  done done",
            data=lambda w: {"email": w.things["recognised"].user.email,
                            "competency": w.things["competency"].pk, "text": "Thank you."},
            note="anyone thanks a colleague"),
    ],
    "feedback:recognition-counts": GET(       "no    no   no   no   no   200  no    no   no",
        note="HR sees counts per entity and unit, never a ranking of people"),
    "feedback:recognition-attach": POST(      "done  no   404  404  404  404  404   404  no   404",
        kwargs=lambda w: {"pk": w.things["note_received"].pk},
        note="the recipient attaches it to their document; their FRO and its author read it"),
    "feedback:recognition-withdraw": POST(    "done  404  404  404  404  404  404   404  404",
        kwargs=lambda w: {"pk": w.things["note_sent"].pk},
        note="its author, within 24 hours"),
    # --- mandatory training (issue 16, section 2) ---
    "training:home": GET(                     "200   200  200  200  200  200  200   200  200",
        note="everyone reads their own courses; HOD and HR their entities' figures"),
    "training:entity": GET(                   "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="the entity's compliance: its HOD and HR focal point"),
    "training:export": GET(                   "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk, "fmt": "csv"}),
    "training:catalogue": GET(                "no    no   no   no   no   200  no    no   no",
        note="HR keeps its entity's courses (administrators the organisation's)"),
    "training:course-new": POST(              "no    no   no   no   no   done no    no   no",
        data=lambda w: {"code": "NEW-1", "name": "New", "entity": w.entity.pk,
                        "audience": "staff", "deadline_months": 6,
                        "deadline_from": "appointment", "starts_on": "2026-01-01",
                        "is_active": "on"}),
    "training:course-edit": POST(             "no    no   no   no   no   done no    no   no",
        kwargs=lambda w: {"pk": w.things["course"].pk},
        data=lambda w: {"code": "PMD-ENT", "name": "Renamed", "entity": w.entity.pk,
                        "audience": "staff", "deadline_months": 3,
                        "deadline_from": "appointment", "starts_on": "2026-01-01",
                        "is_active": "on"}),
    "training:record": POST(                  "no    no   no   no   no   done no    no   no",
        data=lambda w: {"person": w.docs["submitted"].staff.index_number,
                        "course": w.things["course"].pk, "completed_on": "2026-01-15"},
        note="HR records a completion for the entity's staff"),
    "training:remove": POST(                  "404   404  404  404  404  done 404   404  404",
        kwargs=lambda w: {"pk": w.things["completion"].pk},
        note="HR removes a completion recorded by mistake in its entities"),
    "training:import": GET(                   "no    no   no   no   no   200  no    no   no",
        note="uploads: tests/training"),
    # --- special schedules (issue 16, section 4) ---
    "schedules:home": GET(                    "200   200  200  200  200  200  200   200  200",
        note="everyone reads their own schedule; the FRO their staff's; HOD and HR their "
        "entities'"),
    "schedules:staff": GET(                   "200   200  200  404  200  200  404   404  404",
        owner="probationer", kwargs=lambda w: {"staff_id": w.owners["probationer"].pk},
        note="the probationer, their FRO and SRO, the entity's HOD and HR"),
    "schedules:milestone": [
        GET(                                  "no    200  no   404  no   no   404   404  404",
            owner="probationer",
            kwargs=lambda w: {"staff_id": w.owners["probationer"].pk, "code": "midterm_6"}),
        POST(                                 "no    done no   404  no   no   404   404  404",
            owner="probationer",
            kwargs=lambda w: {"staff_id": w.owners["probationer"].pk, "code": "midterm_6"},
            data=lambda w: {"held_on": TODAY, "summary": "Objectives reviewed."},
            note="the current FRO records a milestone as held"),
        POST(                                 "no    no   no   404  no   done 404   404  404",
            owner="probationer", label="correct",
            kwargs=lambda w: {"staff_id": w.owners["probationer"].pk, "code": "discussion"},
            data=lambda w: {"held_on": TODAY, "summary": "Corrected."},
            note="HR of the entity corrects a recorded milestone"),
    ],
    "schedules:remove": POST(                 "no    no   no   404  no   done 404   404  404",
        owner="probationer", kwargs=lambda w: {"pk": w.things["schedule_discussion"].pk},
        note="HR of the entity removes a record made by mistake"),
    "schedules:report": [
        GET(                                  "404   404  404  404  404  404  404   404  404  200",
            owner="probationer", kwargs=lambda w: {"pk": w.things["schedule_report_21"].pk},
            note="a recorded probationary report: the entity's board members"),
        POST(                                 "404   404  404  404  404  404  404   404  404  done",
            owner="probationer", kwargs=lambda w: {"pk": w.things["schedule_report_21"].pk},
            data=lambda w: {"kind": "recommendation", "text": "Confirm the appointment."}),
    ],
    "schedules:entity": GET(                  "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="the entity's staff on special schedules: its HOD and HR focal point"),
    "schedules:export": GET(                  "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk}),
    # --- the review board (issue 16, section 3) ---
    "board:home": GET(                        "200   200  200  200  200  200  200   200  200  200",
        note="each sees the boards they sit on (none: a sentence saying so)"),
    "board:entity": GET(                      "404   404  404  404  404  404  404   404  404  200",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="the members of the entity's board only: the consistency view and the routed "
        "documents"),
    "board:document": [
        GET(                                  "404   404  404  404  404  404  404   404  404  200",
            doc="completed", note="a completed evaluation, routed to the board"),
        POST(                                 "404   404  404  404  404  404  404   404  404  done",
            doc="completed", data=lambda w: {"kind": "comment", "text": "Consistent."}),
        GET(                                  "404   404  404  404  404  404  404   404  404  404",
            doc="draft", label="not routed", note="a draft never reaches the board"),
    ],
    "board:pip": GET(                         "404   404  404  404  404  404  404   404  404  404",
        kwargs=lambda w: {"pk": w.things["pip"].pk},
        note="the world's PIP has not had its six-month review: it has not reached the board "
        "(tests/board walk one that has)"),
    "board:fro-comment": POST(                "404   404  404  404  404  404  404   404  404  done",
        kwargs=lambda w: {"entity_id": w.entity.pk, "fro_id": w.people["fro"].pk},
        data=lambda w: {"kind": "recommendation", "text": "Calibrate with the unit."}),
    # --- compliance ---
    "compliance:dashboard": GET(              "no    no   no   no   200  200  no    no   no"),
    "compliance:people": GET(                 "no    no   no   no   200  200  no    no   no"),
    "compliance:export": GET(                 "no    no   no   no   200  200  no    no   no",
        kwargs=lambda w: {"table": "dashboard", "fmt": "csv"}),
    "compliance:follow-up": GET(              "no    no   no   no   200  200  no    no   no",
        note="issue 17: the department's open PIPs, low ratings, cases and roll-backs"),
    "compliance:follow-up-export": GET(       "no    no   no   no   200  200  no    no   no",
        kwargs=lambda w: {"fmt": "xlsx"}),
    "compliance:reminder-list": GET(          "200   200  200  200  200  200  200   200  200"),
    "compliance:broadcast-list": GET(         "no    no   no   no   200  200  no    no   no"),
    "compliance:broadcast-detail": GET(       "404   404  404  404  200  200  404   404  404",
        kwargs=lambda w: {"pk": w.things["broadcast"].pk},
        note="HR sent it on the HOD's behalf"),
    "compliance:broadcast-create": GET(       "404   404  404  404  no   200  404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        note="HR writes on behalf of a senior manager; the HOD sees the entity, may not act"),
}
# fmt: on


def test_every_project_url_has_a_row_and_every_row_a_url():
    names, unrecognised = project_url_names()
    assert not unrecognised, "\n".join(unrecognised)
    assert {"home", "workplans:document", "rebuttals:report", "compliance:export"} <= names
    problems = table_problems(TABLE, names)
    assert not problems, "\n".join(problems)


def test_the_check_reports_a_missing_and_a_stale_row():
    names, _ = project_url_names()
    table = {name: row for name, row in TABLE.items() if name != "workplans:midpoint"}
    table["workplans:foo"] = TABLE["home"]
    assert table_problems(table, names) == [
        "URL workplans:midpoint has no row in the role table",
        "Row workplans:foo names no URL of the project (stale row)",
    ]


# Who the world's people are to its draft document and filed case, as the application sees it:
# the relations the table is written for.
RELATIONS = {
    "staff": {"staff"},
    "fro": {"fro"},
    "sro": {"sro"},
    "supervisor": {"additional_supervisor"},
    "hod": {"hod", "entity_viewer"},
    "hr": {"hr", "entity_viewer"},
    "panel": set(),
    "staff_rep": set(),
    "other": set(),
    # The draft is not routed to the board (the cycle sends completed evaluations).
    "board": set(),
    "panel on the filed case": {"panel_member", "panel_chair"},
}


def test_every_url_answers_every_role_as_section_7_says(client):
    started = time.monotonic()
    world = build_world(ALL_PARTS)
    assert relations_in(world) == RELATIONS
    built = time.monotonic()
    requests = requests_of(TABLE, world) + requests_of(TABLE, world, missing_ids=True)
    mismatches = run(client, requests)
    timing = (
        f"world {built - started:.1f}s, {len(requests)} requests {time.monotonic() - built:.1f}s"
    )
    assert not mismatches, (
        f"{len(mismatches)} answers differ from the table ({timing}):\n" + report(mismatches)
    )


# The check must be able to fail: a table whose expectations are wrong is reported, every
# wrong cell at once, with what was expected and what came.
WRONG = {
    "home": GET("200 200 200 200 200 200 200 200 no"),
    "workplans:document": GET("200 200 200 200 200 200 404 404 200", doc="draft"),
    "workplans:supervisor-propose": POST(
        "no no no no no no 404 404 404",
        doc="draft",
        data=lambda w: {"email": w.things["spare"].email},
    ),
}


def test_the_matrix_reports_every_wrong_expectation(client):
    world = build_world(())
    mismatches = run(client, requests_of(WRONG, world))
    cells = {(m.call, m.role, m.expected, m.got) for m in mismatches}
    assert cells == {
        ("home GET", "other", "no", "200"),
        ("workplans:document GET", "other", "200", "404"),
        ("workplans:supervisor-propose POST", "staff", "no", "done"),
        # A nine-answer row gives the board member the "other" column's answer.
        ("home GET", "board", "no", "200"),
        ("workplans:document GET", "board", "200", "404"),
    }
    lines = report(mismatches).splitlines()
    assert lines[0].split() == ["url", "name", "role", "expected", "got", "url"]
    assert lines[2].split()[:5] == ["home", "GET", "other", "no", "200"]
    assert run(client, requests_of(WRONG, world, missing_ids=True)) == []
