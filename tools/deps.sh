#!/usr/bin/env bash
# Installs what yoloc needs to build and test: Debian packages and the test
# virtualenv .venv. Idempotent: with everything present it only checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

debs=(build-essential pkg-config libzmq3-dev libcjson-dev libpng-dev libcairo2-dev
      libturbojpeg0-dev libyaml-dev libssl-dev uuid-dev libopenblas-dev fonts-dejavu-core
      python3-venv)
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deps: installing Debian packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

venv=$root/.venv
req=$root/tests/requirements.txt
stamp=$venv/.yoloc-requirements
if [ ! -x "$venv/bin/python" ]; then
    echo "deps: creating $venv"
    python3 -m venv "$venv"
fi
if ! cmp -s "$req" "$stamp"; then
    echo "deps: installing the test tools into .venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
fi
echo "deps: all present"
