#!/bin/sh
# stquant-cli.sh - quantized safetensors and --export=PATH.npy through the
# real binary:
#  1. --list of each quantized fixture names the stored type and bits per
#     weight under the module's name (no qweight/_scale/_blocks rows), and
#     --report runs on each;
#  2. --export=X.npy of every quantized tensor writes the values the
#     generator (tests/lib/gen_stquant_fixtures.py) computed: the data bytes
#     equal the expected .npy's data bytes, the header reads back with the
#     listed shape; plain float32 and float64 tensors too;
#  3. each broken variant (tests/data/io/stq/bad) exits 1 naming the file
#     and the tensor, in --report and --export; prefixes of the quantized
#     files are refused;
#  4. the contract of the write: an existing file is refused without
#     --force (untouched), replaced with it; two tensors selected is a
#     usage error; a full disk (ulimit -f) or an unwritable directory exits
#     1 with a message and leaves nothing behind and the old file intact.
set -u
D="$abs_top_srcdir/tests/data/io/stq"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-stq.XXXXXX") || exit 99
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# the last N bytes of a file (N = the data of a float32 / float64 .npy)
tailbytes() { tail -c "$2" "$1"; }
elems() { $APOTVIEW --list --format=json "$1" | sed -n 's/.*"count": *\([0-9]*\).*/\1/p' | head -n 1; }

for spec in \
  fp8:model.layers.0.mlp.up_proj.weight:fp8_e4m3-b128x128 \
  fp8:model.layers.0.mlp.down_proj.weight:fp8_e5m2-b128x128 \
  fp8:model.norm.weight:float32 \
  awq:model.layers.0.self_attn.q_proj.weight:awq-int4-g128 \
  awq:model.layers.0.self_attn.o_proj.weight:awq-int4-g128 \
  gptq:model.layers.1.mlp.gate_proj.weight:gptq-int4-g64-act \
  gptq8:model.layers.1.mlp.gate_proj.weight:gptq-int8-g128 \
  ct_int4:model.layers.0.self_attn.k_proj.weight:int4-pack-g32 \
  ct_int4:model.layers.0.self_attn.v_proj.weight:int4-pack-g32 \
  ct_int4:model.layers.0.self_attn.q_proj.weight:int4-pack-g32 \
  ct_int4:model.layers.0.self_attn.o_proj.weight:int4-pack-g32-act \
  ct_int8:model.layers.2.mlp.up_proj.weight:int8-pack-ch \
  ct_fp8:model.layers.0.mlp.gate_proj.weight:fp8_e4m3-ch \
  bnb:model.layers.0.mlp.down_proj.weight:nf4-b64 \
  bnb:model.layers.0.mlp.up_proj.weight:fp4-b64 \
  bnb:model.layers.0.mlp.gate_proj.weight:nf4-b64 \
  mxfp4:model.layers.0.mlp.experts.gate_up_proj:mxfp4 \
  mxfp4:model.layers.0.mlp.experts.down_proj:mxfp4; do
  dir=${spec%%:*}; rest=${spec#*:}; name=${rest%%:*}; type=${rest#*:}
  M="$D/$dir/model.safetensors"
  E="$D/$dir/$name.npy"
  $APOTVIEW --list -t "$name" "$M" > "$T/list" || bad "$dir: --list failed"
  grep -q "^$name  *$type " "$T/list" || bad "$dir: $name not listed as $type: $(cat "$T/list")"
  rm -f "$T/x.npy"
  $APOTVIEW --export="$T/x.npy" -t "$name" "$M" 2>"$T/err" || { bad "$dir: $name: export failed: $(cat "$T/err")"; continue; }
  n=$(elems "$E")
  tailbytes "$T/x.npy" $((n * 4)) > "$T/a"; tailbytes "$E" $((n * 4)) > "$T/b"
  cmp -s "$T/a" "$T/b" || bad "$dir: $name: exported values differ from the generator's"
  [ "$(head -c 6 "$T/x.npy" | od -An -c | tr -d ' \n')" = "223NUMPY" ] || bad "$dir: $name: no .npy magic"
  s1=$($APOTVIEW --list "$T/x.npy" | sed -n 2p | awk '{ $1 = ""; print }')
  s2=$($APOTVIEW --list "$E" | sed -n 2p | awk '{ $1 = ""; print }')
  [ "$s1" = "$s2" ] || bad "$dir: $name: exported header '$s1', expected '$s2'"
done
# no part of a quantized tensor is listed on its own
for dir in fp8 awq gptq gptq8 ct_int4 ct_int8 ct_fp8 bnb mxfp4; do
  $APOTVIEW --list "$D/$dir/model.safetensors" > "$T/list" || bad "$dir: --list"
  grep -Eq 'qweight|qzeros|scales|_scale|absmax|quant_map|quant_state|_blocks|weight_packed|weight_shape|g_idx' "$T/list" &&
    bad "$dir: parts listed: $(cat "$T/list")"
  $APOTVIEW --report --format=csv -s uniform "$D/$dir/model.safetensors" > /dev/null 2>"$T/err" ||
    bad "$dir: --report failed: $(cat "$T/err")"
done
# a float64 tensor is written as float64
G="$abs_top_srcdir/tests/data/io/gguf"
$APOTVIEW --export="$T/f64.npy" -t f64 "$G/plain.gguf" 2>"$T/err" || bad "f64 export: $(cat "$T/err")"
grep -q "'descr': '<f8'" "$T/f64.npy" && tailbytes "$T/f64.npy" 64 > "$T/a" && tailbytes "$G/plain.f64.npy" 64 > "$T/b" &&
  cmp -s "$T/a" "$T/b" || bad "float64 tensor not written as the same float64 values"
# a Q4_K tensor: the generator's independent decoder's values
$APOTVIEW --export="$T/q4k.npy" -t random "$G/q4_k.gguf" 2>"$T/err" || bad "q4_k export: $(cat "$T/err")"
n=$(elems "$G/q4_k.random.npy")
tailbytes "$T/q4k.npy" $((n * 4)) > "$T/a"; tailbytes "$G/q4_k.random.npy" $((n * 4)) > "$T/b"
cmp -s "$T/a" "$T/b" || bad "q4_k export differs from the generator's decoder"

# broken quantized weights: --report exits 1 naming the file and the tensor
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"
for spec in awq_noscales:m.weight awq_shape:m.weight fp8_scale_shape:w.weight bnb_lying:l.weight \
            bnb_notjson:l.weight mxfp4_noscales:e.down_proj mxfp4_shape:e.down_proj gptq_gidx:g.weight \
            ct_words:c.weight; do
  f="$D/bad/${spec%%:*}.safetensors"; name=${spec#*:}
  $TO $APOTVIEW --report "$f" >/dev/null 2>"$T/err"; rc=$?
  [ $rc -eq 1 ] && head -n 1 "$T/err" | grep -q "^apotview: $f: $name: " ||
    bad "$f: rc $rc, $(head -c 300 "$T/err")"
  $APOTVIEW --export="$T/bad.npy" -t "$name" "$f" 2>"$T/err"; rc=$?
  [ $rc -eq 1 ] && [ ! -e "$T/bad.npy" ] && grep -q "$name" "$T/err" || bad "$f: export rc $rc, $(cat "$T/err")"
done
# every prefix (cut at a spread of offsets) of quantized files is refused
for dir in awq bnb mxfp4 gptq ct_int4; do
  F="$D/$dir/model.safetensors"
  size=$(wc -c < "$F"); cut=0
  while [ $cut -lt $size ]; do
    head -c $cut "$F" > "$T/cut.safetensors"
    $TO $APOTVIEW --report "$T/cut.safetensors" >/dev/null 2>"$T/err"; rc=$?
    [ $rc -eq 1 ] && head -n 1 "$T/err" | grep -q "^apotview: " || bad "$dir cut at $cut: rc $rc, $(head -c 200 "$T/err")"
    cut=$((cut + size / 23 + 1))
  done
done

# the write contract
M="$D/awq/model.safetensors"; N=model.layers.0.self_attn.q_proj.weight
echo old > "$T/old.npy"
$APOTVIEW --export="$T/old.npy" -t "$N" "$M" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^apotview: .*old.npy already exists (use --force to overwrite it)" "$T/err" &&
  [ "$(cat "$T/old.npy")" = old ] || bad "existing file without --force: rc $rc, $(cat "$T/err")"
$APOTVIEW --force --export="$T/old.npy" -t "$N" "$M" 2>"$T/err" && [ "$(head -c 6 "$T/old.npy" | tail -c 5)" = NUMPY ] ||
  bad "--force did not replace the file: $(cat "$T/err")"
$APOTVIEW --export="$T/two.npy" "$M" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "writes one tensor but 2 are selected" "$T/err" && [ ! -e "$T/two.npy" ] ||
  bad "two tensors selected: rc $rc, $(cat "$T/err")"
mkdir "$T/ro"; echo keep > "$T/ro/x.npy"; chmod a-w "$T/ro"
if [ ! -w "$T/ro" ]; then
  $APOTVIEW --force --export="$T/ro/x.npy" -t "$N" "$M" 2>"$T/err"; rc=$?
  [ $rc -eq 1 ] && grep -q "^apotview: cannot write .*ro/x.npy" "$T/err" && [ "$(ls -A "$T/ro")" = x.npy ] &&
    [ "$(cat "$T/ro/x.npy")" = keep ] || bad "unwritable directory: rc $rc, $(cat "$T/err"; ls -A "$T/ro")"
fi
# a full disk: room for the header but not the data
mkdir "$T/full"; echo keep > "$T/full/x.npy"
blk=$( (trap '' XFSZ; ulimit -f 1 && head -c 4096 /dev/zero >"$T/probe") 2>/dev/null; wc -c <"$T/probe" | tr -d ' ')
if [ "${blk:-0}" -gt 0 ]; then
  (trap '' XFSZ; ulimit -f 1 && exec "$APOTVIEW" --force --export="$T/full/x.npy" -t "$N" "$M") 2>"$T/err"; rc=$?
  [ $rc -eq 1 ] && grep -q "^apotview: cannot write .*full/x.npy: File too large" "$T/err" &&
    [ "$(ls -A "$T/full")" = x.npy ] && [ "$(cat "$T/full/x.npy")" = keep ] ||
    bad "full disk: rc $rc, $(cat "$T/err"; ls -A "$T/full")"
fi
[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "stquant-cli: all passed"
