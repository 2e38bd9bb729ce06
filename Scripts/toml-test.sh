#!/usr/bin/env bash
# Runs the toml-test suite (github.com/toml-lang/toml-test) against LikenessTOML.
#
#   Scripts/toml-test.sh [DIR]     DIR: a toml-test checkout, or its tests/ folder
#                                  (default: .cache/toml-test, cloned on first use)
#
# Every valid TOML 1.0 case (tests/files-toml-1.0.0) must parse and match its JSON; every invalid case
# must be refused with a TOMLError. The suite's files stay outside the repository: the test
# (Tests/LikenessTOMLTests/TOMLTestSuiteTests.swift) reads them from LIKENESS_TOML_TEST_DIR and prints
# "toml-test (TOML 1.0.0 cases): valid x/y, invalid x/y".
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.cache/toml-test}"
if [ ! -e "$dir" ] && [ -z "${1:-}" ]; then
    git clone --quiet --depth 1 https://github.com/toml-lang/toml-test "$dir"
fi
[ -d "$dir/tests" ] && dir="$dir/tests"
[ -d "$dir/valid" ] && [ -d "$dir/invalid" ] || { echo "toml-test.sh: no valid/ and invalid/ under $dir" >&2; exit 2; }
LIKENESS_TOML_TEST_DIR="$(cd "$dir" && pwd)" swift test --filter TOMLTestSuiteTests
