"""Several evaluation windows: parsing, disjointness, and the paired bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.errors import PaperfeedError
from paperfeed.eval.metrics import paired_bootstrap
from paperfeed.eval.windows import DEV_WINDOWS, HELD_OUT_WINDOWS, check_disjoint, parse_windows


def test_parse_windows() -> None:
    assert parse_windows("2026-06-24..2026-06-30, 2026-08-08..2026-08-14") == [
        ("2026-06-24", "2026-06-30"), ("2026-08-08", "2026-08-14")]
    for bad in ("2026-06-24", "2026-06-30..2026-06-24", "2026-13-01..2026-13-02", ","):
        with pytest.raises(PaperfeedError):
            parse_windows(bad)


def test_default_windows_are_disjoint_and_enough() -> None:
    assert len(HELD_OUT_WINDOWS) >= 4
    check_disjoint(HELD_OUT_WINDOWS, DEV_WINDOWS)


def test_overlapping_windows_are_refused() -> None:
    with pytest.raises(PaperfeedError, match="overlap"):
        check_disjoint([("2026-06-24", "2026-06-30"), ("2026-06-30", "2026-07-06")])
    with pytest.raises(PaperfeedError, match=r"\(development\)"):
        check_disjoint([("2026-05-20", "2026-05-25")], DEV_WINDOWS)
    check_disjoint([("2026-06-24", "2026-06-30"), ("2026-07-01", "2026-07-07")])


def test_paired_bootstrap_sees_a_consistent_gain_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    base = [rng.random(150) for _ in range(4)]
    better = [b + 0.05 for b in base]
    r = paired_bootstrap(better, base, resamples=500)
    assert r["diff"] == pytest.approx(0.05)
    assert r["diff_lo"] == pytest.approx(0.05) and r["diff_hi"] == pytest.approx(0.05)  # paired: no spread
    assert r["wins"] == 600 and r["losses"] == 0 and r["gain_lo"] > 0
    noise = [b + rng.normal(0, 0.2, 150) for b in base]
    r = paired_bootstrap(noise, base, resamples=500)
    assert r["diff_lo"] < 0 < r["diff_hi"]


def test_paired_bootstrap_weighs_windows_equally_and_checks_pairs() -> None:
    a = [np.ones(10), np.zeros(1000)]
    b = [np.zeros(10), np.zeros(1000)]
    assert paired_bootstrap(a, b, resamples=200)["diff"] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        paired_bootstrap([np.ones(3)], [np.ones(4)])
