"""E-mail distributions end to end: a code published to a customer reaches a real SMTP server (aiosmtpd),
sent by a real worker; the campaign's Publications tab counts messages delivered and the redemptions of
e-mailed codes; a customer without an address gets a message recorded as failed, saying why."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from conftest import wait_for
from outbound.models import Message, MessageStatus
from outbound.services.distributions import set_distribution
from tests.factories import api_call, make_campaign, make_customer, make_voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    """What the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its server by connecting to the port given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def coupons_with_email(name="Welcome"):
    campaign = make_campaign(name=name)
    for n in range(3):
        make_voucher(code=f"{name.upper()}-{n}", campaign=campaign)
    set_distribution(
        campaign,
        subject="Your code from {campaign}",
        body="Hello {customer}, here is {code}.",
        active=True,
        caller=Caller.system("test"),
    )
    return campaign


def test_a_published_code_is_e_mailed_to_its_customer_and_counted_on_the_campaign(live_worker, smtp, role_user):
    campaign = coupons_with_email()
    make_customer(source_id="ann", name="Ann", email="ann@example.com")

    published = api_call("/v1/publications", {"customer": {"source_id": "ann"}, "campaign": {"name": campaign.name}})

    code = published["voucher"]["code"]
    assert wait_for(lambda: len(smtp.messages) == 1)
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["ann@example.com"]
    text = envelope.content.decode()
    assert "Subject: Your code from Welcome" in text and f"Hello Ann, here is {code}." in text
    assert wait_for(lambda: Message.objects.get().status == MessageStatus.SENT)

    api_call("/v1/redemptions", {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1_000}})
    client = Client()
    client.force_login(role_user("Admin"))
    page = client.get(f"/campaigns/{campaign.pk}/publications/").content.decode()
    figures = page[page.index('data-testid="distribution-figures"') :][:1500]
    assert '>1</div><div class="small text-secondary">Messages delivered' in figures
    assert '>1</div><div class="small text-secondary">Redemptions of e-mailed codes' in figures
    assert "ann@example.com" in page


def test_a_customer_without_an_e_mail_address_gets_a_failed_message_saying_why(role_user):
    campaign = coupons_with_email("Quiet")
    make_customer(source_id="bob", email="")

    api_call("/v1/publications", {"customer": {"source_id": "bob"}, "campaign": {"name": campaign.name}})

    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED and message.error == "The customer has no e-mail address"


def test_an_admin_sets_up_the_e_mail_and_a_message_without_the_code_is_refused_with_a_form_error(role_user):
    campaign = make_campaign(name="Spring")
    make_voucher(code="SPRING-1", campaign=campaign)
    client = Client()
    client.force_login(role_user("Admin"))
    url = f"/campaigns/{campaign.pk}/publications/"

    refused = client.post(url, {"subject": "Hi", "body": "No code here", "active": "on"})

    assert refused.status_code == 400
    assert "Put {code} in the message, where the customer&#x27;s code goes." in refused.content.decode()
    saved = client.post(url, {"subject": "Hi {customer}", "body": "Your code: {code}", "active": "on"})
    assert saved.status_code == 302
    assert campaign.distribution.subject == "Hi {customer}"


def test_a_marketer_sees_the_figures_but_may_not_change_the_e_mail(role_user):
    campaign = coupons_with_email("Look")
    client = Client()
    client.force_login(role_user("Marketer"))
    url = f"/campaigns/{campaign.pk}/publications/"

    page = client.get(url).content.decode()

    assert 'data-testid="distribution-figures"' in page and 'data-testid="distribution-form"' not in page
    assert client.post(url, {"subject": "x", "body": "{code}"}).status_code == 403


def test_the_publications_tab_shows_no_stray_notices_beside_the_e_mail_figures(role_user):
    """The figures are not passed as "messages", which the page's notice area reads."""
    campaign = coupons_with_email("Plain")
    client = Client()
    client.force_login(role_user("Admin"))

    page = client.get(f"/campaigns/{campaign.pk}/publications/").content.decode()

    assert 'class="vh-messages"' not in page
