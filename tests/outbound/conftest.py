"""Fixtures for webhooks: the SDK's ManagementApi against a live server, and a real local receiver."""

import pytest

from voucherhub.services import create_api_key


@pytest.fixture
def management(live_server, transactional_db):
    """The official SDK's ManagementApi, authenticated with a key created ``--management``."""
    import voucherify

    key, token = create_api_key(name="Ops", can_manage=True)
    configuration = voucherify.Configuration(
        host=live_server.url, api_key={"X-Management-Id": key.app_id, "X-Management-Token": token}
    )
    with voucherify.ApiClient(configuration) as client:
        yield voucherify.ManagementApi(client)
        client.rest_client.pool_manager.clear()


@pytest.fixture
def project_id(management) -> str:
    return management.list_projects().data[0].id
