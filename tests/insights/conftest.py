import pytest


@pytest.fixture
def marketer_client(client, role_user):
    """The test client signed in as a Marketer (the campaign dashboards' everyday reader)."""
    role_user("Marketer")
    client.login(username="marketer", password="pw")
    return client
