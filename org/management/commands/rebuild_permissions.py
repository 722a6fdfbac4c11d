from django.core.management.base import BaseCommand

from org.permissions import rebuild_permissions


class Command(BaseCommand):
    help = (
        "Rebuild every derived object permission from scratch: department-wide grants from "
        "department roles, document grants from reporting lines and accepted additional "
        "supervisors, rebuttal panel grants from the panels."
    )

    def handle(self, *args, **options):
        results = rebuild_permissions()
        for app, count in results.items():
            self.stdout.write(f"{app}: {count} grants")
