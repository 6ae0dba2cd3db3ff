#!/bin/sh
# plan-cli.sh - --imatrix and --plan through the real binary, against
# tests/lib/gen_plan_fixtures.py's own numbers (tests/data/plan/expected.json)
# and a brute-force knapsack written here:
#  1. --compare orig.safetensors q.gguf --imatrix (GGUF form and legacy
#     .dat form): every pair's weighted_mse to 1e-9 relative of the
#     generator's sum_ij a_j (w - q)^2 / (rows sum a); the pairs without an
#     imatrix entry (blk.1.ffn_down, token_embd, norms) carry none and say
#     so (JSON note, table text); totals count-weighted; CSV = JSON;
#     stacked MoE experts (imatrix_moe.gguf: a row and a count per expert,
#     one count 0) against the generator, in --compare (stacked pairs) and
#     --plan (each Hugging Face expert its row);
#  2. bad imatrix files: cut short (both forms: the file and the offset
#     named), an entry one column too long (the tensor named), in_sum2
#     without counts, a missing file: exit 1;
#  3. --plan on plan6.safetensors (6 tensors + a 1-D norm, kept) at
#     several budgets, exact (dp) and hull: the plan's error equals the
#     least error of ALL combinations of the tensors' options within the
#     budget (brute force, numpy); the hull plan's error is at least the
#     brute-force optimum, the LP bound at most; when on the hull it is
#     the brute-force optimum for
#     the bits it uses; best_single is the brute-force best single
#     quantizer; the frontier is monotone;
#  4. the q8_0, q4_0 and mxfp4 options' mse and (with imatrix6.gguf)
#     weighted_mse equal the generator's reference quantizers; a tensor
#     without an entry has no weighted_mse; with an all-ones imatrix every
#     option's weighted_mse equals its mse (also per tensor and nf4);
#  5. --plan-schemes=gguf: the llama-quantize --tensor-type arguments with
#     the generator's GGUF names; table and CSV; usage errors;
#  6. --report --imatrix: per tensor, the weighted_mse of each scheme at the
#     alpha the report chose, quantized here with the test's own nearest
#     level; group:32 --alpha=max with the test's own fp16 scales; q8_0,
#     q4_0, mxfp4 the generator's; notes for no entry and -n.
set -u
D="$abs_top_srcdir/tests/data/plan"
C="$abs_top_srcdir/tests/data/compare"
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-plan.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
$PY -c 'import numpy' 2>/dev/null || { echo "plan-cli.sh: /usr/bin/python3 with numpy is needed" >&2; exit 1; }

# ---- 1. weighted_mse in --compare ----------------------------------------
for form in gguf dat; do
    $APOTVIEW --compare --no-best --format=json --imatrix="$D/imatrix.$form" "$C/orig.safetensors" "$C/q.gguf" \
        > "$T/c.$form.json" || bad "compare $form: exit status"
    $PY - "$D/expected.json" "$T/c.$form.json" "$form" <<'PY' || bad "compare $form: weighted_mse"
import json, sys
e = json.load(open(sys.argv[1]))['compare']; d = json.load(open(sys.argv[2])); form = sys.argv[3]
n = 0; s = 0.0; c = 0
for p in d['pairs']:
    x = e.get(p['left'], 'absent')
    if x == 'absent':
        assert 'weighted_mse' not in p, p          # 1-D: never in an imatrix
        continue
    if x is None:
        assert 'weighted_mse' not in p and p['weighted_mse_note'] == 'no imatrix entry', p
        continue
    assert abs(p['weighted_mse'] - x[form]) <= 1e-9 * x[form], (p['left'], p['weighted_mse'], x[form])
    n += 1; s += p['weighted_mse'] * p['count']; c += p['count']
assert n == 14, n
assert d['totals']['weighted_pairs'] == 14
assert abs(d['totals']['weighted_mse'] - s / c) <= 1e-12 * s / c
assert d['imatrix_form'] == form
PY
done
$APOTVIEW --compare --no-best --imatrix="$D/imatrix.gguf" "$C/orig.safetensors" "$C/q.gguf" > "$T/c.txt" \
    || bad "compare table: exit status"
grep -q "blk.1.ffn_down.weight (no imatrix entry: no weighted_mse)" "$T/c.txt" || bad "table: no-entry note"
grep -q "weighted_mse for 14 of 21 pairs" "$T/c.txt" || bad "table: imatrix line"
$APOTVIEW --compare --no-best --format=csv --imatrix="$D/imatrix.gguf" "$C/orig.safetensors" "$C/q.gguf" \
    > "$T/c.csv" || bad "compare csv: exit status"
$PY - "$T/c.csv" "$T/c.gguf.json" <<'PY' || bad "compare csv differs from json"
import csv, json, sys
rows = {r['left']: r for r in csv.DictReader(open(sys.argv[1])) if r['kind'] == 'pair'}
for p in json.load(open(sys.argv[2]))['pairs']:
    w = rows[p['left']]['weighted_mse']
    assert (w == '') == ('weighted_mse' not in p), p['left']
    if w:
        assert abs(float(w) - p['weighted_mse']) <= 1e-15 * p['weighted_mse'], p['left']
PY

# stacked MoE experts: one in_sum2 row and count per expert (one with count 0)
$APOTVIEW --compare --no-best --format=json --imatrix="$D/imatrix_moe.gguf" "$C/moe.safetensors" "$C/moe.gguf" \
    > "$T/moe.json" || bad "moe compare: exit status"
$APOTVIEW --plan=8.5 --plan-schemes=q8_0 --format=json --imatrix="$D/imatrix_moe.gguf" "$C/moe.safetensors" \
    > "$T/moep.json" || bad "moe plan: exit status"
$PY - "$D/expected.json" "$T/moe.json" "$T/moep.json" <<'PY' || bad "moe: weighted_mse per expert"
import json, sys
e = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2])); p = json.load(open(sys.argv[3]))
n = 0
for q in d['pairs']:
    if q['left'] in e['moe']:
        x = e['moe'][q['left']]
        assert abs(q['weighted_mse'] - x) <= 1e-9 * x, (q, x); n += 1
    else:
        assert q['weighted_mse_note'] == 'no imatrix entry', q
assert n == 3, n
n = 0
for t in p['tensors']:
    if t['name'] in e['moe_plan_q8_0']:
        x = e['moe_plan_q8_0'][t['name']]
        assert abs(t['weighted_mse'] - x) <= 1e-9 * x, (t['name'], t['weighted_mse'], x); n += 1
assert n == 6, n
# per-expert tensors have no llama-quantize type of their own (GGUF stacks them)
assert p['llama_quantize_args'] == ['--tensor-type', 'blk.0.ffn_gate_inp.weight=q8_0'], p['llama_quantize_args']
PY

# ---- 2. bad imatrix files ----------------------------------------------------
run_bad() { # $1 file, $2 pattern of the message
    $APOTVIEW --compare --no-best --imatrix="$D/$1" "$C/orig.safetensors" "$C/q.gguf" > /dev/null 2> "$T/e"
    rc=$?
    [ $rc -eq 1 ] || bad "$1: exit status $rc, not 1"
    grep -q "$2" "$T/e" || bad "$1: message: $(cat "$T/e")"
}
run_bad cut.gguf "^apotview: .*cut.gguf: .*past the end"
run_bad cut.dat "^apotview: .*cut.dat: blk.0.ffn_up.weight: cut short at offset [0-9]"
run_bad wronglen.gguf "^apotview: .*wronglen.gguf: blk.0.attn_q.weight: .*33 values.*32 input columns"
run_bad nocounts.gguf "^apotview: .*nocounts.gguf: blk.0.attn_v.weight.in_sum2 has no blk.0.attn_v.weight.counts"
run_bad does-not-exist.dat "^apotview: .*does-not-exist.dat"
$APOTVIEW --plan=4 --imatrix="$D/cut.dat" "$D/plan6.safetensors" > /dev/null 2> "$T/e"
[ $? -eq 1 ] || bad "plan with a cut imatrix: exit status"
$APOTVIEW --plan=4 --imatrix="$D/imatrix.dat" "$D/plan6.safetensors" > /dev/null 2> "$T/e"
[ $? -eq 1 ] || bad "plan with another model's imatrix: exit status"
grep -q "^apotview: .*imatrix.dat: model.layers.1.self_attn.k_proj.weight: entry blk.1.attn_k.weight has 32 values, the tensor 128 input columns" \
    "$T/e" || bad "plan with another model's imatrix: message $(cat "$T/e")"
# the same plan on one thread and on all (tensors evaluated in parallel)
for j in 1 4; do
    $APOTVIEW --plan=4.4 --jobs=$j --imatrix="$D/imatrix6.gguf" --format=json "$D/plan6.safetensors" \
        | sed 's/"seconds": [^,}]*//' > "$T/j$j.json" || bad "--jobs=$j: exit status"
done
cmp -s "$T/j1.json" "$T/j4.json" || bad "--plan: --jobs=1 and --jobs=4 differ"

# ---- 3. the planner against brute force --------------------------------------
cat > "$T/brute.py" <<'PY'
import itertools, json, math, sys
import numpy as np
d = json.load(open(sys.argv[1])); method = sys.argv[2]
ts = d['tensors']
assert len(ts) == 6 and [k['name'] for k in d['kept']] == ['model.layers.0.input_layernorm.weight']
count = sum(t['count'] for t in ts)
assert d['count'] == count
budget = math.floor(d['target_bpw'] * count + 1e-9)
assert d['budget_bits'] == budget
# every combination of the tensors' options (numpy outer sums)
C = np.zeros(1, np.int64); E = np.zeros(1)
for t in ts:
    c = np.array([o['bits_total'] for o in t['options']], np.int64)
    e = np.array([o['error'] for o in t['options']])
    for o in t['options']:  # the objective: count x (weighted_)mse
        m = o.get('weighted_mse', o['mse']) if 'weighted_mse' in t else o['mse']
        assert abs(o['error'] - t['count'] * m) <= 1e-12 * o['error'], o
        assert o['bits_total'] == round(o['bpw'] * t['count'])
    C = (C[:, None] + c[None, :]).ravel(); E = (E[:, None] + e[None, :]).ravel()
assert len(C) == np.prod([len(t['options']) for t in ts])
best = E[C <= budget].min()
chosen = [next(o for o in t['options'] if o['scheme'] == t['scheme'] and o['bits'] == t['bits']
               and o['granularity'] == t['granularity']) for t in ts]
err = sum(o['error'] for o in chosen); bits = sum(o['bits_total'] for o in chosen)
assert bits == d['bits_total'] and bits <= budget, (bits, budget)
assert abs(err - d['error']) <= 1e-12 * err
assert d['lp_bound'] <= best * (1 + 1e-12), (d['lp_bound'], best)
if method == 'dp':
    assert d['method'] == 'dp' and d['exact']
    assert abs(err - best) <= 1e-12 * best, (err, best)
else:
    assert d['method'] == 'hull' and not d['exact']
    assert err >= best * (1 - 1e-12)
    assert d['hull_error'] >= best * (1 - 1e-12)
if d['on_hull']:   # certified on the hull: optimal for the bits it uses
    own = E[C <= bits].min()
    assert abs(err - own) <= 1e-12 * own, (err, own)
    lam = d['lambda']  # and lambda certifies it: error + lambda bits is least
    L = E + lam * C
    assert err + lam * bits <= L.min() * (1 + 1e-12) + 1e-300, (err + lam * bits, L.min())
# the best single quantizer, by brute force over the keys all tensors have
keys = None
for t in ts:
    k = {(o['scheme'], o['bits'], o['granularity']): o for o in t['options']}
    keys = set(k) if keys is None else keys & set(k)
single = []
for key in keys:
    os_ = [next(o for o in t['options'] if (o['scheme'], o['bits'], o['granularity']) == key) for t in ts]
    single.append((sum(o['error'] for o in os_), sum(o['bits_total'] for o in os_), key))
fit = [s for s in single if s[1] <= budget]
assert len(d['frontier']['single']) == len(single)
if fit:
    s = min(fit)
    b = d['best_single']
    assert (b['scheme'], b['bits'], b['granularity']) == s[2] or abs(b['error'] - s[0]) <= 1e-12 * s[0]
    assert abs(b['error'] - s[0]) <= 1e-12 * s[0]
    assert abs(d['gain_db'] - 10 * math.log10(s[0] / err)) <= 1e-9
    assert err <= s[0] * (1 + 1e-12)   # never worse than one quantizer for all
else:
    assert 'best_single' not in d
# the frontier: bpw up, mse down
hp = d['frontier']['hull_path']
assert all(hp[i]['bpw'] <= hp[i + 1]['bpw'] + 1e-12 for i in range(len(hp) - 1))
assert all(hp[i]['error'] >= hp[i + 1]['error'] for i in range(len(hp) - 1))
# the path's ends: every tensor's cheapest option, and its least error
assert abs(hp[0]['bpw'] * count - sum(min(o['bits_total'] for o in t['options']) for t in ts)) < 1e-6
assert abs(hp[-1]['error'] - sum(min(o['error'] for o in t['options']) for t in ts)) <= 1e-9 * hp[-1]['error']
assert abs(d['frontier']['chosen']['error'] - err) <= 1e-12 * err
assert abs(d['frontier']['chosen']['bpw'] - d['bpw']) <= 1e-15
# each option flagged on the hull is on its tensor's lower convex hull
for t in ts:
    pts = sorted((o['bits_total'], o['error']) for o in t['options'])
    for o in t['options']:
        if not o['on_hull']:
            continue
        x, y = o['bits_total'], o['error']
        assert not any(p[0] <= x and p[1] < y and p != (x, y) for p in pts)  # not dominated
        for a in pts:      # no chord between two others passes below it
            for b2 in pts:
                if a[0] < x < b2[0]:
                    yl = a[1] + (b2[1] - a[1]) * (x - a[0]) / (b2[0] - a[0])
                    assert y <= yl * (1 + 1e-12), (t['name'], o, a, b2)
print('ok', method, d['target_bpw'], err, best, d['on_hull'])
PY
S="q4_0,q8_0,mxfp4,uniform@group:32"
for b in 2.6 3.2 4.3 4.5 5.1 6.7 8.5; do
    for m in dp hull; do
        $APOTVIEW --plan=$b --plan-schemes=$S --plan-method=$m --format=json "$D/plan6.safetensors" > "$T/p.json" \
            || bad "plan $b $m: exit status"
        $PY "$T/brute.py" "$T/p.json" $m > /dev/null || bad "plan $b $m: against brute force"
    done
done
# weighted (imatrix6: blk.1.ffn_down has no entry)
for b in 3.3 4.6; do
    for m in dp hull; do
        $APOTVIEW --plan=$b --plan-schemes=$S --plan-method=$m --imatrix="$D/imatrix6.gguf" --format=json \
            "$D/plan6.safetensors" > "$T/pw.json" || bad "weighted plan $b $m: exit status"
        $PY "$T/brute.py" "$T/pw.json" $m > /dev/null || bad "weighted plan $b $m: against brute force"
    done
done

# ---- 4. the options' numbers ---------------------------------------------------
$PY - "$D/expected.json" "$T/pw.json" <<'PY' || bad "plan: fixed formats against the generator"
import json, sys
e = json.load(open(sys.argv[1]))['plan6']; d = json.load(open(sys.argv[2]))
seen = 0
for t in d['tensors']:
    x = e[t['name']]
    assert t['gguf_name'] == x['gguf_name']
    if not x['has_imatrix']:
        assert 'weighted_mse' not in t and t['weighted_mse_note'] == 'no imatrix entry'
    for o in t['options']:
        if o['scheme'] not in x:
            continue
        ref = x[o['scheme']]
        assert abs(o['mse'] - ref['mse']) <= 1e-9 * ref['mse'], (t['name'], o, ref)
        if x['has_imatrix']:
            assert abs(o['weighted_mse'] - ref['weighted_mse']) <= 1e-9 * ref['weighted_mse'], (t['name'], o, ref)
        else:
            assert 'weighted_mse' not in o
        seen += 1
assert seen == 18, seen
PY
$APOTVIEW --plan=4 --imatrix="$D/ones6.dat" --format=json --plan-method=hull \
    --plan-schemes=uniform,pot,apot,int-asym,nf4@group:64,q4_0,q8_0,mxfp4,uniform@tensor,apot@tensor \
    "$D/plan6.safetensors" > "$T/po.json" || bad "ones: exit status"
$PY - "$T/po.json" <<'PY' || bad "ones imatrix: weighted_mse is not the mse"
import json, sys
d = json.load(open(sys.argv[1])); n = 0
for t in d['tensors']:
    for o in t['options']:
        assert abs(o['weighted_mse'] - o['mse']) <= 1e-9 * o['mse'], (t['name'], o)
        n += 1
assert n >= 6 * 60, n
assert {o['granularity'] for o in d['tensors'][0]['options']} >= {'tensor', 'group:32', 'group:64', 'group:128'}
PY

# ---- 5. llama-quantize, table, CSV, usage -------------------------------------------
$APOTVIEW --plan=5 --plan-schemes=gguf --format=json "$D/plan6.safetensors" > "$T/g.json" || bad "gguf: exit"
$PY - "$T/g.json" "$D/expected.json" <<'PY' || bad "gguf: llama-quantize arguments"
import json, sys
d = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))['plan6']
want = []
for t in d['tensors']:
    assert t['scheme'] in ('q4_0', 'q8_0', 'mxfp4') and t['llama_type'] == t['scheme']
    want += ['--tensor-type', '%s=%s' % (e[t['name']]['gguf_name'], t['scheme'])]
assert d['llama_quantize_args'] == want, (d['llama_quantize_args'], want)
assert len({t['scheme'] for t in d['tensors']}) > 1     # a real mix at 5 bpw
PY
$APOTVIEW --plan=5 --plan-schemes=gguf "$D/plan6.safetensors" > "$T/g.txt" || bad "gguf table: exit"
grep -q "^llama-quantize (6 tensors" "$T/g.txt" || bad "table: llama-quantize line"
grep -q -- "--tensor-type blk.0.attn_q.weight=" "$T/g.txt" || bad "table: --tensor-type"
grep -q "^best single quantizer at the budget: q4_0" "$T/g.txt" || bad "table: best single"
grep -q "model.layers.0.input_layernorm.weight .*fewer than 2 dimensions" "$T/g.txt" || bad "table: kept"
$APOTVIEW --plan=5 --plan-schemes=gguf --format=csv "$D/plan6.safetensors" > "$T/g.csv" || bad "csv: exit"
$PY - "$T/g.csv" "$T/g.json" <<'PY' || bad "plan csv differs from json"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1]))); d = json.load(open(sys.argv[2]))
ch = {r['tensor']: r for r in rows if r['kind'] == 'choice'}
assert len(ch) == 6 and sum(r['kind'] == 'kept' for r in rows) == 1
for t in d['tensors']:
    assert ch[t['name']]['scheme'] == t['scheme'] and float(ch[t['name']]['mse']) == t['mse']
tot = [r for r in rows if r['kind'] == 'total'][0]
assert float(tot['bpw']) == d['bpw']
PY
$APOTVIEW --plan=1 "$D/plan6.safetensors" > /dev/null 2> "$T/e"
[ $? -eq 1 ] || bad "--plan=1: exit status not 1"
grep -q "below the smallest plan" "$T/e" || bad "--plan=1: message $(cat "$T/e")"
for args in "--plan=x $D/plan6.safetensors" "--plan=4" "--plan=4 $D/plan6.safetensors $D/plan6.safetensors" \
    "--plan=4 --plan-schemes=bogus $D/plan6.safetensors" "--plan=4 --plan-schemes=uniform@row $D/plan6.safetensors" \
    "--plan-schemes=q4_0 --report $D/plan6.safetensors" "--plan=4 --plan-method=best $D/plan6.safetensors" \
    "--imatrix=$D/imatrix6.gguf --levels"; do
    # shellcheck disable=SC2086
    $APOTVIEW $args > /dev/null 2>&1
    [ $? -eq 2 ] || bad "not a usage error: $args"
done

# ---- 6. --report --imatrix -------------------------------------------------------
# per tensor: the test quantizes with the reported alpha and its own level
# sets (uniform j / 7; pot and apot from --levels); group:32 --alpha=max:
# its own fp16 scales; q8_0 / q4_0 / mxfp4: the generator's numbers
cat > "$T/rep.py" <<'PY'
import json, struct, sys
import numpy as np
d = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2])); mode = sys.argv[4]
lv = {l['scheme']: np.array(l['values']) for l in json.load(open(sys.argv[5]))['levels']} if len(sys.argv) > 5 else {}
b = open(sys.argv[3], 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
W = {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], '<f4').reshape(v['shape'])
     .astype(np.float64) for k, v in h.items() if k != '__metadata__'}
def nearest(u, v):   # ties to the lower level
    mid = (v[1:] + v[:-1]) / 2
    return v[np.searchsorted(mid, u, side='left')]
seen = 0
for t in d['tensors']:
    name = t['name']; w = W[name]
    x = e['plan6'].get(name)
    if x is None or not x['has_imatrix']:
        assert t['weighted_mse_note'] == 'no imatrix entry', t
        assert all('weighted_mse' not in r for r in t['results'])
        continue
    a = np.array(e['a6'][x['gguf_name']])
    for r in t['results']:
        if mode == 'fixed':
            ref = x[r['scheme']]['weighted_mse']
        else:
            if mode == 'tensor':
                al = r['alpha']
                q = al * nearest(w / al, lv[r['scheme']])
            else:  # uniform group:32, alpha max, fp16 scales
                g = w.reshape(w.shape[0], -1, 32)
                s = (np.max(np.abs(g), axis=2, keepdims=True) / 7).astype(np.float16).astype(np.float64)
                q = (s * np.clip(np.ceil(g / s - 0.5), -7, 7)).reshape(w.shape)
            ref = float(np.sum(a[None, :] * (w - q) ** 2) / (w.shape[0] * a.sum()))
        assert abs(r['weighted_mse'] - ref) <= 1e-9 * ref, (name, r['scheme'], r['weighted_mse'], ref)
        seen += 1
assert seen >= 5, seen
PY
$APOTVIEW --levels --format=json -b 4 > "$T/lv.json" || bad "levels"
$APOTVIEW --report --format=json --imatrix="$D/imatrix6.gguf" "$D/plan6.safetensors" > "$T/r.json" \
    || bad "report: exit status"
$PY "$T/rep.py" "$T/r.json" "$D/expected.json" "$D/plan6.safetensors" tensor "$T/lv.json" || bad "report per tensor"
# another model's imatrix: the same GGUF names, other lengths: an error naming the tensor
$APOTVIEW --report --format=json --imatrix="$D/imatrix.dat" "$D/plan6.safetensors" > "$T/r0.json" 2> "$T/e"
[ $? -eq 1 ] || bad "report, other model's imatrix: exit status"
grep -q "^apotview: .*imatrix.dat: model.layers.0.self_attn.q_proj.weight: entry blk.0.attn_q.weight has 32 values, the tensor 128 input columns" \
    "$T/e" || bad "report, other model's imatrix: message $(cat "$T/e")"
$APOTVIEW --report --format=json --imatrix="$D/imatrix6.gguf" -s uniform -a max --granularity=group:32 \
    "$D/plan6.safetensors" > "$T/rg.json" || bad "report group: exit status"
$PY "$T/rep.py" "$T/rg.json" "$D/expected.json" "$D/plan6.safetensors" group || bad "report group:32 max"
for sch in q8_0 q4_0 mxfp4; do
    bits=4; [ $sch = q8_0 ] && bits=8
    $APOTVIEW --report --format=json --imatrix="$D/imatrix6.gguf" -s $sch -b $bits "$D/plan6.safetensors" \
        > "$T/rf.json" || bad "report $sch: exit status"
    $PY "$T/rep.py" "$T/rf.json" "$D/expected.json" "$D/plan6.safetensors" fixed || bad "report $sch"
done
$APOTVIEW --report --imatrix="$D/imatrix6.gguf" "$D/plan6.safetensors" > "$T/r.txt" || bad "report table: exit"
grep -q "weighted_mse: no imatrix entry" "$T/r.txt" || bad "report table: no-entry note"
grep -q "^ *weighted_mse " "$T/r.txt" || bad "report table: weighted_mse row"
$APOTVIEW --report --format=csv --imatrix="$D/imatrix6.gguf" "$D/plan6.safetensors" 2>/dev/null | head -1 | grep -q ",weighted_mse$" \
    || bad "report csv: weighted_mse column"
$APOTVIEW --report --format=json -n --imatrix="$D/imatrix6.gguf" "$D/plan6.safetensors" > "$T/rn.json" || bad "-n: exit"
grep -q '"weighted_mse_note": "not with -n' "$T/rn.json" || bad "report -n: note"
$APOTVIEW --report --imatrix="$D/wronglen.gguf" "$C/orig.safetensors" > /dev/null 2> "$T/e"
[ $? -eq 1 ] || bad "report wronglen: exit status"

[ $fails -eq 0 ] || exit 1
exit 0
