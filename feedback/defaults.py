"""The default upward-feedback questionnaire a cycle starts with (docs/rules.md section 9):
values, competencies, people management and overall effectiveness, each answered on the
cycle's numerical scale. Marked with gettext_noop (stored in English) so that the catalogue
has them; pages show them with `|translated` in the reader's language, and an organisation's
own wording as it is."""

from django.utils.translation import gettext_noop

from .models import UpwardQuestion

S = UpwardQuestion.Section

QUESTIONS: tuple[tuple[str, str], ...] = (
    (S.VALUES, gettext_noop("Acts with integrity and treats everyone in the team fairly.")),
    (
        S.VALUES,
        gettext_noop("Treats every member of the team with respect, whatever their background."),
    ),
    (S.COMPETENCIES, gettext_noop("Communicates clearly and listens to the team.")),
    (
        S.COMPETENCIES,
        gettext_noop("Plans and organises the team's work so that priorities are clear."),
    ),
    (S.PEOPLE_MANAGEMENT, gettext_noop("Gives me regular and useful feedback on my work.")),
    (S.PEOPLE_MANAGEMENT, gettext_noop("Supports my learning and development.")),
    (
        S.PEOPLE_MANAGEMENT,
        gettext_noop("Delegates responsibility and trusts the team to deliver."),
    ),
    (
        S.PEOPLE_MANAGEMENT,
        gettext_noop("Makes it safe to raise concerns and disagree."),
    ),
    (S.OVERALL, gettext_noop("Overall, leads the team effectively.")),
)
