#!/bin/sh
# stored-cli.sh - the stored grid as a scheme end to end (quant/stored.h):
#  - --report JSON of a Q4_K GGUF carries a `stored` result per tensor with
#    bpw 144 * 8 / 256 = 4.5 (the Q4_K block size of ggml-common.h, by
#    hand), levels_total 16, error fields null, off_grid 0; CSV has its
#    columns; a file of float tensors gets no stored scheme;
#  - the viewer (tmux) lists `stored` beside the other schemes and `i`
#    shows the format's layout.
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
D=${abs_top_srcdir:-.}/tests/data/io
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$APOTVIEW" --report --format=json "$D/gguf/q4_k.gguf" > out.stored.json || fail "report exit status"
$PY - out.stored.json <<'PYEOF' || fail "stored JSON"
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for t in d['tensors']:
    r = [x for x in t['results'] if x['scheme'] == 'stored']
    assert len(r) == 1, t['name']
    r = r[0]
    assert abs(r['bpw'] - 144 * 8 / 256) < 1e-12, r['bpw']
    assert r['levels_total'] == 16 and 1 <= r['levels_used'] <= 16, r
    assert r['mse'] is None and r['sqnr_db'] is None, r
    assert r['off_grid'] == 0 and r['granularity'] == 'group:32', r
    assert r['format'].startswith('q4_k:'), r['format']
    assert r['groups'] == t['count'] // 32
    n += 1
assert n == 2
PYEOF
"$APOTVIEW" --report --format=csv "$D/gguf/q4_k.gguf" | head -n 1 | grep -q 'scale_dtype,levels_per_group,scale_median,off_grid' ||
    fail "CSV columns"
"$APOTVIEW" --report --format=json "$D/gguf/plain.gguf" | grep -q '"stored"' && fail "float file has a stored scheme"

# ONNX DequantizeLinear / MatMulNBits: every value on its stored grid
# (off_grid 0: a zero point or scale read from the wrong group, or a
# level not rounded to an fp16/bf16 scale's type as the values are, would
# put values off it); code counts by hand: int8 256, int4 16, uint4 16,
# e4m3fn 253 distinct finite values, 2-bit 4; a middle axis
# has no grid (a message); MatMulNBits with g_idx has one (act-order rows)
for m in qdq matmulnbits; do
    "$APOTVIEW" --report --format=json -s uniform "$D/onnx/$m.onnx" > out.onnx.json 2>/dev/null
    $PY - out.onnx.json $m <<'PYEOF' || fail "onnx $m stored grid"
import json, sys
d = json.load(open(sys.argv[1]))
tot = {'pt_int8': 256, 'blk_int4': 16, 'ax0_uint4': 16, 'fp8': 253, 'f16scale': 256, 'bf16scale': 256,
       'q2': 4, 'q8': 256, 'q4_zp': 16, 'q4_gidx': 16}
seen = 0
for t in d['tensors']:
    for r in t['results']:
        if r['scheme'] != 'stored': continue
        if t['name'] in ('ax1_dq_out',):
            assert 'error' in r, t['name']; continue
        assert r['off_grid'] == 0 and r['levels_used'] >= 1, (t['name'], r)
        if t['name'] in tot:
            assert r['levels_total'] == tot[t['name']], (t['name'], r['levels_total']); seen += 1
assert seen >= 3, seen
PYEOF
done
rm -f out.onnx.json

# the histogram figure: a `stored` row whose levels are those of every
# group of the file (the generator's own decoding: tests/lib/gen_grid_fixtures.py)
rm -f fig.stored.gp fig.stored.gp.csv
"$APOTVIEW" --export=fig.stored.gp -t real "$D/gguf/q4_k.gguf" || fail "figure export"
$PY - fig.stored.gp.csv "$D/grid/q4_k.real.levels.npy" <<'PYEOF' || fail "figure: stored levels"
import sys, numpy as np
got = [float(l.split(',')[-2]) for l in open(sys.argv[1]) if ',stored,' in l and ',level,' in l]
want = np.load(sys.argv[2]).reshape(-1)
assert len(got) == want.size == 128, (len(got), want.size)
assert np.array_equal(np.sort(np.array(got, np.float32)), np.sort(want)), 'levels differ'
PYEOF
rm -f fig.stored.gp fig.stored.gp.csv

# the bits and sweep figures (plot/fig_stored.h): bits draws the stored
# grid as one point at its true bpw, 144 * 8 / 256 = 4.5 for Q4_K (by
# hand), with a dotted line there; its mse on the file's own values is
# left out (empty); the sweep names it in the key and draws no curve
rm -f fig.sb.gp fig.sb.gp.csv fig.ss.gp fig.ss.gp.csv
"$APOTVIEW" --export=fig.sb.gp --figure=bits -t real "$D/gguf/q4_k.gguf" || fail "bits figure export"
[ "$(grep -c ',stored,' fig.sb.gp.csv)" -eq 1 ] && grep -q '^bits,real,stored,,true,false,mse,4.5,$' fig.sb.gp.csv ||
    { fail "bits figure: the stored row"; grep stored fig.sb.gp.csv; }
grep -q '^set arrow 90 from 4.5, graph 0 to 4.5, graph 1 nohead lt 4' fig.sb.gp || fail "bits figure: no line at 4.5 bpw"
"$APOTVIEW" --export=fig.ss.gp --figure=sweep -t real "$D/gguf/q4_k.gguf" || fail "sweep figure export"
grep -q "stored q4\\\\_k, 4.50 bpw (its own values: error 0)" fig.ss.gp || fail "sweep figure: the stored key"
grep -q ',stored,' fig.ss.gp.csv && fail "sweep figure: a stored curve on the file's own values"
# panels over the compare fixture's block 0: each quantized tensor's
# stored point at the bpw of its GGUF type (read from the file here:
# Q4_0 18, Q8_0 34 bytes per 32 values), and the histogram panels' stored
# range alpha = the mean over blocks of the largest level |(q - 8) d|
rm -f fig.pb.gp fig.pb.gp.csv fig.ph.gp fig.ph.gp.csv
C="$D/../compare/q.gguf"
"$APOTVIEW" --export=fig.pb.gp --figure=bits --panels=3x3 "$C:blk.0.*" 2>/dev/null || fail "bits panels export"
"$APOTVIEW" --export=fig.ph.gp --figure=histogram --panels=3x3 "$C:blk.0.*" 2>/dev/null || fail "histogram panels export"
$PY - "${abs_top_srcdir:-.}/tests/lib" "$C" fig.pb.gp.csv fig.ph.gp.csv fig.pb.gp <<'PYEOF' || fail "figure panels: stored"
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import gen_grid_fixtures as gg
q = gg.read_gguf(sys.argv[2])
size = {2: 18, 8: 34}
bits = {l.split(',')[1]: float(l.split(',')[7]) for l in open(sys.argv[3]) if ',stored,' in l}
hist = {l.split(',')[1]: float(l.split(',')[7]) for l in open(sys.argv[4]) if ',stored,' in l and ',result,' in l}
n = 0
for name, (ne, ty, raw) in q.items():
    if not name.startswith('blk.0.') or ty not in size: continue
    assert bits[name] == size[ty] * 8 / 32, (name, bits.get(name))
    if ty == 2:
        nb = int(np.prod(ne)) // 32
        lv, _ = gg.gguf_levels(2, np.frombuffer(raw[:nb * 18], np.uint8).reshape(nb, 18))
        a = float(np.mean(np.abs(lv.astype(np.float64)).max(1)))
        assert abs(hist[name] - a) <= 1e-9 * a, (name, hist[name], a)
    n += 1
assert n == 7, n
assert open(sys.argv[5]).read().count('set arrow 90 from 8.5,') == 3   # the three Q8_0 panels
PYEOF
rm -f fig.sb.gp fig.sb.gp.csv fig.ss.gp fig.ss.gp.csv fig.pb.gp fig.pb.gp.csv fig.ph.gp fig.ph.gp.csv

# --compare: the original rounded to the nearest level of the quantized
# file's own grid can be no worse than the file's own rounding on that
# grid (a property, whatever the quantizer): stored_nearest.mse <= mse
"$APOTVIEW" --compare --format=json "$D/../compare/orig.safetensors" "$D/../compare/q.gguf" > out.cmp.json 2>/dev/null
$PY - out.cmp.json <<'PYEOF' || fail "compare stored_nearest"
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for p in d['pairs']:
    s = p.get('stored_nearest')
    if s is None or 'mse' not in p: continue
    assert s['mse'] <= p['mse'] * (1 + 1e-12), (p['right'], s['mse'], p['mse'])
    assert s['mse'] > 0
    n += 1
assert n >= 4, n
PYEOF
rm -f out.cmp.json

if command -v tmux >/dev/null 2>&1; then
    S="apotview-stored-$$"
    TM() { tmux -L "$S" -f /dev/null "$@"; }
    TM new-session -d -s ui -x 120 -y 40 "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $APOTVIEW $D/gguf/q4_k.gguf"
    i=0
    until TM capture-pane -p -t ui | grep -q '^>*  *stored\|^ stored\|stored │'; do
        i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
    done
    TM capture-pane -p -t ui | grep -Eq '^[ >]stored' || fail "viewer: no stored rug row"
    TM send-keys -t ui i
    i=0
    until TM capture-pane -p -t ui | grep -q 'q4_k: super-blocks'; do
        i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
    done
    TM capture-pane -p -t ui | grep -q 'stored: 4.5 bpw' || fail "viewer: i does not show the stored format"
    TM kill-server >/dev/null 2>&1
    # the group view of the stored scheme: the file's own 16 Q4_K levels
    # under the pooled histogram (u over each group's level range); a
    # fresh server socket (a server still exiting would race the new one)
    S="$S-2"
    TM new-session -d -s ui -x 120 -y 40 "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $APOTVIEW --granularity=group:32 $D/gguf/q4_k.gguf"
    i=0
    until TM capture-pane -p -t ui | grep -q 'u=x/a_g'; do
        i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
    done
    TM send-keys -t ui s
    i=0
    until TM capture-pane -p -t ui | grep -q '^>stored .*│'; do
        i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
    done
    n=$(TM capture-pane -p -t ui | grep '^>stored' | grep -o '│\|[|]' | wc -l)
    [ "$n" -eq 16 ] || { fail "group view: $n stored levels on the rug, 16 expected"; TM capture-pane -p -t ui; }
    TM kill-server >/dev/null 2>&1
fi
rm -f out.stored.json
[ "$fails" -eq 0 ] && echo "all stored checks passed"
exit $((fails > 0))
