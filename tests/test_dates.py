"""The one date check (dates.user_date) and every entry point that uses it rejecting the same inputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.dates import DateError, days_before, user_date, user_day

TODAY = dt.date(2026, 7, 1)
BAD = ["2026-13-01", "2026-02-30", "notadate", "yesterday-ish", "2026/01/01", "01-02-2026", "7", "-3d", "2026-1-"]


@pytest.mark.parametrize(("raw", "iso"), [
    ("2026-06-30", "2026-06-30"), ("2026-6-3", "2026-06-03"), ("2026-06", "2026-06"), ("2026", "2026"),
    (" 2026-06-30 ", "2026-06-30"), ("today", "2026-07-01"), ("Yesterday", "2026-06-30"), ("7d", "2026-06-24"),
    ("2w", "2026-06-17"), ("0d", "2026-07-01"), ("", None), (None, None),
])
def test_accepted(raw, iso) -> None:
    assert user_date(raw, today=TODAY) == iso


@pytest.mark.parametrize("raw", BAD)
def test_rejected_with_the_option_name(raw: str) -> None:
    with pytest.raises(DateError, match=rf"^--until '{raw}' is not a (real )?date \(use YYYY-MM-DD"):
        user_date(raw, "--until", today=TODAY)


def test_days_and_window_helpers() -> None:
    assert user_day("2026-06") == "2026-06-01" and user_day("2026") == "2026-01-01"
    assert days_before("2026-07-01", 7) == "2026-06-24" and days_before("2026-03", 1) == "2026-02-28"


@given(st.text(max_size=20))
def test_any_text_is_an_iso_prefix_or_a_date_error(raw: str) -> None:
    try:
        iso = user_date(raw, today=TODAY)
    except DateError as e:
        assert "\n" not in str(e)
        return
    if iso is not None:
        dt.date.fromisoformat({4: iso + "-01-01", 7: iso + "-01"}.get(len(iso), iso))


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_iso_dates_round_trip(day: dt.date) -> None:
    assert user_date(day.isoformat()) == day.isoformat()


# ---- every entry point: the same rule, one line, exit 2 ---------------------------------------------


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": "test-hashing-64"})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.jsonl"
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    path.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "2401.00001", "title": "Old attention paper", "abstract": "Attention heads.", "date": "2024-01-01"},
        {"id": "2401.00002", "title": "New attention paper", "abstract": "Attention again.", "date": yesterday},
    ]), encoding="utf-8")
    db = tmp_path / "lib.db"
    assert run("--db", db, "ingest", "--json", path).exit_code == 0
    assert run("--db", db, "profile", "create", "me", "--keys", "arxiv:2401.00001").exit_code == 0
    return db


@pytest.mark.parametrize("bad", ["2026-13-01", "notadate"])
@pytest.mark.parametrize("args", [
    ("list", "--since", "{}"), ("list", "--until", "{}"), ("search", "attention", "--since", "{}"),
    ("search", "attention since:{}"), ("search", "until:{} attention", "--mode", "keyword"),
    ("feed", "me", "--since", "{}"), ("digest", "me", "--since", "{}"), ("fetch", "arxiv", "--since", "{}"),
])
def test_every_command_rejects_a_bad_date_in_one_line(db: Path, args: tuple[str, ...], bad: str) -> None:
    """BUG (issue 12, issue 15 item 13): list --since 2026-13-01 printed nothing with exit 0, and
    since:2026-13-45 in a query was silently ignored, while search --since rejected them."""
    r = run("--db", db, *(a.format(bad) for a in args))
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and bad in lines[0] and "is not a" in lines[0] and "Traceback" not in r.output


def test_yesterday_means_the_same_everywhere(db: Path) -> None:
    listed = json.loads(run("--db", db, "list", "--since", "yesterday", "--json").stdout)
    assert [p["title"] for p in listed] == ["New attention paper"]
    found = json.loads(run("--db", db, "search", "attention since:yesterday", "--mode", "keyword", "--json").stdout)
    assert [h["title"] for h in found] == ["New attention paper"]
    opt = json.loads(run("--db", db, "search", "attention", "--since", "1d", "--mode", "keyword", "--json").stdout)
    assert [h["title"] for h in opt] == ["New attention paper"]


def test_the_api_rejects_the_same_dates(db: Path) -> None:
    from fastapi.testclient import TestClient

    from paperfeed.config import load_settings
    from paperfeed.library import Library
    from paperfeed.web.app import create_app

    lib = Library(load_settings(db, model_id="test-hashing-64"))
    with TestClient(create_app(lib.settings, lib), base_url="http://127.0.0.1") as c:
        for params in ({"q": "attention", "since": "2026-13-01"}, {"q": "attention since:2026-13-01"}):
            r = c.get("/api/search", params=params)
            assert r.status_code == 400 and "2026-13-01" in r.text
        assert c.get("/api/search", params={"q": "attention since:yesterday"}).status_code == 200
    lib.close()
