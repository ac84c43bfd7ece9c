"""The `gocoach` command: a Typer app (main.py) and one module per command group, imported lazily.
"""
