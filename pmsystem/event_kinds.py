"""The kinds of timeline event, declared once: every `record_event` names one of these."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    # The work plan (workplans)
    CREATED = "created", _("Work plan created")
    DRAFT_SAVED = "draft_saved", _("Draft saved")
    WORK_PLAN_SUBMIT = "work_plan_submit", _("Work plan submitted")
    WORK_PLAN_APPROVE = "work_plan_approve", _("Work plan approved")
    WORK_PLAN_RETURN = "work_plan_return", _("Work plan returned")
    GOALS_CHANGED = "goals_changed", _("Work plan changed after approval")
    ADDITIONAL_SUPERVISOR_PROPOSED = (
        "additional_supervisor_proposed",
        _("Additional supervisor proposed"),
    )
    ADDITIONAL_SUPERVISOR_ANSWERED = (
        "additional_supervisor_answered",
        _("Additional supervisor answered"),
    )
    ADDITIONAL_SUPERVISOR_CANCELLED = (
        "additional_supervisor_cancelled",
        _("Additional supervisor request cancelled"),
    )
    # The mid-point review (workplans)
    MIDPOINT_STARTED = "midpoint_started", _("Mid-point review started")
    SUBMIT_MIDPOINT = "submit_midpoint", _("Mid-point comments submitted")
    FINALISE_MIDPOINT = "finalise_midpoint", _("Mid-point review finalised")
    # The evaluation (appraisals)
    START_EVALUATION = "start_evaluation", _("End-of-cycle evaluation started")
    SUBMIT_SELF_EVALUATION = "submit_self_evaluation", _("Self-evaluation submitted")
    SUPERVISOR_COMMENT = "supervisor_comment", _("Additional supervisor's comments")
    RATINGS_CHANGED = "ratings_changed", _("Ratings changed")
    SIGN_EVALUATION = "sign_evaluation", _("Evaluation signed by the FRO")
    APPROVE_EVALUATION = "approve_evaluation", _("Evaluation approved by the SRO")
    RETURN_TO_FRO = "return_to_fro", _("Evaluation returned to the FRO")
    ACKNOWLEDGE = "acknowledge", _("Evaluation acknowledged")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    PIP_OPENED = "pip_opened", _("Performance improvement plan opened")
    PIP_MEETING = "pip_meeting", _("PIP review meeting")
    PIP_CLOSED = "pip_closed", _("Performance improvement plan closed")
    # The rebuttal (rebuttals)
    REBUTTAL_FILED = "rebuttal_filed", _("Rebuttal filed")
    REBUTTAL_REPLY = "rebuttal_reply", _("HOD replied to the rebuttal")
    PANEL_MEMBER_APPOINTED = "panel_member_appointed", _("Panel member appointed")
    PANEL_CONFLICT = "panel_conflict", _("Panel member excused for a conflict")
    REBUTTAL_REPORT = "rebuttal_report", _("Rebuttal panel report")
    REBUTTAL_FORWARDED = "rebuttal_forwarded", _("Forwarded to the official status file")
