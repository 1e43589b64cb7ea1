#!/usr/bin/env bash
# GPU check of the encoder: TorchSharp on CUDA in fp32/fp16/bf16 (parity against fp32 and CPU,
# chunks/s at 32/128/256 tokens), then the same weights, inputs and shapes in PyTorch as the anchor.
#
#   bench/gpu-check.sh publish   # here: a self-contained linux-x64 build into .gpu/ (no CPU libtorch)
#   bench/gpu-check.sh run OUT   # on the CUDA machine: libtorch comes from its Python PyTorch install
#
# TorchSharp 0.107 is built against libtorch 2.10; the CUDA libtorch comes from the machine's
# PyTorch (torch/lib), since NuGet serves no CUDA libtorch package here.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
publish)
  rm -rf .gpu && mkdir -p .gpu
  dotnet publish bench/GpuCheck -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o .gpu/publish >/dev/null
  # Keep TorchSharp's own binding, drop the CPU libtorch the package graph brought in.
  find .gpu/publish -maxdepth 1 \( -name 'lib*.so*' ! -name 'libLibTorchSharp.so' ! -name 'libSystem.*' ! -name 'libclr*' ! -name 'libhostfxr.so' ! -name 'libhostpolicy.so' ! -name 'libcoreclr*' ! -name 'libmscordaccore.so' ! -name 'libmscordbi.so' ! -name 'libjitinterface*' ! -name 'libclrjit.so' \) -delete
  # The builtin model's package (the ONNX weights, ML.NET, ONNX Runtime) is not used here and is most of the size.
  rm -f .gpu/publish/SentenceTransformers*.dll .gpu/publish/Microsoft.ML*.dll .gpu/publish/SkiaSharp.dll .gpu/publish/*.pdb
  du -sh .gpu/publish
  ;;
run)
  out="${2:-/tmp/gpu-check}"
  mkdir -p "$out"
  python=${PYTHON:-python3}
  torch_lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  "$python" -c 'import torch; print("pytorch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  export LD_LIBRARY_PATH="$torch_lib:${LD_LIBRARY_PATH:-}"
  # Which libtorch symbols TorchSharp's binding expects that this PyTorch lacks (2.10 vs the installed one).
  ldd -r .gpu/publish/libLibTorchSharp.so 2>&1 | grep -E 'undefined symbol|not found' | head -20 | tee "$out/missing-symbols.txt" || true
  BSI_LIBTORCH_DIR="$torch_lib" .gpu/publish/GpuCheck --out "$out" ${GPU_CHECK_ARGS:-} 2>&1 | tee "$out/torchsharp.log" \
    || { echo "GpuCheck failed"; exit 1; }
  PYTHONUNBUFFERED=1 "$python" bench/gpu_anchor.py "$out" 2>&1 | grep -v -i warn | tee "$out/anchor.log"
  ;;
*)
  echo "usage: bench/gpu-check.sh publish | run OUT" >&2
  exit 2
  ;;
esac
