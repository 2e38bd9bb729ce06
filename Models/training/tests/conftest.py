from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[1]
REPO = TRAINING.parents[1]

DATASET = REPO.parent / "shared" / "datasets" / "met-portraits"


@pytest.fixture(scope="session")
def dataset() -> Path:
    """The shared Met dataset (beside the repository, in CI too); never copied into the repo."""
    if not (DATASET / "faces.csv").is_file():
        pytest.fail(f"shared dataset not found at {DATASET}: the tests need ../shared/datasets/met-portraits")
    return DATASET
