"""The daily run end to end: fake arXiv -> store -> embed -> digests through a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.delivery.lock import LockedError, run_lock
from paperfeed.embed import onnx_minilm


def write_config(home: Path, arxiv, smtp_port: int, emails: dict[str, str]) -> None:
    profiles = "".join(f'[profiles.{n}]\nemail = "{e}"\n\n' for n, e in emails.items())
    (home / "config.toml").write_text(
        f'[fetch]\ncategories = ["cs.LG", "cs.CL"]\noai_url = "{arxiv.oai_url}"\ndelay = 0.0\nretries = 2\n'
        f'backoff = 0.01\ntimeout = 2.0\n\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\n'
        f'from = "paperfeed@example.org"\n\n[digest]\ndays = 3650\nlimit = 5\n\n{profiles}', encoding="utf-8")


@pytest.fixture
def profiles(lib, fakes):
    """Profiles jane and bob built from a few sample papers (ingested as a user's own list)."""
    from paperfeed.models import Paper
    from paperfeed.sources.harvest import write_page

    recs = fakes.sample_records()
    own = [Paper(title=r["title"], abstract=r["abstract"], authors=tuple(r["authors"]), arxiv_id=r["id"],
                 categories=tuple(r["categories"]), date=r["date"]) for r in recs[:4]]
    with lib.store.transaction():
        write_page(lib.store, own, "my-papers.bib")
    lib.create_profile("jane", keys=[f"arxiv:{r['id']}" for r in recs[:2]])
    lib.create_profile("bob", keys=[f"arxiv:{r['id']}" for r in recs[2:4]])
    lib.create_profile("carol", interests="speech recognition")  # no email: no digest
    return lib


def test_daily_fetches_embeds_and_sends_each_profile_once(profiles, fakes, smtp, paperfeed_home):
    lib = profiles
    with fakes.FakeArxiv() as arxiv:
        write_config(paperfeed_home, arxiv, smtp.port, {"jane": "jane@example.org", "bob": "bob@example.org"})
        report = lib.delivery.daily(since="2026-05-01")
        assert report.exit_code == 0, report.summary()
        # the 4 profile papers were embedded by create_profile (it embeds its own papers); their update
        # by the fetch leaves their text unchanged, so only the 36 new papers are embedded here
        assert report.fetch[0].added == 36 and report.embedded == 36
        assert [(d.profile, d.status, d.papers) for d in report.digests] == [("bob", "sent", 5), ("jane", "sent", 5)]
        assert sorted(m[1][0] for m in smtp.messages) == ["bob@example.org", "jane@example.org"]
        assert report.summary().startswith("daily ok: fetched 36 new, 4 updated; embedded 36; digests: 2 sent")
        assert {p["name"]: p["email"] for p in lib.profiles()}["jane"] == "jane@example.org"  # mirrored
        again = lib.delivery.daily(since="2026-05-01")
    assert again.exit_code == 0 and len(smtp.messages) == 2
    assert [d.status for d in again.digests] == ["skipped", "skipped"]
    assert "digests: 2 skipped" in again.summary()


def test_arxiv_outage_skips_digests_fails_and_the_next_run_catches_up(profiles, fakes, smtp, paperfeed_home):
    lib = profiles
    with fakes.FakeArxiv() as arxiv:
        write_config(paperfeed_home, arxiv, smtp.port, {"jane": "jane@example.org"})
        arxiv.faults.extend([fakes.Fault(status=503, headers={"Retry-After": "0"})] * 3)
        down = lib.delivery.daily(since="2026-05-01")
        assert down.exit_code == 2 and not smtp.messages
        assert down.summary().startswith("daily FAILED: fetch failed: arXiv (127.0.0.1")
        assert "unavailable: HTTP 503" in down.summary() and "digests skipped" in down.summary()
        up = lib.delivery.daily(since="2026-05-01")
    assert up.exit_code == 0 and up.fetch[0].added == 36 and len(smtp.messages) == 1


def test_failed_profile_makes_the_run_fail_but_others_are_sent(profiles, fakes, smtp, paperfeed_home):
    lib = profiles
    with fakes.FakeArxiv() as arxiv:
        write_config(paperfeed_home, arxiv, smtp.port, {"jane": "jane@example.org", "zed": "zed@example.org"})
        report = lib.delivery.daily(since="2026-05-01", fetch=False)
    assert report.exit_code == 2 and [d.status for d in report.digests] == ["sent", "failed"]
    assert "zed: failed (no profile named 'zed'" in report.summary()


def test_a_second_run_cannot_start_while_one_holds_the_lock(lib, paperfeed_home):
    with run_lock(paperfeed_home, "daily"):
        with pytest.raises(LockedError, match=r"another paperfeed run is in progress \(daily, pid \d+"):
            lib.delivery.daily()
        with pytest.raises(LockedError):
            lib.delivery.digest("nobody", send=True)
    assert lib.delivery.daily(fetch=False).exit_code == 0  # released


def test_daily_keeps_sentence_vectors_complete_once_they_were_asked_for(profiles, fakes, smtp, paperfeed_home):
    lib = profiles
    recs = fakes.sample_records()
    with fakes.FakeArxiv(records=recs[:-6]) as arxiv:  # all but six papers are out yet
        write_config(paperfeed_home, arxiv, smtp.port, {})
        first = lib.delivery.daily(since="2026-05-01")  # never asked for: sentence vectors are left to `similar`
    assert first.exit_code == 0 and first.sentences == 0 and "sentences" not in first.summary()
    assert lib.count_pending_sentences() == lib.store.count() == 34
    assert lib.embed_sentences_pending() == 34  # what `paperfeed embed --sentences` runs
    with fakes.FakeArxiv(records=recs) as arxiv:
        write_config(paperfeed_home, arxiv, smtp.port, {})
        second = lib.delivery.daily(since="2026-05-01")
    assert second.exit_code == 0 and second.fetch[0].added == 6
    assert second.sentences == 6 and lib.count_pending_sentences() == 0
    assert "embedded 6 (+ sentences of 6)" in second.summary() and second.as_dict()["sentences"] == 6


@pytest.mark.slow
@pytest.mark.skipif(not onnx_minilm.weights_installed(), reason=f"{onnx_minilm.WEIGHTS_PACKAGE} is not installed")
def test_daily_embeds_the_window_with_the_second_tier_and_digests_use_it(profiles, fakes, smtp, paperfeed_home):
    lib = profiles
    with fakes.FakeArxiv() as arxiv:
        write_config(paperfeed_home, arxiv, smtp.port, {"jane": "jane@example.org"})
        with (paperfeed_home / "config.toml").open("a", encoding="utf-8") as f:
            f.write('[feed]\nrerank_model = "minilm-l6-int8"\nrerank_top = 3\n')
        report = lib.delivery.daily(since="2026-05-01")
        assert report.exit_code == 0, report.summary()
        # the library's model is the hashing test model; the second tier (the real MiniLM) embeds the
        # digest window (every paper here) and the profile papers, nothing more
        assert report.second_tier == lib.store.count() == 40
        assert lib.store.vector_models()["minilm-l6-int8"] == 40
        assert "(second tier 40 in " in report.summary() and report.as_dict()["second_tier"] == 40
        assert "embed_second" in report.seconds
        assert len(smtp.messages) == 1
        hits = lib.feed("bob", since="2026-05-01", limit=5)  # bob has no email: nothing was delivered to him
        assert sum("minilm-l6-int8 similarity" in h.why for h in hits) >= 2
        again = lib.delivery.daily(since="2026-05-01")
    assert again.second_tier == 0 and "(second tier 0 in " in again.summary()
