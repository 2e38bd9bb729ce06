#!/usr/bin/env python3
"""Keep a generator run in git: runs likeness_training/commands/save_run.py (`--help` for its options)."""
import sys

from likeness_training.commands.save_run import main

if __name__ == "__main__":
    sys.exit(main())
