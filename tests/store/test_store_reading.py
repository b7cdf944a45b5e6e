"""The reading part of the store contract (store/base.py ReadingStore): reading list, tags, alerts,
feed tokens and default profiles. Every test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest

from paperfeed.models import Paper
from paperfeed.normalize import normalize_paper
from paperfeed.store.base import Store


@pytest.fixture
def store(any_store: Store) -> Store:
    """A fresh SQLite store, then a fresh PostgreSQL store."""
    return any_store


@pytest.fixture
def ids(store: Store) -> list[int]:
    """Row ids of four stored papers."""
    papers = [normalize_paper(Paper(title=f"Paper number {n}", abstract="kv cache", authors=("Jane Doe",),
                                    arxiv_id=f"2401.{n:05d}", date=f"2024-01-0{n}")) for n in range(1, 5)]
    return [pid for _, pid in store.write_papers(papers, "t")]


def test_reading_list_saves_once_and_lists_the_latest_first(store: Store, ids: list[int]) -> None:
    prof = store.create_profile("jane")
    assert store.set_saved(prof, ids[0]) is True
    assert store.set_saved(prof, ids[0]) is False  # already on the list
    assert store.set_saved(prof, ids[2]) is True
    assert store.saved_ids(prof) == [ids[2], ids[0]]  # saved within one second: the later paper first
    assert store.set_saved(prof, ids[0], on=False) is True
    assert store.set_saved(prof, ids[0], on=False) is False
    assert store.saved_ids(prof) == [ids[2]]
    assert store.saved_ids(store.create_profile("bob")) == []  # lists are per profile


def test_tags_count_what_changed_and_read_back_sorted(store: Store, ids: list[int]) -> None:
    prof, other = store.create_profile("jane"), store.create_profile("bob")
    assert store.add_tags(prof, ids[0], ["survey", "kv", "survey"]) == 2  # a repeat counts once
    assert store.add_tags(prof, ids[0], ["kv", "later"]) == 1
    assert store.add_tags(prof, ids[1], ["kv"]) == 1
    assert store.add_tags(other, ids[0], ["kv"]) == 1
    assert store.tags_of(prof) == {ids[0]: ["kv", "later", "survey"], ids[1]: ["kv"]}
    assert store.tags_of(prof, [ids[1], ids[3]]) == {ids[1]: ["kv"]}
    assert store.tag_counts(prof) == [("kv", 2), ("later", 1), ("survey", 1)]
    assert store.tagged_ids(prof, "kv") == [ids[1], ids[0]]
    assert store.tagged_ids(prof, "nothing") == []
    assert store.remove_tags(prof, ids[0], ["later", "missing"]) == 1
    assert store.tags_of(prof, [ids[0]]) == {ids[0]: ["kv", "survey"]}
    assert store.tags_of(other) == {ids[0]: ["kv"]}


def test_alerts_by_profile_and_name_with_unique_names_and_tokens(store: Store, ids: list[int]) -> None:
    jane, bob = store.create_profile("jane"), store.create_profile("bob")
    first = store.add_alert(jane, "kv", '"kv cache"', ids[1], "tok-1")
    assert isinstance(first, int)
    assert store.add_alert(jane, "kv", "other", 0, "tok-2") is None  # the name is taken in this profile
    assert store.add_alert(bob, "kv", "attention", 0, "tok-1") is None  # the token is taken
    assert isinstance(store.add_alert(bob, "kv", "attention", 0, "tok-3"), int)
    assert isinstance(store.add_alert(jane, "attention", "attention", 0, "tok-4"), int)
    everyone = store.alerts()
    assert [(a["profile"], a["name"]) for a in everyone] == [("bob", "kv"), ("jane", "attention"), ("jane", "kv")]
    assert set(everyone[0]) == {"id", "profile", "name", "query", "after_id", "token", "created_at"}
    mine = store.alerts(jane)
    assert [a["name"] for a in mine] == ["attention", "kv"]
    assert mine[1] | {"created_at": ""} == {"id": first, "profile": "jane", "name": "kv", "query": '"kv cache"',
                                            "after_id": ids[1], "token": "tok-1", "created_at": ""}
    assert store.alert_by_token("tok-1") == mine[1]
    assert store.alert_by_token("nope") is None
    assert store.remove_alert(jane, "kv") is True
    assert store.remove_alert(jane, "kv") is False
    assert store.alert_by_token("tok-1") is None
    assert [a["name"] for a in store.alerts(jane)] == ["attention"]


def test_feed_tokens_are_replaced_and_old_ones_stop_working(store: Store) -> None:
    prof = store.create_profile("jane")
    assert store.feed_token(prof) is None
    store.set_feed_token(prof, "secret-1")
    assert store.feed_token(prof) == "secret-1" and store.profile_by_feed_token("secret-1") == prof
    store.set_feed_token(prof, "secret-2")
    assert store.feed_token(prof) == "secret-2"
    assert store.profile_by_feed_token("secret-1") is None
    assert store.profile_by_feed_token("secret-2") == prof


def test_default_profile_per_user_including_the_single_user(store: Store) -> None:
    jane, bob = store.create_profile("jane"), store.create_profile("bob")
    assert store.default_profile_id(0) is None
    store.set_default_profile(0, jane)  # user 0: single-user mode
    store.set_default_profile(7, bob)
    store.set_default_profile(0, bob)
    assert (store.default_profile_id(0), store.default_profile_id(7), store.default_profile_id(8)) == (bob, bob, None)


def test_deleting_a_profile_deletes_its_reading_state(store: Store, ids: list[int]) -> None:
    prof, other = store.create_profile("jane"), store.create_profile("bob")
    for p in (prof, other):
        store.set_saved(p, ids[0])
        store.add_tags(p, ids[0], ["kv"])
    store.add_alert(prof, "kv", "kv", 0, "tok-jane")
    store.set_feed_token(prof, "feed-jane")
    store.set_default_profile(0, prof)
    assert store.delete_profile("jane")
    assert store.saved_ids(prof) == [] and store.tags_of(prof) == {} and store.alerts(prof) == []
    assert store.alert_by_token("tok-jane") is None and store.profile_by_feed_token("feed-jane") is None
    assert store.default_profile_id(0) is None
    assert store.saved_ids(other) == [ids[0]] and store.tags_of(other) == {ids[0]: ["kv"]}


def test_reading_writes_in_a_failed_transaction_are_rolled_back(store: Store, ids: list[int]) -> None:
    prof = store.create_profile("jane")
    with pytest.raises(RuntimeError), store.transaction():
        store.set_saved(prof, ids[0])
        store.add_tags(prof, ids[0], ["kv"])
        store.add_alert(prof, "kv", "kv", 0, "tok")
        raise RuntimeError("stop")
    assert store.saved_ids(prof) == [] and store.tags_of(prof) == {} and store.alerts(prof) == []
