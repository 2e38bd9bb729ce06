"""The pipeline's commands, one module each with `main(argv=None) -> int`.

Each runs as `python Models/training/<name>.py` (a shim beside train.py) or as its console script
(`likeness-<name>`, installed by `make venv`); the logic they share lives in the library above.
"""
