#!/usr/bin/env python3
"""Build a generator's lineage (index, extractor, atlas, works): runs likeness_training/commands/build_lineage.py (`--help` for its options)."""
import sys

from likeness_training.commands.build_lineage import main

if __name__ == "__main__":
    sys.exit(main())
