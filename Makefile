# Likeness — the two commands: `make show` and `make test`.
# Both install what they need on a fresh Debian machine (apt packages, a Python venv).

SWIFT       ?= swift
PYTHON      ?= python3
VENV        := .venv
VENV_PY     := $(VENV)/bin/python
APT_PACKAGES := libopenblas-dev libsdl2-dev libpng-dev libsqlite3-dev libqrencode-dev pkg-config ffmpeg xvfb xauth binutils
# Only for `make test`: the curation page's browser test (Selenium drives Debian's Chromium).
TEST_APT_PACKAGES := chromium chromium-driver zbar-tools
EXHIBITION  ?= Exhibition/default.toml
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps venv build release show test test-swift test-python fuzz fuzz-libfuzzer bench fixtures clean crops train save-run model lineage

all: release

# MARK: - Set-up

# Checked on every run (dpkg -s is fast): a stamp file would survive packages being removed.
deps:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The pinned packages, then the pipeline's own package, likeness_training, editable (its code stays in
# Models/training; the pinned setuptools builds it, so nothing more is fetched).
$(VENV)/.stamp: Models/training/requirements.txt Models/training/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q --upgrade pip
	$(VENV_PY) -m pip install -q -r Models/training/requirements.txt
	$(VENV_PY) -m pip install -q --no-deps --no-build-isolation -e Models/training
	@touch $@

venv: $(VENV)/.stamp

# MARK: - Build

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# MARK: - The exhibition

show: release
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ "$$SDL_VIDEODRIVER" != "kmsdrm" ]; then \
	  echo "likeness: no display found (DISPLAY is not set)."; \
	  echo "  Render frames headless:  .build/release/likeness frames $(EXHIBITION) --count 100 --output frames/"; \
	  echo "  Record a looping video:  .build/release/likeness record Exhibition/loop-video.toml --output loop.mp4"; \
	  exit 1; \
	fi
	.build/release/likeness show $(EXHIBITION)

# MARK: - Tests

test: venv
	$(MAKE) deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES)"
	$(SWIFT) build
	$(SWIFT) build -c release
	Scripts/check-kernel-calls.sh .build/release/likeness
	$(MAKE) test-python
	$(MAKE) test-swift

test-swift: deps venv
	LIKENESS_PYTHON=$(abspath $(VENV_PY)) xvfb-run -a -s "-screen 0 1280x720x24" $(SWIFT) test

# The training pipeline's tests (Models/training/tests; the end-to-end one runs the Swift binary built by
# `swift build`) and the Python tests of the binary itself (Tests/Python: `likeness curate` over HTTP and in a browser,
# bench_reference.py against ONNX Runtime).
test-python: venv
	LIKENESS_BIN=$(abspath .build/debug/likeness) LIKENESS_RELEASE_BIN=$(abspath .build/release/likeness) \
	  $(VENV_PY) -m pytest -q Models/training/tests Tests/Python

# MARK: - Fuzzing

FUZZ_RUNS    ?= 100000
FUZZ_SECONDS ?=
FUZZ_SEED    ?= 1

# The mutation fuzzer on the exhibition and ONNX loaders, in a release build, far longer than the pass in
# `swift test`. Whatever it finds is saved to Tests/Fixtures/fuzz/regressions/ (replayed by `swift test`).
fuzz: deps
	$(SWIFT) build -c release --product likeness-fuzz
	.build/release/likeness-fuzz --runs $(FUZZ_RUNS) --seed $(FUZZ_SEED) $(if $(FUZZ_SECONDS),--seconds $(FUZZ_SECONDS))

# Optional: coverage-guided libFuzzer (with AddressSanitizer) on the TOML parser alone, FUZZ_SECONDS
# (default 60) long. Needs a Swift toolchain that ships libFuzzer (the swift.org Linux ones do).
fuzz-libfuzzer:
	@mkdir -p .build/libfuzzer/corpus
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name LikenessTOMLFuzz \
	  Sources/LikenessTOML/*.swift Tests/LibFuzzer/TOMLFuzzEntry.swift -o .build/libfuzzer/toml-fuzzer \
	  > .build/libfuzzer/build.log 2>&1 || { cat .build/libfuzzer/build.log; exit 1; }
	cp -n Tests/Fixtures/fuzz/exhibition/*.toml .build/libfuzzer/corpus/
	.build/libfuzzer/toml-fuzzer -max_total_time=$(or $(FUZZ_SECONDS),60) -timeout=2 -max_len=8192 \
	  -artifact_prefix=Tests/Fixtures/fuzz/regressions/exhibition-libfuzzer- .build/libfuzzer/corpus

# MARK: - Training (see Docs/training.md)

DATASET ?= ../shared/datasets/met-portraits
MODEL   ?= met-portraits-v2
MINUTES ?= 100
# The generator recipe (v2 at 128 px; bf16 autocast + channels_last measured fastest on this CPU, see
# Docs/training.md, "Training throughput"), where its run lives, and how many processes train it (NPROC > 1: torchrun).
RUN        ?= .cache/v2-run
TRAIN_FLAGS ?= --arch v2 --precision bf16 --channels-last --threads 2
NPROC      ?= 1
TRAIN_LAUNCH = $(if $(filter 1,$(NPROC)),$(VENV_PY),$(VENV_PY) -m torch.distributed.run --standalone --nproc_per_node $(NPROC))

crops: venv
	@if [ -f .cache/crops-256/manifest.csv ]; then echo "crops: .cache/crops-256 exists (rm -r it to remake)"; \
	else $(VENV_PY) Models/training/prepare.py --dataset $(DATASET) --out .cache/crops-256; fi

# One sitting of MINUTES; when RUN already holds a checkpoint, the sitting continues it (--resume), so
# `make train` run again in the next session trains the next leg. A checkout without .cache/ (a fresh clone)
# starts from the run saved in git (SAVED, written by `make save-run`), so a leg is never lost with the cache.
SAVED ?= Models/training/saved-runs/v2
train: crops
	@if [ ! -f $(RUN)/checkpoint.pt ] && [ -f $(SAVED)/resume.pt ]; then \
	  echo "train: no $(RUN); continuing the run saved in $(SAVED)"; mkdir -p $(RUN) && cp $(SAVED)/log.jsonl $(SAVED)/config.json $(RUN)/ \
	  && cp $(SAVED)/resume.pt $(RUN)/checkpoint.pt; fi
	$(TRAIN_LAUNCH) Models/training/train.py --crops .cache/crops-256 --out $(RUN) --minutes $(MINUTES) $(TRAIN_FLAGS) \
	  $$( [ -f $(RUN)/checkpoint.pt ] && echo --resume )

# Keeps the run in git for the next session: a slim checkpoint (24 MB: no optimiser moments, EMA in bfloat16),
# its log and config.
save-run: venv
	$(VENV_PY) Models/training/save_run.py --run $(RUN) --out $(SAVED)

model: venv
	$(VENV_PY) Models/training/export.py --checkpoint $(RUN)/checkpoint.pt --out Models/$(MODEL)/model.onnx
	$(VENV_PY) Models/training/evaluate.py --model Models/$(MODEL)/model.onnx --crops .cache/crops-256
	$(VENV_PY) Models/training/card.py --model Models/$(MODEL)/model.onnx --name $(MODEL) --crops .cache/crops-256 --run $(RUN)

# The lineage of Models/$(MODEL) (see README, "Where each face comes from"): trains the small encoder on the crops
# of the model's works (250 steps, one thread, about 10 minutes), then writes lineage.onnx, lineage.json,
# lineage-atlas.png, works.csv, lineage-metrics.json and lineage.png beside model.onnx.
lineage: crops
	nice $(VENV_PY) Models/training/build_lineage.py --model Models/$(MODEL)/model.onnx --crops .cache/crops-256 \
	  --dataset $(DATASET) --sheet

# MARK: - Detail stages (see Docs/training.md, "The detail chain")
# Each stage trains for a wall-clock budget on one CPU thread: the refiner 50 minutes, the painter 80
# (`make refiner MINUTES=20` overrides it); `make detail` trains both side by side, then exports,
# evaluates and writes the cards. The painter's evaluation runs the whole chain, so it uses
# Models/met-refiner-256/model.onnx. notes.json beside each model holds what a person saw in its
# compare.png; rewrite it after looking at a new one.

DETAIL_THREADS ?= 1
REFINER := met-refiner-256
PAINTER := met-painter-1024
detail_minutes = $(if $(filter command line,$(origin MINUTES)),$(MINUTES),$(1))

.PHONY: detail refiner painter refiner-run painter-run refiner-model painter-model

detail:
	$(MAKE) -j2 refiner-run painter-run
	$(MAKE) refiner-model
	$(MAKE) painter-model

refiner: refiner-run
	$(MAKE) refiner-model

painter: painter-run
	$(MAKE) painter-model

# The crops once (the `crops` target remakes them every time).
.cache/crops-256/manifest.csv: | venv
	$(VENV_PY) Models/training/prepare.py --dataset $(DATASET) --out .cache/crops-256

refiner-run: .cache/crops-256/manifest.csv
	$(VENV_PY) Models/training/train_detail.py --stage refiner --crops .cache/crops-256 --out .cache/refiner-run \
	  --minutes $(call detail_minutes,50) --threads $(DETAIL_THREADS)

# The painter's recipe: 15 channels, a noise canvas of 4 planes, the texture loss (x4, the 2 px band counting
# twice), the pixel loss after a 4x4 pool (the 1 px and 2 px detail are the texture loss's alone), inputs blurred
# 1.5-5 px before the reduction (as soft as the refiner's faces), a light discriminator (base 16, weight 0.05 after
# 15% of the budget), paintings read at 0.8-1x their native size.
PAINTER_FLAGS := --channels 15 --canvas 4 --texture 4.0 --texture-weights 1,2 --pixel-pool 4 --blur-hr 1.5,5.0 \
  --adv 0.05 --d-base 16 --warmup 0.15 --scale-min 0.8

painter-run: venv
	$(VENV_PY) Models/training/train_detail.py --stage painter --dataset $(DATASET) --out .cache/painter-run \
	  --minutes $(call detail_minutes,80) --threads $(DETAIL_THREADS) $(PAINTER_FLAGS)

refiner-model: .cache/crops-256/manifest.csv
	$(VENV_PY) Models/training/export_detail.py --checkpoint .cache/refiner-run/checkpoint.pt --out Models/$(REFINER)/model.onnx
	$(VENV_PY) Models/training/evaluate_detail.py --stage refiner --model Models/$(REFINER)/model.onnx --crops .cache/crops-256
	$(VENV_PY) Models/training/card.py --detail --model Models/$(REFINER)/model.onnx --name $(REFINER) \
	  --run .cache/refiner-run --notes Models/$(REFINER)/notes.json

painter-model: .cache/crops-256/manifest.csv
	$(VENV_PY) Models/training/export_detail.py --checkpoint .cache/painter-run/checkpoint.pt --out Models/$(PAINTER)/model.onnx
	$(VENV_PY) Models/training/evaluate_detail.py --stage painter --model Models/$(PAINTER)/model.onnx \
	  --refiner Models/$(REFINER)/model.onnx --dataset $(DATASET) --crops .cache/crops-256
	$(VENV_PY) Models/training/card.py --detail --model Models/$(PAINTER)/model.onnx --name $(PAINTER) \
	  --run .cache/painter-run --notes Models/$(PAINTER)/notes.json

# MARK: - Tools

# Side by side with ONNX Runtime on the same threads: the shipped generator (else a random 128x128 one) and
# the shipped detail stages.
bench: release venv
	@[ -f Models/met-portraits-128/model.onnx ] || [ -f .cache/bench-128.onnx ] || $(VENV_PY) Tests/Fixtures/make_fixtures.py --bench
	$(VENV_PY) Scripts/bench_reference.py --stages --threads 2 --batch 1

fixtures: venv
	$(VENV_PY) Tests/Fixtures/make_fixtures.py

clean:
	rm -rf .build .make
