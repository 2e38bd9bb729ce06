#!/usr/bin/env bash
# Fails when code compiled for AVX2 or AVX-512 calls into the baseline build of LikenessKernels.
#
# The ISA modules (LikenessKernelsAVX2, LikenessKernelsAVX512) compile LikenessKernels' @inlinable
# kernel bodies for their CPU. A generic helper is specialized there under a name that carries the
# module's own tile type; but a non-generic @inlinable function that the compiler decides not to
# inline is called through its one shared symbol, the baseline (x86-64) build: the kernel still
# computes the right numbers, several times slower (a libm fmaf call per lane). This check finds
# such calls in the kernel closures and in every specialization for an ISA module's types.
#
#   Scripts/check-kernel-calls.sh [binary]      (default .build/release/likeness; `make test` runs it)
#
# Check a release build: in a debug build LikenessKernels is not optimised across modules, so its
# small helpers (lineLength, LinearEpilogue.init) are called rather than inlined, harmlessly.
set -euo pipefail
binary=${1:-.build/release/likeness}
command -v objdump >/dev/null || { echo "check-kernel-calls: objdump not found (apt-get install binutils)" >&2; exit 2; }
[ -f "$binary" ] || { echo "check-kernel-calls: $binary not found (build it first)" >&2; exit 2; }
objdump -d --no-show-raw-insn "$binary" | awk '
    /^[0-9a-f]+ <.*>:$/ {
        name = $2
        # A kernel closure of an ISA module, or a specialization for one of its types.
        isa = name ~ /LikenessKernelsAVX(2|512)[0-9a-zA-Z_]*KernelTableV/ || name ~ /0aB(4AVX2|6AVX512)/
        kernels += isa
        next
    }
    isa && $0 ~ /call/ {
        target = $NF
        if (target ~ /^<\$s15LikenessKernels/ && target !~ /0aB(4AVX2|6AVX512)/) { print name " calls " target; bad++ }
    }
    END {
        if (kernels == 0) { print "check-kernel-calls: no ISA kernels found in the binary"; exit 1 }
        if (bad > 0) { print bad " call(s) from ISA kernels into the baseline build"; exit 1 }
        print "check-kernel-calls: " kernels " ISA kernel functions, none calls the baseline build"
    }'
