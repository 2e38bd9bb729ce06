"""Write (or, with --check, verify) the fixed held-out list Models/training/heldout.txt.

The rule (likeness_training/detail.py): of every Met object id in the dataset's faces.csv with an
accepted license, hold out the first ceil(5%) when the ids are sorted by SHA-256 of
"likeness-heldout-v1/<id>". No detail stage trains on them; every detail card lists them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness_training.detail import HELDOUT_FILE, HELDOUT_FRACTION, HELDOUT_SALT, heldout_ids, read_heldout
from likeness_training.crops import license_refusal, read_manifest


def dataset_ids(dataset: Path) -> list[int]:
    return sorted({int(r.object_id) for r in read_manifest(dataset) if license_refusal(r) is None})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", type=Path, default=Path("../shared/datasets/met-portraits"))
    p.add_argument("--out", type=Path, default=HELDOUT_FILE)
    p.add_argument("--check", action="store_true", help="fail if the committed list differs from the rule")
    args = p.parse_args(argv)
    ids = dataset_ids(args.dataset)
    held = heldout_ids(ids)
    if args.check:
        if read_heldout(args.out) != set(held):
            print(f"heldout: {args.out} differs from the rule; rerun without --check", file=sys.stderr)
            return 1
        print(f"heldout: {args.out} matches the rule ({len(held)} of {len(ids)} ids)")
        return 0
    header = [f"# Held-out Met object ids: {len(held)} of the {len(ids)} CC0 ids in faces.csv "
              f"({HELDOUT_FRACTION:.0%}, rounded up),",
              f"# the first by SHA-256 of \"{HELDOUT_SALT}<id>\" (Models/training/heldout.py). No detail stage trains on them."]
    args.out.write_text("\n".join(header + [str(i) for i in held]) + "\n")
    print(f"heldout: {len(held)} of {len(ids)} ids -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
