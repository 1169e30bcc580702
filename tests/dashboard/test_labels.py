"""Stored codes in words (dashboard.labels): the words the models' choices use, and channels by kind and name."""

from dashboard.labels import channel, channel_from_label, channel_label, label
from redemptions.models import RedemptionStatus
from sessions.models import SessionStatus


def test_a_code_reads_as_its_choice_label_does():
    for choice in [*RedemptionStatus, *SessionStatus]:
        assert label(choice.value) == choice.label
    assert label("INAPPLICABLE") == "Inapplicable" and label("promotion_tier") == "Promotion tier"
    assert label("") == "—" and label(None) == "—"


def test_a_channel_is_its_kind_in_words_with_its_name_under_it():
    assert channel_label("USER") == "Dashboard user" and channel_label("API") == "API"
    assert str(channel("API", "Web shop")) == (
        'API<div class="small text-secondary" data-testid="channel-name">Web shop</div>'
    )
    assert "<b>" not in str(channel("USER", "<b>x</b>"))  # a name is escaped


def test_a_channel_filter_value_is_a_code_or_its_words():
    assert channel_from_label("Dashboard user") == channel_from_label("user") == "USER"
    assert channel_from_label(" api ") == "API"
    assert channel_from_label("Web shop") is None
