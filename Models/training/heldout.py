#!/usr/bin/env python3
"""Write or check the held-out list heldout.txt: runs likeness_training/commands/heldout.py (`--help` for its options)."""
import sys

from likeness_training.commands.heldout import main

if __name__ == "__main__":
    sys.exit(main())
