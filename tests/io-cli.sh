#!/bin/sh
# io-cli.sh - the io formats through the real binary:
#  1. the same tensor from .npy, .npz (stored, deflated), .safetensors, a
#     sharded model, .pt (zip, legacy) and GGUF gives identical
#     `--report --format=json` numbers (file and name fields aside);
#  2. every broken file (the committed corpus, plus prefixes of the good
#     fixtures cut at a spread of offsets) exits with status 1 within the
#     time limit, with a message on stderr that starts with "apotview: "
#     and names the file.
set -u
D="$abs_top_srcdir/tests/data/io"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-io.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"

# Keep only the tensors' numbers: the per-file block ("files": format and
# metadata) differs between formats by design.
norm() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); d.pop("files", None); print(json.dumps(d, sort_keys=True))' |
    sed -e 's/"file": "[^"]*", //' -e 's/"name": "[^"]*", //'
}
$APOTVIEW --report --format=json "$D/W.npy" | norm > "$T/ref.json" || bad "W.npy report"
for spec in W_stored.npz:W W_deflate.npz:W W.safetensors:W sharded:W W_zip.pt:conv.weight \
            W_legacy.pt:conv.weight W.gguf:W; do
  $APOTVIEW --report --format=json "$D/$spec" | norm > "$T/out.json" || bad "$spec report failed"
  cmp -s "$T/ref.json" "$T/out.json" || { bad "$spec: report differs from W.npy"; diff "$T/ref.json" "$T/out.json" | head -5; }
done

# --alpha=file: the APoT checkpoint's conv.weight_quant.wgt_alpha (3.25, set
# by the generator) applied with normalization on.
for f in W_zip.pt W_legacy.pt; do
  out=$($APOTVIEW --report --format=json --alpha=file -s apot "$D/$f:conv.weight") || bad "$f --alpha=file failed"
  echo "$out" | grep -q '"normalize": true, "alpha_mode": "file", "alpha": 3.25,' || bad "$f --alpha=file: $out"
done

# --list: the descriptions from the header (no values read), in every form
for spec in W.npy W_stored.npz W_deflate.npz W.safetensors sharded W_zip.pt W_legacy.pt W.gguf; do
  $APOTVIEW --list --format=json "$D/$spec" > "$T/list.json" || bad "$spec: --list failed"
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [t for t in d["tensors"] if t["name"] in ("W", "conv.weight")]
assert len(t) == 1 and t[0]["shape"] == [8, 4, 3, 3] and t[0]["count"] == 288 and t[0]["readable"], t
assert d["files"] and d["files"][0]["tensors"] >= 1
' "$T/list.json" || bad "$spec: --list --format=json does not describe W as [8, 4, 3, 3]"
done
$APOTVIEW --list --format=csv "$D/W.gguf" > "$T/list.csv" || bad "W.gguf: --list --format=csv failed"
head -n 1 "$T/list.csv" | grep -qx 'file,name,dtype,shape,count,readable' || bad "--list csv header"
grep -q ',k6,.*,256,false$' "$T/list.csv" || bad "--list csv: the Q6_K tensor is not listed as not readable"
$APOTVIEW --list "$D/W.gguf" | grep -q '^4 tensors in 1 file' || bad "--list table: no total line"

refused() { # file
  $TO $APOTVIEW --report "$1" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || bad "$1: exit status $rc, expected 1"
  head -n 1 "$T/err" | grep -q '^apotview: ' || bad "$1: stderr does not start with 'apotview: '"
  grep -qF "$1" "$T/err" || bad "$1: message does not name the file: $(head -c 200 "$T/err")"
}
for f in "$D"/bad_*; do refused "$f"; done
for f in W.npy W_stored.npz W_deflate.npz W.safetensors W_zip.pt W_legacy.pt W.gguf; do
  size=$(wc -c < "$D/$f")
  ext=${f##*.}
  cut=0
  while [ $cut -lt $size ]; do
    head -c $cut "$D/$f" > "$T/cut.$ext"
    refused "$T/cut.$ext"
    cut=$((cut + 37))
  done
done
[ $fails -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "io-cli: all checks passed"
