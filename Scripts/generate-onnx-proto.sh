#!/usr/bin/env bash
# Regenerates Sources/LikenessEngine/Proto/onnx.pb.swift from Scripts/onnx.proto.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift built from the same
# swift-protobuf version that Package.resolved pins:
#   git clone https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   git -C /tmp/swift-protobuf checkout 1.39.0
#   (cd /tmp/swift-protobuf && swift build -c release --product protoc-gen-swift)
#   PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/release/protoc-gen-swift Scripts/generate-onnx-proto.sh
#
# onnx.proto is copied from the onnx Python wheel (onnx/onnx.proto, onnx 1.23.2); refresh it with
#   cp "$(python -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')/onnx.proto" Scripts/onnx.proto
# The CI never runs this script: the generated Swift file is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
PLUGIN="${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}"
if [ ! -x "$PLUGIN" ]; then
  echo "protoc-gen-swift not found at $PLUGIN; build it as described at the top of this script" >&2
  exit 1
fi
mkdir -p Sources/LikenessEngine/Proto
protoc --plugin=protoc-gen-swift="$PLUGIN" \
  --swift_opt=Visibility=Internal \
  --swift_out=Sources/LikenessEngine/Proto \
  --proto_path=Scripts Scripts/onnx.proto
echo "wrote Sources/LikenessEngine/Proto/onnx.pb.swift"
