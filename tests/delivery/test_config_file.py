"""config.toml: validation, the small TOML writer, atomic replacement."""

from __future__ import annotations

import tomllib

import pytest

from paperfeed.config_file import ConfigError, dumps, load_config, set_value, shown


def test_defaults_without_a_file(paperfeed_home):
    cfg = load_config(paperfeed_home)
    assert cfg.get("fetch.delay") == 3.0 and cfg.get("smtp.tls") == "starttls" and cfg.emails == {}


@pytest.mark.parametrize("name", ["jane", "Jane Doe", 'odd "quoted" name', "dots.in.name", "Zoë\\x"])
def test_profile_names_round_trip(paperfeed_home, name):
    set_value(paperfeed_home, f"profiles.{name}.email", "a@example.org")
    assert load_config(paperfeed_home).emails == {name: "a@example.org"}


def test_writer_output_is_toml_that_reads_back():
    raw = {"fetch": {"categories": ["cs.LG"], "delay": 0.5, "retries": 2}, "smtp": {"from": 'a"b@x.org'},
           "profiles": {"j d": {"email": "j@x.org"}}}
    assert tomllib.loads(dumps(raw)) == raw


def test_bad_file_and_bad_values_are_clear(paperfeed_home):
    path = paperfeed_home / "config.toml"
    path.write_text("[smtp\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(paperfeed_home)
    path.write_text("[smtp]\nport = 0\n")
    with pytest.raises(ConfigError, match=r"bad value for smtp.port: 0: expected a number from 1 to 65535"):
        load_config(paperfeed_home)
    path.write_text("[smtp]\nhost = \"h\"\n")
    with pytest.raises(ConfigError, match="line breaks"):
        set_value(paperfeed_home, "smtp.host", "evil\r\nhost")
    assert load_config(paperfeed_home).get("smtp.host") == "h"  # the file was left as it was


def test_unset_and_masking(paperfeed_home, monkeypatch):
    set_value(paperfeed_home, "smtp.user", "jane")
    set_value(paperfeed_home, "smtp.user", "")
    assert load_config(paperfeed_home).get("smtp.user") == ""
    monkeypatch.setenv("PAPERFEED_SMTP_PASSWORD", "pw")
    assert "pw" not in str(shown(load_config(paperfeed_home)).values()).replace("PAPERFEED_SMTP_PASSWORD", "")
