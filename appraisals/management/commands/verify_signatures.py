from django.core.management.base import BaseCommand, CommandError

from appraisals.signing import verify_signatures
from pmsystem import registry


class Command(BaseCommand):
    help = (
        "Re-compute the SHA-256 of every current signature and of every closed, signed stage, "
        "and of what later stages sign (colleagues' answers); report each mismatch and exit "
        "non-zero when there is any."
    )

    def handle(self, *args, **options):
        count, mismatches = verify_signatures()
        for mismatch in mismatches:
            signature = mismatch.signature
            self.stdout.write(
                f"document {signature.document_id}: signature {signature.pk} "
                f"({signature.stage}/{signature.action} by user {signature.signer_id}, "
                f"{signature.signed_at:%Y-%m-%d %H:%M}): {mismatch.reason}"
            )
        problems = []
        for check in registry.signature_checks():
            checked, found = check()
            count += checked
            problems += found
        for problem in problems:
            self.stdout.write(problem)
        if mismatches or problems:
            raise CommandError(
                f"{len(mismatches) + len(problems)} mismatch(es) in {count} signatures."
            )
        self.stdout.write(self.style.SUCCESS(f"{count} signatures verified, no mismatch."))
