"""The ``paperfeed`` command line."""

from __future__ import annotations

import click

from paperfeed import __version__
from paperfeed.cli.common import FriendlyGroup, db_option


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.version_option(__version__, prog_name="paperfeed")
def main(db: str | None) -> None:
    """paperfeed: find the papers worth reading, on your own machine.

    \b
    Examples:
      paperfeed ingest papers.bib listing.txt arxiv.jsonl.gz
      paperfeed search "kv cache compression"
      paperfeed profile create jane --from my-papers.bib
      paperfeed feed jane
    """


def _register() -> None:
    from paperfeed.cli import (
        copy_cmds,
        delivery_cmds,
        eval_cmds,
        library_cmds,
        model_cmds,
        profile_cmds,
        reading_cmds,
        search_cmds,
        web_cmds,
    )

    mods = (library_cmds, search_cmds, model_cmds, profile_cmds, reading_cmds, delivery_cmds, web_cmds, eval_cmds,
            copy_cmds)
    for mod in mods:
        for cmd in mod.COMMANDS:
            main.add_command(cmd)


_register()
