#!/bin/sh
# io-cli.sh - the io formats through the real binary:
#  1. the same tensor from .npy, .npz (stored, deflated), .safetensors, a
#     sharded model, .pt (zip, legacy) and GGUF gives identical
#     `--report --format=json` numbers (file and name fields aside);
#  2. every broken file (the committed corpus, plus prefixes of the good
#     fixtures cut at a spread of offsets) exits with status 1 within the
#     time limit, with a message on stderr that starts with "apotview: "
#     and names the file;
#  3. hostile inputs (issue 10), made at test time in a temporary directory:
#     a shard that is a symlink to /dev/zero or a FIFO, a FIFO as the file,
#     a flipped data byte in a stored .npz member and in a .pt member (the
#     byte found with the shell's own reading of the zip local headers), a
#     weight_map that lies or leaves a tensor out, "./" and "a..b" shard
#     names, an empty .npz and an empty file. Each must exit 1 quickly with
#     a message saying what is wrong (or, for the legal names, open).
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
grep -q ',k6,q6_k,256,256,true$' "$T/list.csv" || bad "--list csv: the Q6_K tensor is not listed as q6_k, readable"
$APOTVIEW --list "$D/W.gguf" | grep -q '^4 tensors in 1 file' || bad "--list table: no total line"

# GGUF block types (issue 14): --list --format=json names the stored type
# and its bits per weight; an unknown type id is listed with a reason while
# the rest of the file opens
G="$D/gguf"
for ty in q4_0:4.5 q4_1:5 q5_0:5.5 q5_1:6 q8_0:8.5 q8_1:9 q2_k:2.625 q3_k:3.4375 q4_k:4.5 q5_k:5.5 \
          q6_k:6.5625 q8_k:9.125 iq4_nl:4.5 iq4_xs:4.25 tq1_0:1.6875 tq2_0:2.0625 mxfp4:4.25; do
  name=${ty%%:*}; bpw=${ty#*:}
  $APOTVIEW --list --format=json "$G/$name.gguf" > "$T/list.json" || bad "$name.gguf: --list failed"
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = {t["name"]: t for t in d["tensors"]}
for n in ("real", "random"):
    assert t[n]["dtype"] == sys.argv[2] and t[n]["readable"] and t[n]["stored_bpw"] == float(sys.argv[3]), t[n]
' "$T/list.json" "$name" "$bpw" || bad "$name.gguf: --list JSON does not name $name at $bpw bpw: $(head -c 300 "$T/list.json")"
  $APOTVIEW --list "$G/$name.gguf" | grep -q "^random  $name .* $bpw bpw\$" || bad "$name.gguf: --list table lacks '$name ... $bpw bpw'"
  $APOTVIEW --report --format=json -t random "$G/$name.gguf" | grep -q "\"dtype\": \"$name\"" ||
    bad "$name.gguf: --report JSON does not name $name"
done
$APOTVIEW --list --format=json "$G/plain.gguf" > "$T/list.json" || bad "plain.gguf: --list failed"
python3 -c '
import json, sys
t = {t["name"]: t["dtype"] for t in json.load(open(sys.argv[1]))["tensors"]}
assert t == {"f32": "float32", "f16": "float16", "i8": "int8", "i16": "int16", "i32": "int32",
             "i64": "int64", "f64": "float64", "bf16": "bfloat16"}, t
' "$T/list.json" || bad "plain.gguf: plain types not listed by their numpy names"
$APOTVIEW --list --format=json "$G/unknown.gguf" > "$T/list.json" || bad "unknown.gguf: --list failed"
python3 -c '
import json, sys
t = {t["name"]: t for t in json.load(open(sys.argv[1]))["tensors"]}
assert not t["mystery"]["readable"] and t["mystery"]["type"] == "ggml type 99 unknown to apotview", t["mystery"]
assert not t["grid"]["readable"] and t["grid"]["dtype"] == "iq2_xxs", t["grid"]
assert t["a"]["readable"] and t["a"]["dtype"] == "q4_k" and t["b"]["readable"] and t["b"]["dtype"] == "float32"
' "$T/list.json" || bad "unknown.gguf: $(head -c 400 "$T/list.json")"
$APOTVIEW --report -t b "$G/unknown.gguf" >/dev/null || bad "unknown.gguf: tensor b after an unknown type does not report"
$APOTVIEW --report -t mystery "$G/unknown.gguf" >/dev/null 2>"$T/err"
grep -q "mystery.*ggml type 99 unknown to apotview" "$T/err" || bad "unknown.gguf: reading mystery: $(head -c 300 "$T/err")"

refused() { # file
  $TO $APOTVIEW --report "$1" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || bad "$1: exit status $rc, expected 1"
  head -n 1 "$T/err" | grep -q '^apotview: ' || bad "$1: stderr does not start with 'apotview: '"
  grep -qF "$1" "$T/err" || bad "$1: message does not name the file: $(head -c 200 "$T/err")"
}
for f in "$D"/bad_* "$D"/gguf/bad_*; do refused "$f"; done
for f in W.npy W_stored.npz W_deflate.npz W.safetensors W_zip.pt W_legacy.pt W.gguf gguf/q4_k.gguf \
         gguf/q3_k.gguf gguf/tq1_0.gguf gguf/unknown.gguf; do
  size=$(wc -c < "$D/$f")
  ext=${f##*.}
  cut=0
  while [ $cut -lt $size ]; do
    head -c $cut "$D/$f" > "$T/cut.$ext"
    refused "$T/cut.$ext"
    cut=$((cut + 37))
  done
done

# ---- 3. hostile inputs ------------------------------------------------------
TO10=""
command -v timeout >/dev/null 2>&1 && TO10="timeout 10"
# refused_with FILE PHRASE [apotview args]: exit 1, "apotview: " first, the
# file named, PHRASE in the message
refused_with() {
  f=$1; phrase=$2; shift 2
  $TO10 $APOTVIEW "$@" "$f" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || bad "$f: exit status $rc, expected 1 ($phrase)"
  head -n 1 "$T/err" | grep -q '^apotview: ' || bad "$f: stderr does not start with 'apotview: ': $(head -c 300 "$T/err")"
  grep -qF "$phrase" "$T/err" || bad "$f: message lacks \"$phrase\": $(head -c 300 "$T/err")"
}
S="$D/sharded"
S1=model-00001-of-00002.safetensors
S2=model-00002-of-00002.safetensors
# mkmodel DIR B_SHARD H_SHARD: a copy of the sharded fixture whose index
# places b and h as given (H_SHARD empty: h left out of the weight_map)
mkmodel() {
  rm -rf "$1"; mkdir "$1"; cp "$S/$S1" "$S/$S2" "$1/"
  if [ -n "$3" ]; then hh=", \"h\": \"$3\""; else hh=""; fi
  printf '{"metadata": {"total_size": 1192}, "weight_map": {"W": "%s", "b": "%s"%s}}\n' \
    "$S1" "$2" "$hh" > "$1/model.safetensors.index.json"
}
M="$T/model"
ntensors() { $APOTVIEW --list "$1" 2>"$T/err" | tail -n 1 | sed -n 's/^\([0-9]*\) tensors in .*/\1/p'; }

# a shard that is a symlink to /dev/zero: refused at once, not read until
# memory runs out
mkmodel "$M" "$S2" "$S2"; rm "$M/$S2"; ln -s /dev/zero "$M/$S2"
refused_with "$M" "$M/$S2: not a regular file (a character device)" --list
# a shard that is a FIFO (no writer): refused at once, not a hang
rm "$M/$S2"; mkfifo "$M/$S2"
refused_with "$M" "$M/$S2: not a regular file (a FIFO)" --list
# the index itself a FIFO; the file on the command line a FIFO
mkmodel "$M" "$S2" "$S2"; rm "$M/model.safetensors.index.json"; mkfifo "$M/model.safetensors.index.json"
refused_with "$M" "model.safetensors.index.json: not a regular file (a FIFO)" --list
mkfifo "$T/pipe.npy"
refused_with "$T/pipe.npy" "$T/pipe.npy: not a regular file (a FIFO)" --list
# a custom level file that is a FIFO: refused at once (a usage error, 2)
$TO10 $APOTVIEW --levels -s "custom:$T/pipe.npy" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "custom:FIFO: exit status $rc, expected 2"
grep -qF "$T/pipe.npy: not a regular file (a FIFO)" "$T/err" || bad "custom:FIFO: $(head -c 300 "$T/err")"

# the weight_map lies: b is in shard 2, the index says shard 1
mkmodel "$M" "$S1" "$S2"
refused_with "$M" "b: the weight_map places it in $S1 but that shard does not hold it ($S2 does)" --list
# shard 2 holds h, which the weight_map does not list
mkmodel "$M" "$S2" ""
refused_with "$M" "h: shard $S2 holds it but the weight_map does not list it" --list
# "./s" and "s" are one shard
mkmodel "$M" "./$S2" "$S2"
n=$(ntensors "$M"); [ "$n" = 3 ] || bad "./$S2 and $S2: $n tensors listed, expected 3: $(head -c 300 "$T/err")"
$APOTVIEW --report --format=json "$M:W" | norm > "$T/out.json" && cmp -s "$T/ref.json" "$T/out.json" ||
  bad "./ shard names: the report of W differs from W.npy"
# "a..b.safetensors" is a file name inside the directory
mkmodel "$M" "a..b.safetensors" "a..b.safetensors"; mv "$M/$S2" "$M/a..b.safetensors"
n=$(ntensors "$M"); [ "$n" = 3 ] || bad "a..b.safetensors: $n tensors listed, expected 3: $(head -c 300 "$T/err")"
# a '..' component or an absolute path leaves the directory: refused
mkmodel "$M" "../$S2" "$S2"
refused_with "$M" "shard name '../$S2' has a '..' component" --list
mkmodel "$M" "$M/$S2" "$S2"
refused_with "$M" "shard name '$M/$S2' is an absolute path" --list
# a shard that is a symlink to a regular file elsewhere is followed (the
# Hugging Face cache links snapshots/REV/*.safetensors to ../../blobs/)
mkmodel "$M" "$S2" "$S2"; mkdir -p "$T/blobs"; mv "$M/$S2" "$T/blobs/"; ln -s ../blobs/$S2 "$M/$S2"
n=$(ntensors "$M"); [ "$n" = 3 ] || bad "a shard symlinked out of the directory: $n tensors, expected 3: $(head -c 300 "$T/err")"

# Flip one data byte of a zip member: the last byte of the first member
# whose name matches PATTERN, located by reading the local file headers
# (signature PK\3\4, compressed size at +18, name and extra-field lengths
# at +26 and +28, data after the 30-byte header, the name and the extra).
u() { od -An -tu$2 -j "$1" -N"$2" "$3" | tr -d ' \n'; }
flip_member() { # FILE PATTERN
  off=0
  while [ "$(u $off 4 "$1")" = 67324752 ]; do
    csz=$(u $((off + 18)) 4 "$1"); nl=$(u $((off + 26)) 2 "$1"); xl=$(u $((off + 28)) 2 "$1")
    name=$(dd if="$1" bs=1 skip=$((off + 30)) count=$nl 2>/dev/null)
    data=$((off + 30 + nl + xl))
    case $name in
      $2) p=$((data + csz - 1)); b=$(u $p 1 "$1")
          printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek=$p conv=notrunc 2>/dev/null
          return 0 ;;
    esac
    off=$((data + csz))
  done
  bad "$1: no zip member matches $2"
  return 1
}
cp "$D/W_stored.npz" "$T/flip.npz"; flip_member "$T/flip.npz" W.npy
cmp -s "$D/W_stored.npz" "$T/flip.npz" && bad "flip.npz: no byte flipped"
refused_with "$T/flip.npz" "flip.npz: W.npy: CRC-32 mismatch (stored 0x" --report -t W
grep -q 'computed 0x[0-9a-f]*): the archive is corrupt' "$T/err" || bad "flip.npz: $(cat "$T/err")"
$APOTVIEW --report -t b "$T/flip.npz" >/dev/null 2>&1 || bad "flip.npz: the intact member b is refused"
cp "$D/W_zip.pt" "$T/flip.pt"; flip_member "$T/flip.pt" '*/data/0'
refused_with "$T/flip.pt" "flip.pt: archive/data/0: CRC-32 mismatch" --report

# an empty archive (only the end-of-central-directory record) and an empty file
printf 'PK\005\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' > "$T/empty.npz"
refused_with "$T/empty.npz" "empty.npz: no tensors in this npz file" --report
refused_with "$T/empty.npz" "empty.npz: no tensors in this npz file" --list
: > "$T/zero.npz"
refused_with "$T/zero.npz" "zero.npz: empty file" --report

[ $fails -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "io-cli: all checks passed"
