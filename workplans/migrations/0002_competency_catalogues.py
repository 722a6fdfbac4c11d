"""Seeds both competency catalogues of DESIGN.md: the UN values and competencies framework
and the Values and Behaviours framework."""

from django.db import migrations

UN = [
    ("core_value", "integrity", "Integrity",
     "Demonstrates the values of the United Nations in daily activities and behaviours."),
    ("core_value", "professionalism", "Professionalism",
     "Shows pride in work; is conscientious and efficient in meeting commitments."),
    ("core_value", "respect_for_diversity", "Respect for Diversity",
     "Works effectively with people from all backgrounds; treats all people with dignity."),
    ("core_competency", "communication", "Communication",
     "Speaks and writes clearly and effectively; listens to others."),
    ("core_competency", "teamwork", "Teamwork",
     "Works collaboratively with colleagues to achieve organizational goals."),
    ("core_competency", "planning_and_organizing", "Planning and Organizing",
     "Develops clear goals consistent with agreed strategies; allocates time and resources."),
    ("core_competency", "accountability", "Accountability",
     "Takes ownership of all responsibilities and honours commitments."),
    ("core_competency", "client_orientation", "Client Orientation",
     "Considers all those to whom services are provided to be clients."),
    ("core_competency", "creativity", "Creativity",
     "Actively seeks to improve programmes or services; offers new options."),
    ("core_competency", "continuous_learning", "Commitment to Continuous Learning",
     "Keeps abreast of new developments in own occupation/profession."),
    ("core_competency", "technological_awareness", "Technological Awareness",
     "Keeps abreast of available technology; applies it to appropriate tasks."),
    ("managerial", "vision", "Vision",
     "Identifies strategic issues, opportunities and risks; communicates a clear direction."),
    ("managerial", "leadership", "Leadership",
     "Serves as a role model; empowers others to translate vision into results."),
    ("managerial", "empowering_others", "Empowering Others",
     "Delegates responsibility, clarifies expectations and gives staff autonomy."),
    ("managerial", "building_trust", "Building Trust",
     "Provides an environment in which others can talk and act without fear of repercussion."),
    ("managerial", "managing_performance", "Managing Performance",
     "Delegates appropriately; monitors progress; gives regular feedback."),
    ("managerial", "judgement_decision_making", "Judgement/Decision-making",
     "Identifies key issues in complex situations; makes tough decisions when necessary."),
]

VB = [
    ("value", "inclusion", "Inclusion",
     "Takes action to create an environment of dignity and respect for all."),
    ("value", "integrity", "Integrity",
     "Acts ethically, with honesty, and puts the Organization's interests first."),
    ("value", "humility", "Humility",
     "Demonstrates self-awareness and is willing to learn from others."),
    ("value", "humanity", "Humanity",
     "Acts in line with the principles of the Charter to advance peace and dignity."),
    ("behaviour", "connect_and_collaborate", "Connect and collaborate",
     "Builds positive relationships to advance the work of the Organization."),
    ("behaviour", "analyse_and_plan", "Analyse and plan",
     "Seeks and uses data from a variety of sources to make decisions."),
    ("behaviour", "deliver_results", "Deliver results with positive impact",
     "Holds oneself accountable for commitments and delivers results for the people served."),
    ("behaviour", "learn_and_develop", "Learn and develop",
     "Pursues own learning and development and contributes to the learning of others."),
    ("behaviour", "adapt_and_innovate", "Adapt and innovate",
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
