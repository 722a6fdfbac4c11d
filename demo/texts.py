"""The words of the demo documents (`demo.documents`): unit and staff goals by theme,
development goals, and the comments people write at each step."""

from __future__ import annotations

from dataclasses import dataclass

# Each theme: the entity's goal, the unit goal that aligns to it, staff goals that align to a
# unit goal, and the goals of senior officials (director and above: `LEADER_GRADES`), who lead
# a division or an entity rather than deliver its outputs themselves; (title, description,
# success criteria). {area} is the unit's field of work, {scope} the unit's name.


@dataclass(frozen=True)
class Theme:
    entity: tuple[str, str, str]
    unit: tuple[str, str, str]
    staff: tuple[tuple[str, str, str], ...]
    senior: tuple[tuple[str, str, str], ...] = ()


# Grades whose holders get the senior goals of a theme.
LEADER_GRADES = {"D-1", "D-2", "ASG", "USG"}


THEMES = [
    Theme(
        (
            "Deliver the mandated programme of work for {cycle}",
            "Implement the outputs approved in the programme budget on time and to quality.",
            "At least 90% of mandated outputs delivered by 31 March; results reported in the "
            "programme performance report.",
        ),
        (
            "Deliver the {area} outputs of the annual work programme",
            "Plan the {area} outputs by quarter and track delivery in the monthly meeting.",
            "Outputs delivered on schedule; progress reported every quarter.",
        ),
        (
            (
                "Deliver my assigned {area} outputs on schedule",
                "Plan, track and deliver the outputs assigned to me in the unit work plan.",
                "All assigned outputs delivered by the agreed dates; at most one deadline "
                "renegotiated.",
            ),
            (
                "Prepare the quarterly {area} progress reports",
                "Collect the figures, draft the narrative and clear the report with my FRO.",
                "Four reports submitted within 10 working days of each quarter's end, cleared "
                "without major revision.",
            ),
            (
                "Plan the {area} work for the next cycle",
                "Draft next cycle's {area} work plan with costed outputs and milestones.",
                "Draft shared with the team by 15 February and adopted by 31 March.",
            ),
        ),
        (
            (
                "Lead the {scope} to deliver its mandated programme of work",
                "Set the priorities, allocate the resources and review delivery with the managers "
                "every quarter.",
                "At least 90% of the mandated outputs delivered; results reported to the "
                "intergovernmental bodies on time.",
            ),
            (
                "Steer the programme planning of the {scope} for the next cycle",
                "Lead the managers through the programme plan and its results framework.",
                "Programme plan submitted by the budget call deadline, with measurable results.",
            ),
            (
                "Report on the performance of the {scope} to senior management",
                "Present the results, the risks and the corrective actions twice a year.",
                "Two performance reviews held; every agreed corrective action followed up.",
            ),
        ),
    ),
    Theme(
        (
            "Improve the quality and timeliness of our services",
            "Make services faster and more predictable for Member States, offices and staff.",
            "Service standards published for every service; 85% of requests met within them.",
        ),
        (
            "Meet the service standards of the {area} service catalogue",
            "Publish the {area} service standards and measure performance against them monthly.",
            "90% of {area} requests handled within the published standard.",
        ),
        (
            (
                "Answer {area} requests within the service standard",
                "Handle the requests in my queue by urgency and keep clients informed.",
                "95% of requests closed within 3 working days; client rating of 4 out of 5 or "
                "better.",
            ),
            (
                "Reduce the backlog of pending {area} cases",
                "Review aged cases every week and close or escalate them.",
                "Backlog below 20 cases by 31 December and kept there until 31 March.",
            ),
            (
                "Improve the {area} guidance for clients",
                "Rewrite the frequently asked questions and request forms in plain language.",
                "New guidance online by 30 November; repeat queries down by a quarter.",
            ),
        ),
        (
            (
                "Raise the service standards across the {scope}",
                "Hold each manager accountable for published service standards and client "
                "feedback.",
                "Service standards published for every service; 85% of requests met within them.",
            ),
            (
                "Lead the client-orientation agenda of the {scope}",
                "Meet client offices twice a year and act on their feedback.",
                "Client satisfaction up by 10 points in the annual survey.",
            ),
            (
                "Streamline the business processes of the {scope}",
                "Sponsor the review of the main processes and decide on the changes proposed.",
                "Three processes simplified; processing times down by a fifth.",
            ),
        ),
    ),
    Theme(
        (
            "Strengthen accountability, risk management and compliance",
            "Act on oversight recommendations and keep the risk register current.",
            "Every critical audit recommendation implemented by its target date; risk register "
            "reviewed twice.",
        ),
        (
            "Implement the oversight recommendations addressed to the {area} team",
            "Track each recommendation with an owner and a date and report progress monthly.",
            "No recommendation overdue at the end of the cycle.",
        ),
        (
            (
                "Implement the audit recommendations assigned to me",
                "Agree an action plan for each recommendation and keep the evidence.",
                "All assigned recommendations closed by their target dates, with evidence "
                "accepted by the auditors.",
            ),
            (
                "Keep the {area} records complete and audit-ready",
                "File supporting documents as transactions happen; run a monthly self-check.",
                "Monthly self-checks done; no adverse finding in the annual compliance review.",
            ),
            (
                "Update the {area} risk register",
                "Identify the main risks of the {area} processes, their owners and mitigations.",
                "Register reviewed by 30 September and again by 31 March.",
            ),
        ),
        (
            (
                "Ensure the {scope} acts on every oversight recommendation",
                "Assign an owner to each recommendation and review progress with the managers "
                "every month.",
                "No critical recommendation overdue at the end of the cycle.",
            ),
            (
                "Lead the risk management of the {scope}",
                "Chair the risk review and decide on the mitigation of the main risks.",
                "Risk register reviewed twice; every high risk has a funded mitigation.",
            ),
            (
                "Strengthen the internal controls of the {scope}",
                "Approve the delegation of authority and review the controls with the managers.",
                "Delegations current; no significant deficiency in the annual certification.",
            ),
        ),
    ),
    Theme(
        (
            "Modernise how we work with digital tools and data",
            "Replace paper and e-mail workflows with enterprise systems; use data in decisions.",
            "Five priority processes digitised; management dashboards used in every division.",
        ),
        (
            "Move the {area} processes onto digital workflows",
            "Map the {area} processes and migrate them to the enterprise platform.",
            "All {area} requests processed in the system by 31 January.",
        ),
        (
            (
                "Digitise the {area} filing and approvals",
                "Move the remaining paper forms of the {area} process into the workflow system.",
                "Paper forms retired; every new case processed in the system by 31 January.",
            ),
            (
                "Build a {area} dashboard for managers",
                "Define the indicators with my FRO and publish a monthly dashboard.",
                "Dashboard published by 31 October and refreshed every month.",
            ),
            (
                "Clean the {area} master data",
                "Correct duplicate and incomplete records in the system.",
                "Error rate below 2% in the quarterly data-quality check.",
            ),
        ),
        (
            (
                "Sponsor the digital transformation of the {scope}",
                "Set the digital priorities and fund the move of the main workflows online.",
                "Five priority processes digitised; dashboards used in every management meeting.",
            ),
            (
                "Make data part of every decision of the {scope}",
                "Require the managers to bring indicators to the monthly review.",
                "Every monthly review based on the dashboard; indicators published each quarter.",
            ),
            (
                "Champion the enterprise systems across the {scope}",
                "Ensure the managers adopt the systems and retire the parallel tools.",
                "Parallel spreadsheets retired; all transactions in the enterprise systems.",
            ),
        ),
    ),
    Theme(
        (
            "Use financial resources efficiently and transparently",
            "Implement the budget as approved and report openly on its use.",
            "Budget implementation between 95% and 100%; no obligation older than a year left "
            "open.",
        ),
        (
            "Execute the {area} budget within the approved allotment",
            "Monitor commitments and expenditure monthly and redeploy savings early.",
            "Year-end implementation of the {area} allotment between 95% and 100%.",
        ),
        (
            (
                "Monitor {area} expenditure against the allotment",
                "Reconcile commitments monthly and flag variances to my FRO.",
                "Monthly variance reports on time; year-end variance under 2%.",
            ),
            (
                "Prepare the {area} cost estimates for next year's budget",
                "Cost the planned outputs and justify every change from this year.",
                "Estimates submitted by the budget call deadline with full justifications.",
            ),
            (
                "Reduce the cost of {area} services",
                "Propose savings measures and put the agreed ones in place.",
                "Savings of at least 5% identified and implemented by 31 March.",
            ),
        ),
        (
            (
                "Manage the budget of the {scope} within its appropriation",
                "Review implementation with the managers every month and redeploy savings early.",
                "Budget implementation between 95% and 100%; no overexpenditure.",
            ),
            (
                "Defend the budget proposals of the {scope}",
                "Lead the preparation of the proposals and present them to the review bodies.",
                "Proposals submitted on time; questions of the review bodies answered within a "
                "week.",
            ),
            (
                "Lead the efficiency measures of the {scope}",
                "Set savings targets with the managers and follow their implementation.",
                "Savings of at least 5% achieved without loss of mandated outputs.",
            ),
        ),
    ),
    Theme(
        (
            "Build a diverse, skilled and engaged workforce",
            "Advance gender parity and geographical diversity and invest in learning.",
            "Parity targets met at P-4 and above; every staff member completes five days of "
            "learning.",
        ),
        (
            "Develop the skills of the {area} team",
            "Agree a learning plan for the team and share knowledge across it.",
            "Every team member completes their learning plan; two cross-training sessions held.",
        ),
        (
            (
                "Share knowledge with colleagues in the {area} team",
                "Run briefings and coach newer colleagues on the {area} procedures.",
                "Two knowledge-sharing sessions held; one new colleague coached through "
                "onboarding.",
            ),
            (
                "Document the {area} standard operating procedures",
                "Write down how the main {area} tasks are done so that others can take over.",
                "Procedures cleared by my FRO and posted on the intranet by 28 February.",
            ),
            (
                "Contribute to a respectful and inclusive workplace",
                "Take part in the team's civility and inclusion activities.",
                "Mandatory courses completed; active part in two team inclusion activities.",
            ),
        ),
        (
            (
                "Build a diverse and skilled workforce in the {scope}",
                "Lead the recruitment and learning plans with gender parity and geographical "
                "diversity in view.",
                "Parity targets met at P-4 and above; every manager completes the leadership "
                "programme.",
            ),
            (
                "Lead a respectful and inclusive workplace in the {scope}",
                "Hold town halls and act on the staff engagement survey.",
                "Two town halls held; an action plan on the survey results adopted and followed.",
            ),
            (
                "Hold the managers of the {scope} to account for performance management",
                "Ensure work plans, mid-point reviews and evaluations are completed on time.",
                "At least 95% of the documents of the {scope} completed by the deadlines.",
            ),
        ),
    ),
    Theme(
        (
            "Strengthen partnerships with Member States and the UN system",
            "Work with intergovernmental bodies, agencies, funds and programmes on shared results.",
            "Joint work plans agreed with three partners; Member States briefed every quarter.",
        ),
        (
            "Coordinate the {area} work with partners",
            "Keep regular contact with counterparts in other offices and agencies.",
            "Coordination meetings held every quarter, with agreed follow-up.",
        ),
        (
            (
                "Prepare briefing notes on {area} matters for senior management",
                "Draft accurate, concise briefing notes and talking points on request.",
                "Notes delivered 3 working days before each meeting, cleared without major "
                "changes.",
            ),
            (
                "Coordinate the {area} inputs to inter-agency meetings",
                "Collect and consolidate the inputs and follow up on the decisions.",
                "Inputs submitted on time for every meeting of the cycle.",
            ),
            (
                "Maintain the {area} contacts with partner offices",
                "Keep the contact list current and answer partners' queries promptly.",
                "Contact list reviewed each quarter; queries answered within 5 working days.",
            ),
        ),
        (
            (
                "Represent the {scope} with Member States and partners",
                "Lead the dialogue with delegations, agencies, funds and programmes.",
                "Member States briefed every quarter; joint work plans agreed with three partners.",
            ),
            (
                "Mobilise resources for the priorities of the {scope}",
                "Lead the outreach to donors and the negotiation of agreements.",
                "Extrabudgetary funding secured for the two priority projects.",
            ),
            (
                "Lead the coordination of the {scope} with the UN system",
                "Chair the inter-agency meetings and follow up on their decisions.",
                "Every inter-agency meeting held with agreed follow-up; decisions implemented.",
            ),
        ),
    ),
    Theme(
        (
            "Reduce our environmental footprint and keep staff safe",
            "Cut emissions from travel and facilities; keep business continuity plans current.",
            "Emissions down 10% on last year; every office tests its continuity plan.",
        ),
        (
            "Make the {area} operations greener and safer",
            "Cut paper and travel and keep the {area} continuity arrangements current.",
            "Printing down 30%; continuity plan tested once in the cycle.",
        ),
        (
            (
                "Cut paper and travel in the {area} process",
                "Replace printed files and meetings in person with digital ones where possible.",
                "Printing down 30% and travel down 15% on the last cycle.",
            ),
            (
                "Keep the {area} business continuity plan current",
                "Update the critical functions, contacts and alternates of the plan.",
                "Plan reviewed and tested once in the cycle; contact list current.",
            ),
            (
                "Complete the security and safety training",
                "Complete BSAFE and take part in the office's emergency drills.",
                "Certificates current; took part in every drill.",
            ),
        ),
        (
            (
                "Reduce the environmental footprint of the {scope}",
                "Set emission targets with the managers and review them twice a year.",
                "Emissions down 10% on last year across the {scope}.",
            ),
            (
                "Ensure the business continuity of the {scope}",
                "Approve the continuity plan and lead its annual test.",
                "Continuity plan approved and tested; lessons learnt acted on.",
            ),
            (
                "Keep the staff of the {scope} safe",
                "Follow the security risk management measures with the security adviser.",
                "Every security measure in place; all staff trained and accounted for in drills.",
            ),
        ),
    ),
]

# (title, activities)
DEVELOPMENT_GOALS = [
    (
        "Improve my French to UN Level II",
        "UN language programme twice a week; sit the Language Proficiency Examination.",
    ),
    ("Learn Spanish to UN Level I", "Online Spanish course and a weekly conversation group."),
    (
        "Strengthen my data analysis skills",
        "Data analytics course on the learning platform; apply it to the team's dashboard.",
    ),
    (
        "Learn the reporting module of the enterprise system",
        "Business intelligence training; build the team's monthly reports with it.",
    ),
    (
        "Improve my drafting of official documents",
        "Editorial style course; two drafts reviewed by a senior colleague.",
    ),
    (
        "Develop project management skills",
        "Project management course; run one small project from start to finish.",
    ),
    (
        "Build my supervisory skills",
        "Supervisory skills programme; coach one colleague with my FRO's guidance.",
    ),
    (
        "Know the Financial Regulations and Rules better",
        "Self-paced course on the Financial Regulations and Rules; shadow the certifying "
        "officer for a month.",
    ),
    (
        "Improve my presentation skills",
        "Public speaking workshop; present the team's results at a town hall.",
    ),
    (
        "Prepare for a field assignment",
        "Pre-deployment training and two weeks of job shadowing in a mission.",
    ),
]
RETURN_COMMENTS = [
    "Please make the success criteria measurable: dates and numbers.",
    "Align your second goal to the section's goal on service standards.",
    "Add a development goal that supports the new system roll-out.",
    "The goals are too broad for one cycle: narrow them to what you deliver yourself.",
]
MIDPOINT_STAFF = [
    "Most outputs are on track. The {area} reporting slipped by two weeks because of the "
    "budget exercise; I will catch up by the end of the year.",
    "Good progress on every goal. I would like more exposure to the {area} planning work in "
    "the second half of the cycle.",
    "Two goals are complete and the others are on schedule. The new system took longer to "
    "learn than planned.",
    "I delivered what was planned for the first half and covered for a colleague on leave.",
]
MIDPOINT_FRO = [
    "Agreed: solid progress. Keep the focus on the quarterly reports and ask early for help "
    "when deadlines clash.",
    "A good first half. In the second half you will lead one of the {area} projects.",
    "On track. The delay was outside your control; the revised dates are agreed.",
    "Thank you for covering the extra work. Please take the planned training before the end "
    "of the year.",
]
MIDPOINT_CONCERN = (
    "Several outputs are late and the last two reports needed significant rework. We agreed a "
    "performance improvement plan with clear targets and monthly reviews."
)
SELF_GOAL = [
    "Delivered as planned; the details are in the quarterly reports.",
    "Delivered two weeks late, as agreed with my FRO.",
    "Fully delivered; the target was exceeded in the second half.",
    "Partly delivered: the system roll-out was postponed to next cycle.",
]
SELF_COMPETENCY = [
    "Shown throughout the cycle, for example during the year-end closing.",
    "I have grown in this area with the training I took.",
    "Shown in my work with clients and colleagues every day.",
    "An area I want to keep developing.",
]
SELF_OVERALL = [
    "A productive year: I delivered my goals and took on extra work when the team was short "
    "of staff.",
    "I met my goals and learnt new skills in data analysis.",
    "Most goals were delivered; the delays came from the system change and are resolved.",
    "I am proud of what the {area} team improved this year and of my part in it.",
]
# The FRO's and the staff member's words per rating tier, 1 (the best) to 4: the rank of the
# level on the cycle's scale (`demo.documents.CycleView.level`), or the overall tier drawn.
FRO_GOAL = {
    1: ["Well beyond the target.", "Exceeded the target and improved the process for all."],
    2: ["Delivered as agreed.", "Fully achieved, on time and to quality.", "Target met."],
    3: ["Only partly delivered; several deadlines were missed.", "Late and needed rework."],
    4: ["Not delivered.", "The target was not met despite support."],
}
FRO_COMPETENCY = {
    1: ["A model for the team."],
    2: ["Fully demonstrated.", "Consistently shown."],
    3: ["Needs to be shown more consistently."],
    4: ["Not demonstrated this cycle."],
}
FRO_OVERALL = {
    1: "An exceptional year: {first} exceeded the goals and raised the standard of the "
    "{area} team's work.",
    2: "A solid year: {first} delivered the agreed goals reliably and worked well with "
    "colleagues and clients.",
    3: "{first} delivered part of the agreed work; timeliness and quality need to improve. "
    "We have agreed what support is needed.",
    4: "The agreed goals were not met despite regular feedback and support; a performance "
    "improvement plan follows.",
}
SRO_COMMENTS = ["", "", "I agree with the FRO's evaluation.", "Agreed; well deserved."]
SRO_RETURN = "Please explain the ratings of the goals that were delivered late."
FINAL_COMMENTS = {
    1: ["", "Thank you for the feedback and the support this year."],
    2: ["", "", "Thank you for the feedback and the support this year."],
    3: ["I do not agree with the rating and am considering a rebuttal.", ""],
    4: ["I do not agree with the rating and am considering a rebuttal.", ""],
}
CHECK_IN_NOTES = [
    "Reviewed progress on the quarterly report; agreed to bring the deadline forward.",
    "Discussed the workload during the budget exercise; two tasks reassigned.",
    "Feedback on the last briefing note: clear and on time.",
    "Talked about training options for the development goal.",
    "Agreed the priorities for the next two months.",
]
SUPERVISOR_COMMENTS = [
    "I worked with {first} on the joint {area} project: reliable, well prepared and a good "
    "team player.",
    "{first} supported our team for three months with excellent results.",
    "Good cooperation on the inter-office task force; every deadline was met.",
]
PIP_OBJECTIVES = (
    "Deliver the monthly {area} reports on time and to the agreed quality; clear the backlog "
    "of pending cases."
)
PIP_SUPPORT = "Weekly coaching by the FRO; a workload management course; a peer mentor."
PIP_MEETINGS = [
    "First review: two of the three reports on time; the backlog is down by a third.",
    "Second review: reports on time; quality improving; backlog nearly cleared.",
]
# The monthly review meetings of the demo's PIP that has reached its six-month review.
PIP_MONTHLY_MEETINGS = [
    "First review: the objectives and the weekly coaching slot agreed; backlog listed.",
    "Second review: two of the three reports on time; the backlog is down by a third.",
    "Third review: reports on time; the budgeting course completed.",
    "Fourth review: quality improving; fewer corrections needed on the monthly reports.",
    "Fifth review: backlog nearly cleared; one report late because of leave.",
    "Sixth review: steady; the six-month review will decide whether the plan continues.",
]
PIP_OUTCOMES = [("improved", 5), ("partial", 3), ("not_improved", 2)]
PIP_OUTCOME_COMMENTS = {
    "improved": "The objectives were met; performance is back at the expected level.",
    "partial": "Clear progress, but the reports still need close review.",
    "not_improved": "The objectives were not met; HR has been consulted on next steps.",
}
GOAL_REVISION = " Revised during the cycle: the target date moved with the system roll-out."

# The managerial-accountability section (ILO): what a supervisor answers to each question of
# the cycle, by the question's position (`org.profiles.ILO_ACCOUNTABILITY_QUESTIONS`: managing
# performance, developing staff, geographical representation and gender; a cycle with more
# questions takes these again in turn), and the FRO's comments on the section.
ACCOUNTABILITY_ANSWERS = [
    [
        "Work plans were agreed with every team member in the first month; we hold a short "
        "check-in each quarter and the mid-point reviews were all finalised on time.",
        "Each team member's goals follow the unit's work plan; I review progress in the "
        "monthly team meeting and give feedback on each output as it is delivered.",
        "I discuss priorities with each staff member every month and record the main points "
        "as check-ins; one under-performance concern was raised early and addressed with "
        "coaching.",
        "Goals were set together and adjusted when the roll-out was delayed; feedback is given "
        "after each major delivery rather than only at the mid-point and end of the cycle.",
        "Performance is discussed in regular one-to-one meetings; evaluations were completed "
        "within the deadlines and the ratings were explained to each staff member in person.",
    ],
    [
        "Every team member has a development goal in the work plan; two attended training "
        "courses this cycle and one completed a language certification.",
        "I agreed learning time with each staff member and arranged a stretch assignment on "
        "the budget exercise for a junior colleague.",
        "Staff were encouraged to apply for the mentoring programme; one team member now leads "
        "the weekly coordination meeting to build supervisory experience.",
        "Development needs were discussed at the mid-point review; the unit shared the cost "
        "of an online certificate and covered the workload during the course.",
        "I give each colleague a chance to present their work to senior management and "
        "support their applications for temporary assignments in other units.",
    ],
    [
        "The last two vacancies were advertised widely, with outreach to under-represented "
        "member States; the shortlists and interview panels were gender-balanced.",
        "The unit now has an equal number of women and men in professional posts; a "
        "candidate from an unrepresented country was selected for the latest vacancy.",
        "Selection panels included at least one woman and one man; I followed the targets "
        "set for the department and reported on them at the mid-point.",
        "We used the roster to reach qualified candidates from under-represented regions and "
        "offered flexible working arrangements to retain staff with family duties.",
        "Gender parity at the P-4 level remains below target; the next vacancy will be "
        "advertised with targeted outreach and a balanced panel.",
    ],
]
FRO_ACCOUNTABILITY = [
    "{first} manages the team's performance well; the check-ins are regular and recorded.",
    "Good support for the team's development; I encourage {first} to delegate more.",
    "I agree with the answers: the team's work plans and evaluations were all on time.",
    "{first} has made real progress on the diversity targets; to be continued next cycle.",
    "Sound management of the team; more regular feedback between reviews would help.",
]
