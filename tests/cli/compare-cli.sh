#!/bin/sh
# compare-cli.sh - --compare through the real binary against the metrics
# tests/lib/gen_compare_fixtures.py computed with its own numpy decoders
# (tests/data/compare/expected.json):
#  1. orig.safetensors (Hugging Face names) against q.gguf (llama.cpp names,
#     q/k rows permuted, Q8_0/Q4_0/F16/F32): every pair found through the
#     name table, mse/sqnr_db/cosine/max_abs_err to 1e-9 relative, the
#     stored type and bits per weight, q/k marked unpermuted (the q/k
#     metrics differ by > 10 dB when the permutation is not undone, so a
#     compare that forgets it fails), count-weighted totals, sorted by
#     sqnr_db ascending, the unmatched tensors of both sides; the table
#     says the permutation was undone; CSV carries the same numbers;
#  2. against f16.safetensors (same names): float16, 16 bits per weight;
#     moe.safetensors (2 experts, one tensor each) against moe.gguf (the
#     experts stacked): the generator's metrics of the stacked tensors; a
#     missing expert fails that pair only, naming it; awq/ (AutoAWQ GEMM,
#     [in, out] packed) against the generator's metrics; -t; a sharded
#     model (tests/data/io/sharded) against itself is exact;
#  3. mismatch.gguf: a shape-mismatch error on that pair only, naming both
#     tensors, exit 1; badtype.gguf: that pair's error names the file and
#     tensor, the other pairs are still reported, exit 1; cut.gguf (a
#     truncated file): exit 1 naming the file; usage errors exit 2.
set -u
D="$abs_top_srcdir/tests/data/compare"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-cmp.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

check() { # $1 right file, $2 expected key, $3 json output
  python3 - "$D/expected.json" "$2" "$3" <<'PY' || bad "check $2"
import json, math, sys
exp = json.load(open(sys.argv[1]))[sys.argv[2]]
got = json.load(open(sys.argv[3]))
ok = True
def close(a, b, what):
    global ok
    if b is None or (isinstance(b, float) and math.isinf(b)):
        if a is not None:
            print('FAIL', what, a, 'expected null (inf)'); ok = False
        return
    if a is None or abs(a - b) > 1e-9 * max(abs(b), 1e-300) + 1e-15:
        print('FAIL', what, a, 'expected', b); ok = False
pairs = {p['left']: p for p in got['pairs']}
for name, e in exp['pairs'].items():
    p = pairs.get(name)
    if not p:
        print('FAIL missing pair', name); ok = False; continue
    if p['right'] != e['right'] or p['right_dtype'] != e['right_dtype'] or p['count'] != e['count']:
        print('FAIL pair', name, p['right'], p['right_dtype'], p['count'], e); ok = False
    close(p['right_bpw'], e['right_bpw'], name + ' right_bpw')
    for k in ('mse', 'sqnr_db', 'cosine', 'max_abs_err'):
        close(p.get(k), e[k], name + ' ' + k)
    if p.get('unpermuted', False) != e.get('unpermuted', False):
        print('FAIL unpermuted', name); ok = False
if len(got['pairs']) != len(exp['pairs']):
    print('FAIL pair count', len(got['pairs'])); ok = False
s = [math.inf if p.get('sqnr_db') is None else p['sqnr_db'] for p in got['pairs']]
if s != sorted(s):
    print('FAIL not sorted by sqnr_db', s); ok = False
if 'totals' in exp:
    for k in ('count', 'mse', 'sqnr_db', 'right_bpw'):
        close(got['totals'][k], exp['totals'][k], 'totals ' + k)
    if got['permutation_undone'] != len(exp['undone']):
        print('FAIL permutation_undone', got['permutation_undone']); ok = False
for side in ('unmatched_left', 'unmatched_right'):
    if side in exp and got[side] != exp[side]:
        print('FAIL', side, got[side]); ok = False
sys.exit(0 if ok else 1)
PY
}

# 1. the GGUF form
$APOTVIEW --compare --format=json "$D/orig.safetensors" "$D/q.gguf" > "$T/q.json"
[ $? -eq 0 ] || bad "q.gguf: exit status"
check "$D/q.gguf" q.gguf "$T/q.json"
$APOTVIEW --compare "$D/orig.safetensors" "$D/q.gguf" > "$T/q.txt" || bad "table: exit status"
grep -q "q/k row permutation (arch llama, head_count 4, head_count_kv 2) was undone for 4 tensors" "$T/q.txt" ||
  bad "table does not say the permutation was undone"
grep -q "unmatched in .*orig.safetensors: model.layers.0.self_attn.rotary_emb.inv_freq" "$T/q.txt" || bad "table: unmatched left"
grep -q "unmatched in .*q.gguf: rope_freqs.weight" "$T/q.txt" || bad "table: unmatched right"
$APOTVIEW --compare --format=csv "$D/orig.safetensors" "$D/q.gguf" > "$T/q.csv" || bad "csv: exit status"
python3 - "$T/q.csv" "$T/q.json" <<'PY' || bad "csv differs from json"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
js = json.load(open(sys.argv[2]))
pairs = [r for r in rows if r['kind'] == 'pair']
assert [r['left'] for r in pairs] == [p['left'] for p in js['pairs']]
for r, p in zip(pairs, js['pairs']):
    for k in ('mse', 'cosine', 'max_abs_err'):
        assert float(r[k]) == p[k], (k, r, p)
assert [r['left'] for r in rows if r['kind'] == 'unmatched_left'] == js['unmatched_left']
assert [r['right'] for r in rows if r['kind'] == 'unmatched_right'] == js['unmatched_right']
assert int([r for r in rows if r['kind'] == 'total'][0]['count']) == js['totals']['count']
PY

# 1b. best_at_same_bpw: within the budget; for the Q4_0 and Q8_0 pairs no
#     worse than the file's own quantizer (q4_0 and q8_0 are candidates,
#     and the generator encoded them by ggml's reference: an independent
#     bound); and each one's mse is what --report prints for that
#     quantizer on the original tensor
python3 - "$T/q.json" <<'PY' || bad "best_at_same_bpw bound"
import json, sys
d = json.load(open(sys.argv[1]))
for p in d['pairs']:
    b = p.get('best_at_same_bpw')
    assert b, ('no best', p['left'])
    assert b['bpw'] <= p['right_bpw'] + 1e-12, p
    if p['right_dtype'] in ('q4_0', 'q8_0'):
        assert b['mse'] <= p['mse'] * (1 + 1e-9), p
PY
python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["pairs"]:
    b = p["best_at_same_bpw"]
    g = "" if b["scheme"] in ("q4_0", "q8_0", "mxfp4") else "--granularity=" + b["granularity"]
    print(p["left"], b["scheme"], b["bits"], g or "-", repr(b["mse"]))
' "$T/q.json" > "$T/best.txt"
while read -r name scheme bits gran mse; do
  [ "$gran" = - ] && gran=""
  got=$($APOTVIEW --report --format=json -s "$scheme" -b "$bits" $gran "$D/orig.safetensors:$name" |
        python3 -c 'import json, sys; print(repr(json.load(sys.stdin)["tensors"][0]["results"][0]["mse"]))')
  [ "$got" = "$mse" ] || bad "best_at_same_bpw of $name: $scheme $bits $gran mse $mse, --report says $got"
done < "$T/best.txt"
$APOTVIEW --compare --no-best --format=json "$D/orig.safetensors" "$D/q.gguf" | grep -q best_at_same_bpw &&
  bad "--no-best still computes best_at_same_bpw"

# 2. a float form under the same names
$APOTVIEW --compare --format=json "$D/orig.safetensors" "$D/f16.safetensors" > "$T/f16.json" || bad "f16: exit status"
check "$D/f16.safetensors" f16.safetensors "$T/f16.json"

# 2b. MoE: the per-expert Hugging Face tensors against GGUF's stacked ones
$APOTVIEW --compare --format=json "$D/moe.safetensors" "$D/moe.gguf" > "$T/moe.json" || bad "moe: exit status"
check "$D/moe.gguf" moe.gguf "$T/moe.json"
$APOTVIEW --compare --no-best --format=json "$D/moe_missing.safetensors" "$D/moe.gguf" > "$T/mm.json" 2> "$T/mm.err"
[ $? -eq 1 ] || bad "moe_missing: exit status not 1"
grep -q "^apotview: .*moe.gguf: blk.0.ffn_down_exps.weight: expert 1 of 2 is missing from .*moe_missing.safetensors" "$T/mm.err" ||
  bad "moe_missing: message: $(cat "$T/mm.err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sum("mse" in p for p in d["pairs"]) == 3 and sum("error" in p for p in d["pairs"]) == 1, d
' "$T/mm.json" || bad "moe_missing: json"

# 2c. AWQ: the logical tensors under the module names ([in, out] storage)
$APOTVIEW --compare --no-best --format=json "$D/orig.safetensors" "$D/awq/model.safetensors" > "$T/awq.json" ||
  bad "awq: exit status"
check "$D/awq/model.safetensors" awq "$T/awq.json"

# 2d. -t selects the original's tensors; a sharded model (a directory)
#     against itself: every pair exact
$APOTVIEW --compare --no-best --format=json -t 'model.layers.0.*' "$D/orig.safetensors" "$D/q.gguf" > "$T/t.json" ||
  bad "-t: exit status"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["pairs"]) == 9 and all(p["left"].startswith("model.layers.0.") for p in d["pairs"]), d["pairs"]
assert d["unmatched_left"] == ["model.layers.0.self_attn.rotary_emb.inv_freq"] and d["unmatched_right"] == [], d
' "$T/t.json" || bad "-t: json"
S="$abs_top_srcdir/tests/data/io/sharded"
$APOTVIEW --compare --no-best --format=json "$S" "$S" > "$T/sh.json" || bad "sharded: exit status"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["pairs"]) == 3 and all(p["mse"] == 0 and p["max_abs_err"] == 0 for p in d["pairs"]), d
assert d["totals"]["count"] == 300 and not d["unmatched_left"] and not d["unmatched_right"], d
' "$T/sh.json" || bad "sharded: json"

# 3. broken quantized sides
$APOTVIEW --compare --format=json "$D/orig.safetensors" "$D/mismatch.gguf" > "$T/mis.json" 2> "$T/mis.err"
[ $? -eq 1 ] || bad "mismatch: exit status not 1"
grep -q "^apotview: shape mismatch: .*orig.safetensors: model.layers.1.mlp.down_proj.weight \[32, 64\] against .*mismatch.gguf: blk.1.ffn_down.weight \[64, 32\]" "$T/mis.err" ||
  bad "mismatch: message: $(cat "$T/mis.err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
err = [p for p in d["pairs"] if "error" in p]
assert len(err) == 1 and err[0]["left"] == "model.layers.1.mlp.down_proj.weight" and "mse" not in err[0], err
assert len(d["pairs"]) == 21 and d["pairs"][-1] is err[0]
' "$T/mis.json" || bad "mismatch: json"
$APOTVIEW --compare --format=json "$D/orig.safetensors" "$D/badtype.gguf" > "$T/bt.json" 2> "$T/bt.err"
[ $? -eq 1 ] || bad "badtype: exit status not 1"
grep -q "^apotview: .*badtype.gguf: blk.0.attn_v.weight: " "$T/bt.err" || bad "badtype: message: $(cat "$T/bt.err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ok = [p for p in d["pairs"] if "mse" in p]
err = [p for p in d["pairs"] if "error" in p]
assert len(ok) == 20 and len(err) == 1 and err[0]["right"] == "blk.0.attn_v.weight", d
' "$T/bt.json" || bad "badtype: json"
$APOTVIEW --compare "$D/orig.safetensors" "$D/cut.gguf" > /dev/null 2> "$T/cut.err"
[ $? -eq 1 ] || bad "cut: exit status not 1"
grep -q "^apotview: .*cut.gguf: .*past the end" "$T/cut.err" || bad "cut: message: $(cat "$T/cut.err")"
$APOTVIEW --compare "$D/orig.safetensors" > /dev/null 2>&1
[ $? -eq 2 ] || bad "one file: not a usage error"
# --compare --report: the compare's table (on a terminal --compare alone
# opens the viewer on the pairs); the same output as --compare in a pipe
$APOTVIEW --compare --report --no-best "$D/orig.safetensors" "$D/q.gguf" > "$T/cr.out" 2>&1 ||
    bad "--compare --report: exit $?"
$APOTVIEW --compare --no-best "$D/orig.safetensors" "$D/q.gguf" > "$T/c.out" 2>&1
cmp -s "$T/cr.out" "$T/c.out" && grep -q 'blk.1.ffn_gate.weight' "$T/cr.out" ||
    bad "--compare --report: not the compare's table"

[ $fails -eq 0 ] || exit 1
exit 0
