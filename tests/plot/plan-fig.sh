#!/bin/sh
# plan-fig.sh - the plan figure (--plan=BPW MODEL --figure=plan --export=F,
# issue 15 part 5): the points it draws (its CSV companion) are the plan
# JSON's frontier and chosen plan, and every single quantizer's total,
# which the test computes itself from the JSON's options tables (each
# candidate applied to every tensor: sum of count * mse, or count *
# weighted_mse with --imatrix; bpw the count-weighted mean).
# Needs: APOTVIEW, abs_top_srcdir, gnuplot, /usr/bin/python3 with numpy.
: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
PY=/usr/bin/python3
D="$abs_top_srcdir/tests/data/plan"
T=$(mktemp -d /tmp/apotview-plan-fig.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
cat > "$T/chk.py" <<'PYEOF'
import csv, json, sys
plan, figcsv = json.load(open(sys.argv[1])), list(csv.DictReader(open(sys.argv[2])))
weighted = plan['objective'] == 'weighted_mse'
def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
bad = []
fr = [(float(r['x']), float(r['y'])) for r in figcsv if r['series'] == 'frontier']
hp = [(p['bpw'], p['error']) for p in plan['frontier']['hull_path']]
if len(fr) != len(hp) or not all(close(a[0], b[0]) and close(a[1], b[1]) for a, b in zip(fr, hp)):
    bad.append('frontier: %d points drawn, the JSON has %d (or they differ)' % (len(fr), len(hp)))
# the frontier is a convex decreasing path: each step saves error per bit at no
# better rate than the one before
for (x0, y0), (x1, y1), (x2, y2) in zip(hp, hp[1:], hp[2:]):
    if not (x1 > x0 and x2 > x1 and y1 <= y0 and (y0 - y1) / (x1 - x0) >= (y1 - y2) / (x2 - x1) * (1 - 1e-9)):
        bad.append('frontier not convex at %g' % x1)
ch = [(float(r['x']), float(r['y'])) for r in figcsv if r['series'] == 'chosen']
if len(ch) != 1 or not close(ch[0][0], plan['bpw']) or not close(ch[0][1], plan['error']):
    bad.append('chosen: %s, the JSON %s %s' % (ch, plan['bpw'], plan['error']))
# brute force: every candidate of the first tensor applied to all tensors
ts = plan['tensors']
n = sum(t['count'] for t in ts)
want = {}
for o in ts[0]['options']:
    key = (o['scheme'], o['bits'], o['granularity'])
    e = b = 0.0
    for t in ts:
        m = [p for p in t['options'] if (p['scheme'], p['bits'], p['granularity']) == key]
        if not m:
            break
        p = m[0]
        e += t['count'] * (p['weighted_mse'] if weighted and 'weighted_mse' in p else p['mse'])
        b += t['count'] * p['bpw']
    else:
        want[key] = (b / n, e)
got = {}
for r in figcsv:
    if r['series'] == 'error':
        got[(r['scheme'], int(r['bits']), r['tensor'])] = (float(r['x']), float(r['y']))
if set(got) != set(want):
    bad.append('single quantizers drawn %s, brute force %s' % (sorted(set(got) ^ set(want)), len(want)))
for k in want:
    if k in got and not (close(got[k][0], want[k][0], 1e-6) and close(got[k][1], want[k][1], 1e-9)):
        bad.append('single %s: drawn %s, brute force %s' % (k, got[k], want[k]))
if len(want) < 10:
    bad.append('only %d single quantizers' % len(want))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PYEOF
M="$D/plan6.safetensors"
for args in "--plan=4.5" "--plan=3.2 --plan-schemes=uniform,int-asym@tensor,q8_0" "--plan=4.4 --imatrix=$D/imatrix6.gguf"; do
    # shellcheck disable=SC2086
    $APOTVIEW $args --format=json "$M" > "$T/p.json" || { bad "$args: plan"; continue; }
    rm -f "$T/f.pdf"*
    # shellcheck disable=SC2086
    $APOTVIEW $args --figure=plan --export="$T/f.pdf" "$M" 2> "$T/e" || { bad "$args: export: $(cat "$T/e")"; continue; }
    [ -s "$T/f.pdf" ] && [ -s "$T/f.pdf.gp" ] || bad "$args: no pdf or .gp"
    grep -q "set logscale y" "$T/f.pdf.gp" || bad "$args: y axis not log"
    if $PY "$T/chk.py" "$T/p.json" "$T/f.pdf.csv" > "$T/o"; then echo "ok: $args: the drawn points are the plan's"; else bad "$args: $(cat "$T/o")"; fi
done
# --format=csv prints the same data; without --figure the plan is the figure
$APOTVIEW --plan=4.5 --export="$T/g.svg" --format=csv "$M" > "$T/g.csv" || bad "csv: exit"
$APOTVIEW --plan=4.5 --format=json "$M" > "$T/p.json"
$PY "$T/chk.py" "$T/p.json" "$T/g.csv" > "$T/o" || bad "csv on stdout: $(cat "$T/o")"
cmp -s "$T/g.csv" "$T/g.svg.csv" || bad "stdout csv differs from the companion"
# at 5x3.5 the compact layout: one grey key entry for the singles, the
# frontier and the plan; every point still drawn (the CSV check above
# holds for it too); at 8.5 cm every candidate scheme has its key entry
$APOTVIEW --plan=4.5 --size=5x3.5 --export="$T/c.pdf" "$M" 2> "$T/e" || bad "5x3.5: $(cat "$T/e")"
if command -v pdftotext > /dev/null 2>&1; then
    w=$(pdftotext "$T/c.pdf" - | tr -s ' \n' '\n\n')
    for x in singles frontier plan, bpw budget; do
        printf '%s\n' "$w" | grep -qx -- "$x" || bad "5x3.5: no '$x' in the figure"
    done
    ! printf '%s\n' "$w" | grep -qx "int-asym" || bad "5x3.5: a scheme's own key entry in the compact layout"
    $APOTVIEW --plan=4.5 --size=8.5 --export="$T/w.pdf" "$M" 2> /dev/null || bad "8.5: export"
    pdftotext "$T/w.pdf" - | tr -s ' \n' '\n\n' | grep -qx "int-asym" || bad "8.5: int-asym missing from the key"
fi
$PY "$T/chk.py" "$T/p.json" "$T/c.pdf.csv" > "$T/o" || bad "5x3.5 csv: $(cat "$T/o")"
# misuse: the plan figure without --plan, --plan with another figure, two files
$APOTVIEW --figure=plan --export="$T/h.pdf" "$M" 2> "$T/e"; [ $? -eq 2 ] && grep -q "needs --plan" "$T/e" || bad "no --plan: $(cat "$T/e")"
$APOTVIEW --plan=4 --figure=bits --export="$T/h.pdf" "$M" 2> "$T/e"; [ $? -eq 2 ] && grep -q "figure=plan" "$T/e" || bad "--figure=bits: $(cat "$T/e")"
$APOTVIEW --plan=4 --figure=plan --export="$T/h.pdf" "$M" "$M" 2> "$T/e"; [ $? -eq 2 ] || bad "two files: $(cat "$T/e")"
$APOTVIEW --plan=4 --figure=levels --export="$T/h.pdf" "$M" 2> "$T/e"; [ $? -eq 2 ] && grep -q "figure=plan" "$T/e" || bad "--figure=levels: $(cat "$T/e")"
[ ! -e "$T/h.pdf" ] || bad "a refused export wrote a file"
# an existing file is kept without --force
echo keep > "$T/k.pdf"
$APOTVIEW --plan=4 --export="$T/k.pdf" "$M" 2> /dev/null; [ "$(cat "$T/k.pdf")" = keep ] || bad "overwrote without --force"
[ $fails -eq 0 ] || exit 1
exit 0
