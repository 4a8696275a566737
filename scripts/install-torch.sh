#!/bin/sh
# Install PyTorch into the environment of $PIP ("path/to/python -m pip") before genzoo,
# so that genzoo's own "torch>=2.1" requirement is already met and never pulls another build.
#   TORCH        the requirement to install (default torch==2.13.0); set it to choose another release
#   TORCH_INDEX  a package index to take it from (default: PyTorch's CPU index where there is no
#                NVIDIA GPU and no CPU build on pip's local find-links; PyPI otherwise)
set -eu
TORCH=${TORCH:-torch==2.13.0}
PIP=${PIP:-python3 -m pip}

if $PIP show torch >/dev/null 2>&1; then
    echo "install-torch: torch is already installed: $($PIP show torch | sed -n 's/^Version: //p')"
    exit 0
fi
if [ -n "${TORCH_INDEX:-}" ]; then
    exec $PIP install "$TORCH" --index-url "$TORCH_INDEX" --extra-index-url https://pypi.org/simple
fi
if command -v nvidia-smi >/dev/null 2>&1; then
    echo "install-torch: NVIDIA GPU found, installing $TORCH from PyPI (a CUDA build)"
    exec $PIP install "$TORCH"
fi
# No GPU. A CPU build that pip can already see locally (find-links) is used as it is.
probe=$(mktemp -d)
if $PIP download --quiet --no-deps --no-index -d "$probe" "$TORCH" >/dev/null 2>&1 \
        && ls "$probe" | grep -q '+cpu'; then
    rm -rf "$probe"
    echo "install-torch: no GPU, installing the local CPU build of $TORCH"
    exec $PIP install "$TORCH"
fi
rm -rf "$probe"
echo "install-torch: no GPU, installing $TORCH from PyTorch's CPU index"
exec $PIP install "$TORCH" --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple
