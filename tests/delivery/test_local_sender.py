"""smtp.from on a local relay: ``paperfeed@localhost`` is a valid sender (issue 15, item 14)."""

from __future__ import annotations

import pytest
from test_digest_send import library, received, write_config  # noqa: F401 - the fixture is used by name

from paperfeed.config_file import ConfigError, load_config, set_value


@pytest.mark.parametrize("sender", ["paperfeed@localhost", "digest@labserver", "a.b@example.org"])
def test_local_and_full_senders_are_accepted(paperfeed_home, sender):
    set_value(paperfeed_home, "smtp.from", sender)
    assert load_config(paperfeed_home).get("smtp.from") == sender


@pytest.mark.parametrize("bad", ["paperfeed", "@localhost", "a@b@c", "a@-bad", "x y@localhost", "a@local_host"])
def test_non_addresses_are_still_refused(paperfeed_home, bad):
    with pytest.raises(ConfigError, match="expected an email address"):
        set_value(paperfeed_home, "smtp.from", bad)


def test_a_digest_goes_out_from_a_localhost_sender(library, smtp, paperfeed_home):  # noqa: F811
    write_config(paperfeed_home, smtp.port)
    set_value(paperfeed_home, "smtp.from", "paperfeed@localhost")
    out = library.delivery.digest("jane", send=True, limit=5)
    assert out.status == "sent"
    [(mail_from, rcpts, _)] = smtp.messages
    assert mail_from == "paperfeed@localhost" and rcpts == ["jane@example.org"]
    assert received(smtp)["From"] == "paperfeed@localhost"
