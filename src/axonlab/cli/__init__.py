"""The ``axonlab`` command line: one Typer sub-app per subsystem.

Only this package knows the command line. Each sub-app module parses options and calls the
library; heavy imports (torch, transformers) happen inside the commands so ``--help`` stays fast.
Library errors (:class:`axonlab.errors.AxonlabError`) become a one-line message and exit code 1;
nothing reaches the user as a traceback.
"""

from __future__ import annotations

import re
import sys

import typer
import typer.core
from rich.text import Text

from axonlab import __version__
from axonlab.cli.assist import assist
from axonlab.cli.backbones import app as backbones_app
from axonlab.cli.common import err_console
from axonlab.cli.embed import embed as text_embed
from axonlab.cli.embed import index_app
from axonlab.cli.lm import app as lm_app
from axonlab.cli.monitor import app as monitor_app
from axonlab.cli.recommend import app as recommend_app
from axonlab.cli.serve import serve
from axonlab.cli.sim import app as sim_app
from axonlab.cli.text import app as text_app
from axonlab.errors import AxonlabError

_display_type = typer.core.TyperOption.display_type_rich


def _flag_without_type(self: typer.core.TyperOption, ctx) -> str | None:
    # Typer's rich help writes "<bool>" beside every on/off flag, as if it took a value.
    return None if self.is_flag else _display_type(self, ctx)


typer.core.TyperOption.display_type_rich = _flag_without_type  # type: ignore[method-assign]

app = typer.Typer(
    name="axonlab",
    help="From the biological neuron to the language model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
text_app.command("embed")(text_embed)
text_app.add_typer(index_app, name="index")
app.add_typer(text_app, name="text")
app.add_typer(sim_app, name="sim")
app.add_typer(lm_app, name="lm")
app.add_typer(monitor_app, name="monitor")
app.add_typer(recommend_app, name="recommend")
app.add_typer(backbones_app, name="backbones")
app.command("serve")(serve)
app.command("assist")(assist)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(f"axonlab {__version__}")
        raise typer.Exit()


def as_flags(message: str) -> str:
    """A library message with each backticked parameter name shown as its flag:
    ``choose another `output` file`` -> ``choose another --output file``."""
    return re.sub(r"`([a-z][a-z0-9_]*)`", lambda m: "--" + m.group(1).replace("_", "-"), message)


def main() -> None:
    """Entry point of the ``axonlab`` console script."""
    try:
        app()
    except AxonlabError as err:
        from axonlab.distributed import is_main

        if is_main():  # under torchrun every process meets the same error; rank 0 says it
            message = as_flags(str(err))
            err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)
