from django.core.management.base import BaseCommand, CommandError

from compliance.access_audit import check_access


class Command(BaseCommand):
    help = (
        "Check that the access the application answers equals today's relations: every "
        "person's FRO, SRO and additional-supervisor lists against the reporting lines, "
        "delegations, accepted requests and signatures, and the records against the rules "
        "access relies on. Prints every finding; exits non-zero on any."
    )

    def handle(self, *args, **options):
        report = check_access()
        for finding in report.findings:
            self.stdout.write(finding)
        summary = (
            f"{report.checked_documents} documents and {report.checked_people} people checked: "
            f"{len(report.findings)} findings"
        )
        if report.findings:
            raise CommandError(summary)
        self.stdout.write(summary)
