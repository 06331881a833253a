"""The floor every Typer app pays: two commands, one of which prints a line."""

import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    """Print a line."""
    typer.echo("hello")


@app.command()
def noop() -> None:
    """Do nothing."""


if __name__ == "__main__":
    app()
