"""``python manage.py seed_demo``: demo data and one login per role.

Up to ``demo.bulk.BULK_THRESHOLD`` redemptions the small demo (demo.loader) makes the data through the
product's own services; above it PostgreSQL replicates a small demo (demo.bulk): each such run adds another
batch; SQLite and ``--reset`` are refused there.
"""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import bulk as demo_bulk
from demo import catalogue, loader


class Command(BaseCommand):
    help = (
        "Load demo data (campaigns, vouchers, customers, orders, redemptions, validations, sessions, audit log) "
        "once, and make sure the demo users admin, marketer, staff and owner exist. Without --password an "
        "existing demo user keeps its password and a new one gets a random password, printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--redemptions",
            type=int,
            default=catalogue.DEFAULT_REDEMPTIONS,
            metavar="N",
            help=f"number of redemptions, stacked parents included (default {catalogue.DEFAULT_REDEMPTIONS}, "
            f"at least {catalogue.MIN_REDEMPTIONS}); above {demo_bulk.BULK_THRESHOLD:,}: a bulk load on "
            "PostgreSQL, adding another batch on every run",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=catalogue.DEFAULT_SEED,
            help=f"random seed: the same seed gives the same data (default {catalogue.DEFAULT_SEED})",
        )
        parser.add_argument(
            "--password",
            metavar="PW",
            help="set this password for all four demo users (default: existing users keep theirs, new ones "
            "get a random one)",
        )
        parser.add_argument("--reset", action="store_true", help="delete the previous demo data and create it again")

    def handle(self, *args, **options) -> None:
        if options["redemptions"] < catalogue.MIN_REDEMPTIONS:
            raise CommandError(f"--redemptions must be at least {catalogue.MIN_REDEMPTIONS}")
        if options["password"] is not None and not options["password"]:
            raise CommandError("--password must not be empty")
        seed = demo_bulk.seed_bulk if options["redemptions"] > demo_bulk.BULK_THRESHOLD else loader.seed_demo
        try:
            result = seed(
                redemptions=options["redemptions"],
                seed=options["seed"],
                password=options["password"],
                reset=options["reset"],
            )
        except demo_bulk.BulkRefused as exc:
            raise CommandError(str(exc)) from exc
        except Group.DoesNotExist as exc:
            raise CommandError("The role groups are missing: run `python manage.py migrate` first.") from exc
        self.stdout.write(result.summary)
        self.stdout.write("")
        self.stdout.write(
            "Demo users (a new password is shown once; `python manage.py seed_demo --password PW` sets one for all):"
        )
        for user in result.users:
            self.stdout.write(f"  {user.username:<10} {user.role:<10} {user.shown_password}")
