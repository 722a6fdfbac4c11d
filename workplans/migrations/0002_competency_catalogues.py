"""Seeds both competency catalogues of docs/rules.md: the UN values and competencies framework
and the Values and Behaviours framework."""

from django.db import migrations
from django.utils.translation import gettext_noop

# The names are marked for translation (gettext_noop: stored in English) so that the
# catalogue has them; pages show them with `|translated` in the reader's language.

UN = [
    ("core_value", "integrity", gettext_noop("Integrity"),
     "Demonstrates the values of the United Nations in daily activities and behaviours."),
    ("core_value", "professionalism", gettext_noop("Professionalism"),
     "Shows pride in work; is conscientious and efficient in meeting commitments."),
    ("core_value", "respect_for_diversity", gettext_noop("Respect for Diversity"),
     "Works effectively with people from all backgrounds; treats all people with dignity."),
    ("core_competency", "communication", gettext_noop("Communication"),
     "Speaks and writes clearly and effectively; listens to others."),
    ("core_competency", "teamwork", gettext_noop("Teamwork"),
     "Works collaboratively with colleagues to achieve organizational goals."),
    ("core_competency", "planning_and_organizing", gettext_noop("Planning and Organizing"),
     "Develops clear goals consistent with agreed strategies; allocates time and resources."),
    ("core_competency", "accountability", gettext_noop("Accountability"),
     "Takes ownership of all responsibilities and honours commitments."),
    ("core_competency", "client_orientation", gettext_noop("Client Orientation"),
     "Considers all those to whom services are provided to be clients."),
    ("core_competency", "creativity", gettext_noop("Creativity"),
     "Actively seeks to improve programmes or services; offers new options."),
    ("core_competency", "continuous_learning", gettext_noop("Commitment to Continuous Learning"),
     "Keeps abreast of new developments in own occupation/profession."),
    ("core_competency", "technological_awareness", gettext_noop("Technological Awareness"),
     "Keeps abreast of available technology; applies it to appropriate tasks."),
    ("managerial", "vision", gettext_noop("Vision"),
     "Identifies strategic issues, opportunities and risks; communicates a clear direction."),
    ("managerial", "leadership", gettext_noop("Leadership"),
     "Serves as a role model; empowers others to translate vision into results."),
    ("managerial", "empowering_others", gettext_noop("Empowering Others"),
     "Delegates responsibility, clarifies expectations and gives staff autonomy."),
    ("managerial", "building_trust", gettext_noop("Building Trust"),
     "Provides an environment in which others can talk and act without fear of repercussion."),
    ("managerial", "managing_performance", gettext_noop("Managing Performance"),
     "Delegates appropriately; monitors progress; gives regular feedback."),
    ("managerial", "judgement_decision_making", gettext_noop("Judgement/Decision-making"),
     "Identifies key issues in complex situations; makes tough decisions when necessary."),
]

VB = [
    ("value", "inclusion", gettext_noop("Inclusion"),
     "Takes action to create an environment of dignity and respect for all."),
    ("value", "integrity", gettext_noop("Integrity"),
     "Acts ethically, with honesty, and puts the Organization's interests first."),
    ("value", "humility", gettext_noop("Humility"),
     "Demonstrates self-awareness and is willing to learn from others."),
    ("value", "humanity", gettext_noop("Humanity"),
     "Acts in line with the principles of the Charter to advance peace and dignity."),
    ("behaviour", "connect_and_collaborate", gettext_noop("Connect and collaborate"),
     "Builds positive relationships to advance the work of the Organization."),
    ("behaviour", "analyse_and_plan", gettext_noop("Analyse and plan"),
     "Seeks and uses data from a variety of sources to make decisions."),
    ("behaviour", "deliver_results", gettext_noop("Deliver results with positive impact"),
     "Holds oneself accountable for commitments and delivers results for the people served."),
    ("behaviour", "learn_and_develop", gettext_noop("Learn and develop"),
     "Pursues own learning and development and contributes to the learning of others."),
    ("behaviour", "adapt_and_innovate", gettext_noop("Adapt and innovate"),
     "Encourages and applies new approaches and continuous improvement."),
]


def seed(apps, schema_editor):
    Competency = apps.get_model("workplans", "Competency")
    for framework, rows in (("un", UN), ("vb", VB)):
        for position, (kind, code, name, description) in enumerate(rows, start=1):
            Competency.objects.update_or_create(
                framework=framework,
                code=code,
                defaults={"kind": kind, "name": name, "description": description,
                          "position": position},
            )


def unseed(apps, schema_editor):
    apps.get_model("workplans", "Competency").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workplans", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
