#!/bin/sh
# ui-stored.sh - the stored scheme (a quantized file's own grid) in the
# viewer's curve, per-channel and compare (D) views, end to end in tmux at
# 120x40 and 60x20 (issue 14 part 5, issue 15 part 4).
#
# Expected values come from this script's own decoding of the fixture
# bytes (tests/lib/gen_grid_fixtures.py's GGUF and safetensors readers and
# its Q4_0 levels, (q - 8) d by ggml-common.h's block layout), never from
# apotview:
#  - the pairs viewer (apotview ORIGINAL QUANTIZED, tests/data/compare)
#    opens on model.layers.1.mlp.gate_proj.weight, whose pair is the Q4_0
#    blk.1.ffn_gate.weight: the stored scheme's mse in the results is the
#    original's distance to the nearest level of its own block's grid
#    (brute force here); the curve view (c) draws it as a line labelled
#    "stored 4.5 bpw" (18 bytes * 8 / 32 values, by hand) and its legend
#    gives the same mse; the per-channel view (p) with stored focused
#    gives the same mse over all channels and the top row's (the largest
#    range) mse by brute force over that row;
#  - at --granularity=group:32 the stored column holds the same mse;
#  - D shows the stored rug on both panels (the quantized side's grid) and
#    its mse in the ratio row, at 120x40 and at 60x20 (where the compact
#    results keep the stored column);
#  - a permuted pair (attn_q: llama.cpp's rotary row order) says why the
#    original is not measured on its grid;
#  - a quantized file alone: the curve legend says the file's own values
#    have error 0, with its bpw; the per-channel heat is each row's alpha,
#    the top row's equal to 8 |d| of its Q4_0 block (the largest level);
#  - a 2^25-value Q8_0 tensor: the stored column says "preparing the
#    stored grid..." while the other schemes' numbers are shown (the pass
#    runs on the worker), then its alpha, 128 d (d = 0.005 in every block
#    written here: the largest |q| of int8 codes).
# Skips (77) when tmux or /usr/bin/python3 with numpy is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
PY=/usr/bin/python3
"$PY" -c 'import numpy' 2>/dev/null || { echo "numpy not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
SRC=${abs_top_srcdir:-$(dirname "$0")/../..}
CMP="$SRC/tests/data/compare"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uis
. "$SRC/tests/lib/tmux-lib.sh"
start() { # start COLSxROWS "ARGS..."
    next_server
    W=${1%x*}; H=${1#*x}
    cmd="cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color '$APOTVIEW' $2; echo EXIT=\$?; sleep 600"
    TM new-session -d -s ui -x "$W" -y "$H" "$cmd" || { echo "cannot start tmux"; exit 99; }
}
# a number as numfmt writes it (SI prefix: 243u) as a plain one
si() { awk '{ v = $0; m = 1; s = substr(v, length(v));
    if (s == "m") m = 1e-3; else if (s == "u") m = 1e-6; else if (s == "n") m = 1e-9;
    if (m != 1) v = substr(v, 1, length(v) - 1); print v * m }'; }

# the expected numbers, by brute force over the fixture bytes
"$PY" - "$SRC/tests/lib" "$CMP" > "$T/exp" <<'PYEOF' || { echo "expected values: python failed"; exit 99; }
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import gen_grid_fixtures as gg
cmp = sys.argv[2]
orig = gg.read_st(cmp + '/orig.safetensors')
q = gg.read_gguf(cmp + '/q.gguf')
def grid(name):
    ne, ty, raw = q[name]
    assert ty == 2, ty                      # Q4_0: 18 bytes per block of 32
    n = int(np.prod(ne)); nb = n // 32
    B = np.frombuffer(raw[:nb * 18], np.uint8).reshape(nb, 18)
    lv, G = gg.gguf_levels(2, B)            # [blocks, 16] float32, (q - 8) d
    return lv.astype(np.float64), n
def nearest(w, lv):
    g = np.arange(w.size) // 32
    return np.min((w.reshape(-1, 1) - lv[g]) ** 2, axis=1)
lv, n = grid('blk.1.ffn_gate.weight')
w = orig['model.layers.1.mlp.gate_proj.weight'][0].astype(np.float64).reshape(-1)
e = nearest(w, lv)
print('PAIR_MSE', repr(float(e.mean())))
rows = w.reshape(64, 32)
top = int(np.argmax(rows.max(1) - rows.min(1)))     # the largest range first
print('TOP_ROW', top)
print('TOP_MSE', repr(float(e.reshape(64, 32)[top].mean())))
lv2, _ = grid('blk.0.ffn_up.weight')
vals = np.abs(lv2).max(1)                           # each row's one block: 8 |d|
ne, ty, raw = q['blk.0.ffn_up.weight']
B = np.frombuffer(raw[:64 * 18], np.uint8).reshape(64, 18)
# the dequantized rows (nibbles: low half first, ggml-common.h block_q4_0)
qs = B[:, 2:]
codes = np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int32)
d16 = np.frombuffer(B[:, 0:2].tobytes(), '<f2').astype(np.float32).reshape(-1, 1)
W = (codes - 8).astype(np.float32) * d16
top2 = int(np.argmax(W.max(1) - W.min(1)))
print('SELF_TOP_ROW', top2)
print('SELF_TOP_ALPHA', repr(float(8 * abs(float(d16[top2, 0])))))
PYEOF
val() { sed -n "s/^$1 //p" "$T/exp"; }
PAIR_MSE=$(val PAIR_MSE); TOP_ROW=$(val TOP_ROW); TOP_MSE=$(val TOP_MSE)
SELF_TOP_ROW=$(val SELF_TOP_ROW); SELF_TOP_ALPHA=$(val SELF_TOP_ALPHA)
[ -n "$PAIR_MSE" ] && [ -n "$SELF_TOP_ALPHA" ] || { echo "no expected values"; cat "$T/exp"; exit 99; }

# ---- the pairs viewer at 120x40 --------------------------------------------
start 120x40 "'$CMP/orig.safetensors' '$CMP/q.gguf'"
wait_for '^mse .* [0-9][0-9.e-]* *$' || fail "pairs: no results"
wait_for 'model.layers.1.mlp.gate_proj.weight' || fail "pairs: not on gate_proj of layer 1"
m=$(screen | grep -E '^mse ' | head -n 1 | awk '{ print $NF }')
close "$m" "$PAIR_MSE" 1e-3 && ok "pairs: stored mse $m = nearest level of the Q4_0 grid ($PAIR_MSE)" ||
    fail "pairs: stored mse $m, expected $PAIR_MSE"
# the curve view: a line across, labelled with its bpw, and the legend's mse
TM send-keys -t ui c
wait_for 'stored q4_0 4.5 bpw: mse' || fail "curve: no stored legend"
screen | grep -q '╌ stored 4.5 bpw ╌' && ok "curve: the stored line, 4.5 bpw" || fail "curve: no stored line"
m=$(screen | sed -n 's/.*stored q4_0 4.5 bpw: mse \([0-9.e-]*\) .*/\1/p' | head -n 1)
close "$m" "$PAIR_MSE" 1e-3 && ok "curve: legend mse $m" || fail "curve: legend mse '$m', expected $PAIR_MSE"
TM send-keys -t ui c
# the per-channel view with stored focused (apot is focused first; s: the next scheme)
TM send-keys -t ui s
wait_for '^ stored │' || fail "s did not focus stored"
TM send-keys -t ui p
wait_for 'all channels: mse' || fail "channels: no numbers"
m=$(screen | sed -n 's/.*all channels: mse \([0-9.e-]*\).*/\1/p' | head -n 1)
close "$m" "$PAIR_MSE" 1e-3 && ok "channels: all channels mse $m" || fail "channels: all mse '$m', expected $PAIR_MSE"
row=$(screen | sed -n '4p')
ch=$(echo "$row" | awk '{ print $1 }'); m=$(echo "$row" | awk '{ print $NF }')
[ "$ch" = "$TOP_ROW" ] && close "$m" "$TOP_MSE" 2e-3 && ok "channels: top row $ch mse $m" ||
    fail "channels: top row '$ch' mse '$m', expected $TOP_ROW $TOP_MSE"
TM send-keys -t ui p
# D: the stored rug on both panels, its mse in the ratio row
TM send-keys -t ui D
wait_for 'left on right.s grid, mse' || fail "D: no stored mse in the ratio row"
m=$(screen | sed -n "s/.*left on right's grid, mse \\([0-9.e-]*\\).*/\\1/p")
close "$m" "$PAIR_MSE" 2e-3 && ok "D: stored mse $m" || fail "D: stored mse '$m', expected $PAIR_MSE"
wait_for '^ ?>?stored .*[│+0-9].*│ ?>?stored .*[│+0-9]' && ok "D: a stored rug on both panels" ||
    fail "D: no stored rug on both panels"

# ---- 60x20: D keeps the stored column and rug ------------------------------
start 60x20 "'$CMP/orig.safetensors' '$CMP/q.gguf'"
wait_for 'gate_proj' || fail "60x20: no start"
TM send-keys -t ui D
wait_for 'stored [0-9.]+[mun]?$' || fail "60x20 D: no stored mse in the ratio row"
m=$(screen | sed -n 's/.* stored \([0-9.]*[mun]*\)$/\1/p' | si)
close "$m" "$PAIR_MSE" 5e-3 && ok "60x20 D: stored mse $m" || fail "60x20 D: stored '$m', expected $PAIR_MSE"
screen | grep -Eq 'apot +store' && ok "60x20 D: the stored column" || fail "60x20 D: no stored column"
wait_for '^ ?stored .*[+0-9│].*│ ?stored .*[+0-9│]' && ok "60x20 D: a stored rug on both panels" ||
    fail "60x20 D: no stored rug on both"
# a half-width panel's title keeps the end of a long tensor name (from a
# '.', with an ellipsis) instead of dropping the name
screen | head -n 1 | grep -Eq '^[^│]*: [^│]*\.weight[^│]*│[^│]*: [^│]*\.weight' &&
    ok "60x20 D: both panel titles name their tensor" || fail "60x20 D: a panel title lost its tensor's name"

# ---- the group view of a pair: the stored column is the original on its grid
start 120x40 "--granularity=group:32 '$CMP/orig.safetensors' '$CMP/q.gguf'"
wait_for '^mse .* [0-9][0-9.e-]* +[0-9][0-9.e-]* *$' || fail "group: no results"
m=$(screen | grep -E '^mse ' | head -n 1 | awk '{ print $NF }')
close "$m" "$PAIR_MSE" 1e-3 && ok "group: stored mse $m" || fail "group: stored mse '$m', expected $PAIR_MSE"

# ---- a permuted pair: the reason ----------------------------------------------
start 120x40 "'$CMP/orig.safetensors:model.layers.0.self_attn.q_proj.weight' '$CMP/q.gguf:blk.0.attn_q.weight'"
wait_for ' another$' && screen | grep -q 'permuted or$' || fail "permuted pair: no reason"
ok "permuted pair: the reason"

# ---- a quantized file alone ------------------------------------------------------
start 120x40 "-s uniform,stored '$CMP/q.gguf:blk.0.ffn_up.weight'"
wait_for '^mse ' || fail "self: no results"
TM send-keys -t ui c
wait_for "stored q4_0 4.5 bpw: the file's own values, error 0" && ok "self curve: own values, error 0, 4.5 bpw" ||
    fail "self curve: no stored legend"
TM send-keys -t ui c
wait_for '^ stored │' || fail "self: stored not focused"
TM send-keys -t ui p
wait_for 'range .* alpha$' || fail "self channels: no alpha heat"
row=$(screen | sed -n '4p')
ch=$(echo "$row" | awk '{ print $1 }'); m=$(echo "$row" | awk '{ print $NF }')
[ "$ch" = "$SELF_TOP_ROW" ] && close "$m" "$SELF_TOP_ALPHA" 2e-3 && ok "self channels: top row $ch alpha $m" ||
    fail "self channels: top row '$ch' alpha '$m', expected $SELF_TOP_ROW $SELF_TOP_ALPHA"
screen | grep -q "error 0" && ok "self channels: says error 0" || fail "self channels: no error-0 note"

# ---- a big tensor: the stored pass runs on the worker ------------------------
# 2^25 Q8_0 values (34 MB, written here): the other schemes' numbers are on
# the screen while the stored column still says it is preparing, then its
# alpha follows (the mean largest level of the blocks, 128 d on average)
"$PY" - "$T/big.gguf" <<'PYEOF' || { echo "big fixture: python failed"; exit 99; }
import struct, sys, numpy as np
n = 1 << 25; nb = n // 32
rng = np.random.default_rng(1)
B = rng.integers(0, 256, (nb, 34), dtype=np.uint8)
B[:, 0:2] = np.frombuffer(np.full(nb, 0.005, '<f2').tobytes(), np.uint8).reshape(nb, 2)
def s(x): b = x.encode(); return struct.pack('<Q', len(b)) + b
h = b'GGUF' + struct.pack('<IQQ', 3, 1, 1) + s('general.alignment') + struct.pack('<II', 4, 32)
h += s('big') + struct.pack('<I', 2) + struct.pack('<QQ', 4096, n // 4096) + struct.pack('<IQ', 8, 0)
open(sys.argv[1], 'wb').write(h + b'\0' * ((-len(h)) % 32) + B.tobytes())
PYEOF
start 120x40 "'$T/big.gguf'"
wait_for '^alpha \(opt\) +[0-9.]+ +[0-9.]+ +[0-9.]+ preparing the$' && ok "big: the other numbers first, stored preparing" ||
    fail "big: no 'preparing the stored grid' beside the other numbers"
wait_for '^alpha \(opt\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +0.64' && ok "big: the stored alpha (128 d = 0.64)" ||
    fail "big: no stored alpha"
rm -f "$T/big.gguf"

[ "$fails" -eq 0 ] && echo "all ui-stored checks passed"
exit $((fails > 0))
