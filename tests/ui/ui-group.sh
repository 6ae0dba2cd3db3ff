#!/bin/sh
# ui-group.sh - the group view end to end (issue 11, parts 5 and 6): the
# real viewer in tmux on a bfloat16 safetensors file written here, and the
# group figure's data (--figure=histogram --format=csv).
#
# What is checked, and against what:
#  - --granularity=group:128 opens the viewer in that mode: the status
#    line says group:128 and its mse equals --report --format=json at the
#    same settings; the title counts 64 x 512 / 128 = 256 groups and
#    16 / 128 = 0.125 scale bits per weight (hand-computed);
#  - G cycles tensor -> channel:0 -> group:32 -> group:64 -> group:128
#    (the status line names every one but tensor, the default), the
#    on-screen mse equal to --report at each;
#  - x explains the scale cost: 16 / 128 = 0.125, 4 + 0.125 = 4.125;
#  - --alpha=max puts each group's largest |x| at +-1: the end bins hold at
#    least one value per group;
#  - the figure's pooled histogram of u = x / alpha_g and its scale
#    histogram equal a brute force written here (uniform 4 bits, absmax:
#    alpha_g = fp16(max|x_g| / 7) * 7, bins floor((u + 1) / 2 * 101)), its
#    mse equals --report's;
#  - the exploration keys: [ ] { } move a cursor whose readout gives the
#    column's range, count, share, level and squared error (hand-computed
#    on x = k / 1000), z / Z zoom, Esc ends it.
# Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uig
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
field() { status_line | sed -n "s/.*$1 \\([^ ]*\\).*/\\1/p"; }
start() { # start "ARGS..."
    next_server
    cmd="cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$APOTVIEW' $1; echo EXIT=\$?; sleep 600"
    TM new-session -d -s ui -x 120 -y 40 "$cmd" || { echo "cannot start tmux"; exit 99; }
}
jget() { python3 -c 'import json, re, sys
d = json.load(sys.stdin)
for k, i in re.findall(r"\.(\w+)|\[(\d+)\]", sys.argv[1]):
    d = d[k] if k else d[int(i)]
print(repr(d) if isinstance(d, float) else d)' "$1"; }
report() { (cd "$T" && "$APOTVIEW" --report --format=json "$@"); }

# A bfloat16 safetensors file: w [64, 512], Gaussian with a few wide rows
# (deterministic), the bfloat16 code = the float32 bits' top half rounded
# to nearest even.
python3 - "$T/m.safetensors" <<'EOF' || exit 99
import json, random, struct, sys
random.seed(11)
R, C = 64, 512
codes = []
for r in range(R):
    sd = 0.02 * (6 if r % 16 == 5 else 1)
    for c in range(C):
        f = struct.unpack('<I', struct.pack('<f', random.gauss(0.0, sd)))[0]
        f += 0x7FFF + ((f >> 16) & 1)
        codes.append((f >> 16) & 0xFFFF)
data = struct.pack('<%dH' % len(codes), *codes)
h = json.dumps({"w": {"dtype": "BF16", "shape": [R, C], "data_offsets": [0, len(data)]}}).encode()
h += b' ' * (-len(h) % 8)
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + data)
EOF

# ---- the viewer opens in group:128 -------------------------------------
start "--granularity=group:128 -s uniform,nf4,apot m.safetensors"
wait_for 'group:128 .*mse [0-9]' && ok "--granularity=group:128: the status line says group:128" ||
    fail "no group:128 status line with an mse"
J=$(report --granularity=group:128 -s uniform,nf4,apot m.safetensors)
rm=$(echo "$J" | jget '.tensors[0].results[2].mse')
m=$(field mse)
close "$m" "$rm" 1e-3 && ok "group:128 mse on screen $m = report $rm" || fail "group:128 mse $m vs report $rm"
wait_for 'apot  group:128  256 groups, fp16 scales: 4 \+ 0\.125 = 4\.125 bpw' &&
    ok "title: 256 groups, 4 + 0.125 bits per weight" || fail "the group view title"
wait_for 'sse per group, 256 groups in order' && ok "the per-group error strip" || fail "no error strip"
wait_for 'group scales alpha_g, 256 groups' && ok "the scale distribution" || fail "no scale panel"

TM send-keys -t ui x
wait_for 'scales add 16 / 128 = 0\.125 bits' && wait_for '= 4\.125 bits per weight' &&
    ok "x: a fp16 scale per 128 costs 0.125 bits per weight" || fail "x: no scale cost"
TM send-keys -t ui x

# ---- G cycles ----------------------------------------------------------
for g in tensor channel:0 group:32 group:64 group:128; do
    TM send-keys -t ui G
    case $g in tensor) want="apot . bits 4 .*mse [0-9]" ;; *) want="apot . $g . bits 4 .*mse [0-9]" ;; esac
    wait_for "$want" || { fail "G: no $g"; continue; }
    m=$(field mse)
    case $g in channel:0) opt=--granularity=channel ;; *) opt=--granularity=$g ;; esac
    rm=$(report $opt -s uniform,nf4,apot m.safetensors | jget '.tensors[0].results[2].mse')
    close "$m" "$rm" 1e-3 && ok "G -> $g: mse $m = report $rm" || fail "G -> $g: mse $m vs report $rm"
done
TM send-keys -t ui q
wait_for 'EXIT=0' && ok "q exits 0" || fail "q did not exit 0"

# ---- absmax: one value of every group at +-1 ----------------------------
start "--granularity=group:64 --alpha=max -s nf4 m.safetensors"
wait_for 'ends: .* per group' || fail "no ends line"
r=$(screen | sed -n 's/.* = \([0-9.]*\) per group.*/\1/p' | head -n 1)
awk -v r="$r" 'BEGIN { exit !(r >= 1) }' && ok "absmax: the end bins hold $r >= 1 values per group" ||
    fail "absmax ends $r per group, want >= 1"
# the cursor in the group view: the last column is u in [.., 1], NF4's top
# level is 1 (the 16th of 16), its count the note's "at +1" count
hi=$(screen | sed -n 's/.* at -1, \([0-9]*\) at +1.*/\1/p' | head -n 1)
TM send-keys -t ui ']' '}' '}' '}' '}' '}' '}' '}' '}' '}' '}'
wait_for "^u in \[[0-9.]*, 1\] $hi values .*nf4 level 16/16 at u = 1" &&
    ok "group cursor: the last column holds the $hi values at +1, NF4 level 16/16 = 1" || fail "group cursor readout"
TM send-keys -t ui q

# ---- the figure's data against a brute force ----------------------------
(cd "$T" && "$APOTVIEW" --figure=histogram --granularity=group:128 --alpha=max -s uniform --bits=4 \
    --export=g.gp --format=csv m.safetensors >g.csv) || fail "group figure export failed"
J=$(report --granularity=group:128 --alpha=max -s uniform --bits=4 m.safetensors)
echo "$J" | jget '.tensors[0].results[0].mse' >"$T/rep_mse"
python3 - "$T/m.safetensors" "$T/g.csv" "$T/rep_mse" <<'EOF' && ok "figure: u histogram, scales and mse equal the brute force" || fail "figure vs brute force"
import csv, json, math, struct, sys
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
R, C = hdr['w']['shape']
codes = struct.unpack('<%dH' % (R * C), raw[8 + n:])
x = [struct.unpack('<f', struct.pack('<I', c << 16))[0] for c in codes]
f16 = lambda v: struct.unpack('<e', struct.pack('<e', v))[0]
NB, NS = 101, 40
hist = [0] * NB
alphas = []
for r in range(R):
    for g0 in range(0, C, 128):
        grp = x[r * C + g0: r * C + g0 + 128]
        a = f16(max(abs(v) for v in grp) / 7) * 7
        alphas.append(struct.unpack('<f', struct.pack('<f', a))[0])
        for v in grp:
            u = v / a if v != 0 else 0.0
            hist[min(NB - 1, max(0, math.floor((u + 1) / 2 * NB)))] += 1
amax = max(alphas)
shist = [0] * NS
for a in alphas:
    shist[min(NS - 1, math.floor(a / amax * NS))] += 1
got, sgot, mse = [], [], None
for row in csv.DictReader(open(sys.argv[2])):
    if row['series'] in ('count', 'end_count'):
        got.append((float(row['x']), int(float(row['y']))))
    elif row['series'] == 'scale_count':
        sgot.append(int(float(row['y'])))
    elif row['series'] == 'mse_at_bpw':
        mse, bpw = float(row['y']), float(row['x'])
got = [c for _, c in sorted(got)]
ok = True
if got != hist:
    print('u histogram differs:', [(i, a, b) for i, (a, b) in enumerate(zip(got, hist)) if a != b][:10]); ok = False
if sgot != shist:
    print('scale histogram differs:', sgot, shist); ok = False
rep = float(open(sys.argv[3]).read())
if mse != rep:
    print('mse', mse, 'report', rep); ok = False
if abs(bpw - (4 + 16 * len(alphas) / (R * C))) > 1e-12:
    print('bpw', bpw); ok = False
sys.exit(0 if ok else 1)
EOF

# ---- exploration keys (issue 12): cursor, readout, zoom ------------------
# x = k / 1000, k = -1000 .. 1000 (float32), alpha 1, 4-bit uniform: the
# histogram shows [-1, 1] in 110 columns (120 - 9 margin - 1), the cursor
# starts in column 55 = [0, 2/110): k = 0 .. 18, 19 values (0.95%), all
# mapped to the level 0 (the 8th of 15), squared error sum k^2 / 10^6 =
# 18 * 19 * 37 / 6 / 10^6 = 0.002109; ] moves to [2/110, 4/110): k = 19
# .. 36, 18 values; after z and Z, } goes ten columns on to [0.2, 0.2182):
# k = 200 .. 218, 19 values, the column crossing the decision boundary
# 1.5 / 7 between the levels 1/7 and 2/7 (sq. err 0.08116 by brute force:
# sum of min_j (x - j/7)^2).
python3 - "$T/lin.npy" <<'EOF2' || exit 99
import struct, sys
vals = [k / 1000 for k in range(-1000, 1001)]
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(vals)
h += ' ' * (-(len(h) + 11) % 64) + '\n'
open(sys.argv[1], 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() +
                              struct.pack('<%df' % len(vals), *vals))
EOF2
start "--alpha=1 -s uniform --bits=4 lin.npy"
wait_for 'mse [0-9]' || fail "lin.npy: no numbers"
TM send-keys -t ui '['
TM send-keys -t ui ']'
wait_for '^\[0, 0\.01818\) 19 values \(0\.95%\) +uniform level 8/15 = 0 +sq\. err 0\.002109' &&
    ok "cursor readout: [0, 0.01818) 19 values, level 8/15 = 0, sq. err 0.002109" || fail "cursor readout"
TM send-keys -t ui ']'
wait_for '^\[0\.01818, 0\.03636\) 18 values' && ok "]: the next column holds 18 values" || fail "]: next column"
TM send-keys -t ui z
wait_for 'zoom 2x' && ok "z: zoom 2x" || fail "z: no zoom"
TM send-keys -t ui Z
wait_for 'full range' && ok "Z: back to the full range" || fail "Z: not the full range"
TM send-keys -t ui '}'
wait_for '^\[0\.2, 0\.2182\) 19 values .*level 9/15 = 0\.1429 \(column spans a decision boundary\)  sq\. err 0\.08116' && ok "}: ten columns on, across a decision boundary" || fail "}: ten columns"
TM send-keys -t ui Escape
wait_for '^mean ' && ok "Esc: the statistics line is back" || fail "Esc: cursor still on"
TM send-keys -t ui q

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
