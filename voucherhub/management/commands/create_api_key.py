from django.core.management.base import BaseCommand

from voucherhub.services import create_api_key


class Command(BaseCommand):
    help = (
        "Create an API key for /v1/ and print exactly two lines, VOUCHERHUB_APP_ID=... and "
        "VOUCHERHUB_APP_TOKEN=..., for scripts to read. The token is not stored and cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Shown as the channel of every call made with this key.")
        parser.add_argument(
            "--management",
            action="store_true",
            help="The key also opens /management/v1/ (webhooks): send it as X-Management-Id / X-Management-Token.",
        )

    def handle(self, *args, name: str, management: bool = False, **options):
        key, token = create_api_key(name=name, can_manage=management)
        self.stdout.write(f"VOUCHERHUB_APP_ID={key.app_id}\nVOUCHERHUB_APP_TOKEN={token}")
