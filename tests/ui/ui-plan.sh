#!/bin/sh
# ui-plan.sh - a plan opens in the viewer as its list (issue 15 part 4):
# apotview --plan=BPW MODEL on a terminal shows one row per planned tensor
# with its chosen scheme, bits, granularity, bpw and mse, the largest mse
# first; the rows equal the plan JSON's tensors (checked in python from
# the JSON, not the viewer's code); Enter shows the tensor with its chosen
# quantizer. In tmux at 120x40 and 60x20 (at 60 columns the name column
# narrows; the plan columns stay).
command -v tmux >/dev/null 2>&1 || { echo "tmux not found"; exit 1; }
TAG=uip
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
: "${abs_top_srcdir:?}"
PY=/usr/bin/python3
M="$abs_top_srcdir/tests/data/plan/plan6.safetensors"
S=ui
bad() { fail "$@"; }
$APOTVIEW --plan=4.5 --format=json "$M" > "$T/p.json" || { echo "FAIL: plan"; exit 1; }
# a pipe prints the table as before
$APOTVIEW --plan=4.5 "$M" > "$T/table" && grep -q "bpw" "$T/table" || bad "pipe: no table"
$APOTVIEW --plan=4.5 --report "$M" > "$T/table2" && grep -v "hull; [0-9.]* s)" "$T/table" > "$T/t1" &&
    grep -v "hull; [0-9.]* s)" "$T/table2" | cmp -s "$T/t1" - || bad "--report: not the table"
# bpw_sorted SCREEN: the screen's plan rows are the JSON's tensors in bpw order
bpw_sorted() {
    $PY - "$T/p.json" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
bpw = [float(ln.split()[-2]) for ln in open(sys.argv[2]) if len(ln.split()) >= 6 and ln.split()[-4].isdigit()]
want = sorted(t['bpw'] for t in p['tensors'])
sys.exit(0 if len(bpw) == len(want) and all(abs(a - b) <= 5e-4 * b for a, b in zip(bpw, want)) else 1)
PY
}
for size in 120x40 60x20; do
    w=${size%x*} h=${size#*x}
    next_server
    TM new-session -d -s $S -x "$w" -y "$h" "TERM=xterm-256color $APOTVIEW --plan=4.5 $M; sleep 60"
    wait_for "tensors planned" || bad "$size: no list"
    TM capture-pane -p -t $S > "$T/list.$w"
    $PY - "$T/p.json" "$T/list.$w" <<'PY' || bad "$size: list rows: $(cat "$T/list.$w")"
import json, sys
p = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split('\n')
want = sorted(p['tensors'], key=lambda t: -t['mse'])
rows = []
for ln in lines:
    f = ln.split()
    # a row: the plan columns are the last five fields
    if len(f) >= 6 and f[-5] in ('uniform', 'apot', 'int-asym', 'q4_0', 'q8_0', 'mxfp4') and f[-4].isdigit():
        rows.append(f[-5:])
if len(rows) != len(want):
    print('%d rows, the plan has %d tensors' % (len(rows), len(want))); sys.exit(1)
for r, t in zip(rows, want):
    if r[0] != t['scheme'] or int(r[1]) != t['bits'] or r[2] != t['granularity'] \
            or abs(float(r[3]) - t['bpw']) > 5e-4 * t['bpw'] or abs(float(r[4]) - t['mse']) > 5e-4 * t['mse']:
        print('row %s, the plan %s' % (r, (t['scheme'], t['bits'], t['granularity'], t['bpw'], t['mse']))); sys.exit(1)
if not any('%.4g bpw' % p['bpw'] in ln for ln in lines):
    print('no total bpw'); sys.exit(1)
PY
    # Enter: the first (largest mse) tensor's histogram with its chosen quantizer
    first=$($PY -c 'import json,sys; t=sorted(json.load(open(sys.argv[1]))["tensors"], key=lambda t: -t["mse"])[0]; print(t["name"], t["scheme"], t["bits"], t["granularity"])' "$T/p.json")
    set -- $first
    TM send-keys -t $S Enter
    wait_for "plan: $2 $3-bit $4" || true
    wait_for '^mse +[0-9]' || true   # the group engine's numbers (computed after the screen)
    TM capture-pane -p -t $S > "$T/main.$w"
    grep -q "plan: $2 $3-bit $4" "$T/main.$w" || bad "$size: Enter: no 'plan: $2 $3-bit $4': $(cat "$T/main.$w")"
    [ "$w" = 60 ] || grep -q "$1" "$T/main.$w" || bad "$size: Enter: not $1"
    # the viewer's own mse of that tensor at that setting (its engine) is the plan's
    $PY - "$T/p.json" "$T/main.$w" "$1" <<'PY' || bad "$size: Enter: the viewer's mse is not the plan's"
import json, re, sys
t = [t for t in json.load(open(sys.argv[1]))['tensors'] if t['name'] == sys.argv[3]][0]
m = [float(x) for x in re.findall(r'^mse +([0-9.e+-]+)', open(sys.argv[2]).read(), re.M)]
ok = bool(m) and abs(m[0] - t['mse']) <= 1e-3 * t['mse']
print('viewer mse %s, plan %s' % (m, t['mse']))
sys.exit(0 if ok else 1)
PY
    # j (back in the list): the next row's choice
    second=$($PY -c 'import json,sys; t=sorted(json.load(open(sys.argv[1]))["tensors"], key=lambda t: -t["mse"])[1]; print(t["scheme"], t["bits"], t["granularity"])' "$T/p.json")
    set -- $second
    TM send-keys -t $S t
    wait_for "tensors planned" || true
    TM send-keys -t $S j
    wait_for "plan: $1 $2-bit $3" || true
    TM capture-pane -p -t $S > "$T/j.$w"
    grep -q "plan: $1 $2-bit $3" "$T/j.$w" || bad "$size: j: no 'plan: $1 $2-bit $3': $(cat "$T/j.$w")"
    # S: file order, name, count, then the plan's bpw (lowest first)
    TM send-keys -t $S S S S S
    # poll until the rows are in bpw order (or the timeout): the check below says which
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        TM capture-pane -p -t $S > "$T/s.$w"
        bpw_sorted "$T/s.$w" && break
        [ "$(date +%s)" -ge "$end" ] && break
        sleep 0.1
    done
    [ "$w" = 60 ] || grep -q "sorted by the plan's bpw" "$T/s.$w" || bad "$size: S: not sorted by bpw: $(head -1 "$T/s.$w")"
    bpw_sorted "$T/s.$w" || bad "$size: S: rows not in bpw order"
    TM send-keys -t $S q
    echo "ok: $size"
done
[ $fails -eq 0 ] || exit 1
exit 0
