"""Stored codes in words (dashboard.labels): the words the models' choices use, and channels by kind and name."""

from decimal import Decimal

from campaigns.models import OrderStatus
from campaigns.queries import CampaignStatus
from dashboard.labels import channel, channel_from_label, channel_label, duration, label
from exports.models import ExportStatus
from redemptions.models import RedemptionStatus
from sessions.models import SessionStatus


def test_a_code_reads_as_its_choice_label_does():
    for choice in [*RedemptionStatus, *SessionStatus, *ExportStatus, *OrderStatus]:
        assert label(choice.value) == choice.label
    for code, words in CampaignStatus.choices:
        assert label(code) == words
    assert label("INAPPLICABLE") == "Inapplicable" and label("promotion_tier") == "Promotion tier"
    assert label("") == "—" and label(None) == "—"


def test_a_channel_is_its_kind_in_words_on_one_line_with_its_name_under_it():
    assert channel_label("USER") == "Dashboard user" and channel_label("API") == "API"
    assert str(channel("API", "Web shop")) == (
        '<span class="vh-channel-kind">API</span>'
        '<div class="small text-secondary" data-testid="channel-name">Web shop</div>'
    )
    assert "<b>" not in str(channel("USER", "<b>x</b>"))  # a name is escaped


def test_a_channel_filter_value_is_a_code_or_its_words():
    assert channel_from_label("Dashboard user") == channel_from_label("user") == "USER"
    assert channel_from_label(" api ") == "API"
    assert channel_from_label("Web shop") is None


def test_a_duration_reads_as_words():
    assert duration(Decimal("7.000000000"), "DAYS") == "7 days"
    assert duration(Decimal("10.000000000"), "MINUTES") == "10 minutes"  # not 1E+1
    assert duration(1, "HOURS") == "1 hour" and duration(1.5, "HOURS") == "1.5 hours"
    assert duration("x", "DAYS") == "—"
