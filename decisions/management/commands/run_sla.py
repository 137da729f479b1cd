"""Run the sign-off SLA once, now, in this process: what `run_signoff_sla` does every 15 minutes
from Celery beat, with each step taken synchronously and reported. Then sweep the notifications
whose task or email was lost, as `sweep_notifications` does every 10 minutes: without a worker
(no REDIS_URL) this command, run from cron, is what recovers them."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from decisions import notifications, sla, tasks


class Command(BaseCommand):
    help = (
        "Remind overdue sign-offs and escalate them to the department head and then the CDO, "
        "each step at most once; presume the consent of consent-mode sign-offs nobody objected "
        "to by their due date. Safe to run at any time, also beside Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the steps that are due; take none."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        self._sla(dry_run=dry_run)
        self._presume(dry_run=dry_run)
        self._sweep(dry_run=dry_run)

    def _presume(self, *, dry_run: bool) -> None:
        """Consent mode: the sign-offs nobody objected to by their due date are presumed."""
        from decisions.services.consent import signoff_presume, signoffs_presumption_due

        due = signoffs_presumption_due()
        if not due:
            self.stdout.write("No consent to presume.")
            return
        presumed = 0
        for signoff_id in due:
            if dry_run:
                self.stdout.write(f"due: sign-off {signoff_id}: presume consent")
                continue
            result = signoff_presume(signoff_id=signoff_id)
            if result is None or not result.presumed:
                self.stdout.write(f"skipped: sign-off {signoff_id} (decided meanwhile)")
                continue
            presumed += 1
            s = result.signoff
            self.stdout.write(
                f"presumed: {s.proposal.reference} {s.department.code} (due {s.due_on:%Y-%m-%d})"
            )
            for notification in result.notifications:
                try:
                    tasks.send_notification_email.delay(notification.pk)
                except Exception as error:  # report it and go on with the others
                    self.stderr.write(
                        f"  email to {notification.user.get_username()} not sent: {error}"
                    )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"{presumed} consent(s) presumed."))

    def _sweep(self, *, dry_run: bool) -> None:
        if dry_run:
            lost = notifications.notifications_to_sweep()
            self.stdout.write(f"{len(lost)} lost notification task(s) or email(s) to send again.")
            return
        queued = tasks.sweep_notifications()
        if queued:
            self.stdout.write(f"{queued} lost notification task(s) or email(s) sent again.")

    def _sla(self, *, dry_run: bool) -> None:
        due = sla.signoffs_sla_due()
        if not due:
            self.stdout.write("No sign-off has an SLA step due.")
            return
        taken = 0
        for signoff_id, step in due:
            if dry_run:
                self.stdout.write(f"due: sign-off {signoff_id}: {step}")
                continue
            result = sla.signoff_sla_step(signoff_id=signoff_id, step=step)
            if result is None or not result.claimed:
                self.stdout.write(f"skipped: sign-off {signoff_id}: {step} (taken meanwhile)")
                continue
            taken += 1
            s = result.signoff
            who = ", ".join(result.recipients) or "nobody to tell"
            self.stdout.write(
                f"{step}: {s.proposal.reference} {s.department.code} "
                f"(due {s.due_on:%Y-%m-%d}) → {who}"
            )
            # The emails go out like the periodic task's: one task per notification, each
            # retried on failure (in-process when Celery runs eagerly).
            for notification in result.notifications:
                try:
                    tasks.send_notification_email.delay(notification.pk)
                except Exception as error:  # report it and go on with the others
                    self.stderr.write(
                        f"  email to {notification.user.get_username()} not sent: {error}"
                    )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"{taken} SLA step(s) taken."))
