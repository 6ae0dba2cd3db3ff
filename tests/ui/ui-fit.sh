#!/bin/sh
# ui-fit.sh - numbers that fit (issue 12, part 2): every view of the viewer
# swept over terminal sizes from 40x12 to 160x50 with -s all (8 schemes),
# in tmux, resizing one running viewer. At every size:
#  - no number token is cut short: none ends in "e-", "e" or "." (a cut
#    "mse 9." or "6.38e-"), and no field is all '#' where a number was;
#  - no word is cut, at the right edge or in a column ("int-asy", "unifor",
#    a status line ending in "m"): every word on the screen is a whole word
#    of the same views at 120x40 and 160x50 (where everything fits), of
#    the too-small message, or the status line's documented "α" for alpha
#    (the curve view's one-letter markers may touch: "AM"), and no word is
#    the beginning of a scheme's name without being a name;
#  - in the curve view every scheme --report -s all computes is named in
#    the legend (below the alpha axis), scrolling it with PgDn when the
#    legend says it has more rows than the screen, and each scheme's
#    "opt A mse M" pair is whole (two parseable numbers).
# The fixture is written here (struct, no numpy): a [64, 128] float32
# tensor with heavy tails (a Student-t like ratio of an LCG's uniforms).
# Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uif
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
checks=0

python3 - "$T" <<'PY' || exit 99
import struct, sys
d = sys.argv[1]
s = 12345
def u():
    global s
    s = (s * 1103515245 + 12345) % 2 ** 31
    return (s + 0.5) / 2 ** 31
vals = []
for i in range(64 * 128):
    a, b = u() - 0.5, u()
    vals.append(0.02 * a / (b ** 0.5 + 0.05))
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (64, 128), }"
h += ' ' * (-(len(h) + 11) % 64) + '\n'
def npy(path, vals, shape):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ''.join('%d,' % v for v in shape)
    h += ' ' * (-(len(h) + 11) % 64) + '\n'
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() +
                           struct.pack('<%df' % len(vals), *vals))
# 2^17 values: a bulk in [-1, 1] and one at 30; every scheme's optimum
# clips that one alone: 1 / 131072 = 0.000763% (wider than its column)
n = 1 << 17
npy(d + '/one.npy', [2 * (i + 0.5) / (n - 1) - 1 for i in range(n - 1)] + [30.0], [n])
open(d + '/w.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() +
                               struct.pack('<%df' % len(vals), *vals))
PY

# the schemes -s all stands for, as the report names them
NAMES=$(cd "$T" && "$APOTVIEW" --report -s all --format=json w.npy | python3 -c '
import json, sys
print(" ".join(r["scheme"] for r in json.load(sys.stdin)["tensors"][0]["results"]))' |
    # the MX block formats are --report only: the viewer's -s all leaves them out
    tr ' ' '\n' | grep -Ev '^(mxfp4|q4_0)$' | tr '\n' ' ')
set -- $NAMES
[ "$#" -ge 8 ] && ok "-s all: $# schemes ($NAMES)" || fail "-s all gives $# schemes: $NAMES"

# a number cut short, or a field of '#': the lines that hold one
cut_numbers() {
    screen | grep -En '(^|[^A-Za-z0-9_])[-+]?[0-9]+(\.[0-9]+)?(e-?|\.)($|[^0-9A-Za-z.])|(^| )##+($| )' | grep -v 'e-[0-9]'
}
# words.py vocab < SCREEN: its words, one a line; words.py check VOCAB <
# SCREEN: the words of SCREEN that are not in VOCAB (numbers are not
# words: "2.97e-05", "1.23k", "40x12", "0.9%" are checked by cut_numbers)
cat > "$T/words.py" <<'PY'
import re, sys
TOK = re.compile(r"[\w.%+'^\u207b\u2070-\u2079\u00b9\u00b2\u00b3-]+")
NUM = re.compile(r"^[-+]?(\d+(\.\d*)?([eE][-+]?\d*)?|\.\d+)([kMGTPmunµ]|%|x\d+|σ)?$")
def words(text):
    for m in TOK.finditer(text):
        t = m.group(0)
        core = t.strip(".,;:'-+")
        if core and not NUM.match(core) and re.search(r'[^\W\d_]', core):
            yield t, core
if sys.argv[1] == 'vocab':
    for t, core in words(sys.stdin.read()):
        print(t)
        print(core)
    sys.exit(0)
vocab = set(open(sys.argv[2], encoding='utf-8').read().split())
vocab.add('α')
names = sys.argv[3].split()
parts = set(names) | set(p for m in names for p in re.split(r"[-_]", m))   # "lloyd" of lloyd-max
bad = []
for n, line in enumerate(sys.stdin.read().split('\n')):
    for t, core in words(line):
        if t not in vocab and core not in vocab and not re.match(r'^[MXPSKA]+$', core):
            bad.append('row %d: %s' % (n, t))
        # a scheme's name cut at any size ("int-asy" in an 8-column margin)
        elif len(core) >= 4 and core not in parts and any(m.startswith(core) for m in names):
            bad.append('row %d: %s (a scheme name cut)' % (n, t))
print('; '.join(bad))
PY
echo "The window is 40x12; apotview needs at least 60x18. Enlarge it, or q to quit." |
    python3 "$T/words.py" vocab > "$T/vocab"

# resize, then wait for the viewer to have redrawn at that size
resize() {
    TM resize-window -t ui -x "$1" -y "$2" >/dev/null 2>&1
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        s=$(screen)
        if [ "$1" -lt 60 ] || [ "$2" -lt 18 ]; then
            echo "$s" | tr '\n' ' ' | grep -q "The window is $1x$2;" && break
        else
            echo "$s" | grep -q 'The window is' || break
        fi
        [ "$(date +%s)" -ge "$end" ] && { fail "no redraw at $1x$2"; break; }
        sleep 0.03
    done
    sleep 0.05
}

# the curve legend names every scheme at this size (PgDn through it)
legend_names() {
    seen=""
    for page in 1 2 3 4 5 6 7 8 9 10; do
        seen="$seen $(screen | awk '/^alpha/ { on = 1; next } on' | tr -c 'A-Za-z0-9_.-' ' ')"
        screen | grep -q 'legend rows [0-9]*-\([0-9]*\) of \1 ' && break
        screen | grep -q 'legend rows' || break
        TM send-keys -t ui NPage
        sleep 0.12
    done
    TM send-keys -t ui PPage PPage PPage PPage PPage PPage PPage PPage PPage PPage
    miss=""
    for nm in $NAMES; do
        case " $seen " in *" $nm "*) ;; *) miss="$miss $nm" ;; esac
    done
    echo "$miss"
}

# the ranked table's clipped column (9 wide): 0.000763% as a shorter
# number with its %, never cut to "0.000763" or "0.00076"
TM new-session -d -s ui -x 120 -y 40 \
    "cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$APOTVIEW' -s all one.npy; sleep 600" ||
    { echo "cannot start tmux"; exit 99; }
wait_for '^ *1 [a-z]' || fail "one.npy: no ranked table"
wait_for '(^| )(7\.63?e-4|0\.000763)%( |$)' && ok "one.npy: the clipped 1/131072 whole with its % (fits its column)" ||
    fail "one.npy: clipped 1/131072 (7.63e-4%) not shown whole"
c=$(cut_numbers)
[ -z "$c" ] && ok "one.npy: no number cut" || fail "one.npy: a number cut: $c"
next_server
TM new-session -d -s ui -x 120 -y 40 \
    "cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$APOTVIEW' -s all w.npy; sleep 600" ||
    { echo "cannot start tmux"; exit 99; }
TM set -g window-size manual >/dev/null 2>&1
wait_for 'mse [0-9]' || fail "no numbers at 120x40"

WIDTHS="40 60 66 73 80 100 120 160"
HEIGHTS="12 18 24 50"
# the words of every view where everything fits
for view in ${UI_FIT_VIEWS:-main c E d X p t i "?" x}; do
    for size in "120 40" "160 50"; do
        resize $size
        TM send-keys -t ui Escape
        [ "$view" = main ] || TM send-keys -t ui "$view"
        sleep 0.3
        screen | python3 "$T/words.py" vocab >> "$T/vocab"
    done
done
for view in ${UI_FIT_VIEWS:-main c E d X p t i "?" x}; do
    resize 120 40
    TM send-keys -t ui Escape
    [ "$view" = main ] || TM send-keys -t ui "$view"
    sleep 0.3
    bad=0
    for w in $WIDTHS; do
        for h in $HEIGHTS; do
            resize "$w" "$h"
            checks=$((checks + 1))
            c=$(cut_numbers)
            if [ -n "$c" ]; then fail "view $view at ${w}x$h: a number cut: $c"; bad=$((bad + 1)); fi
            c=$(screen | python3 "$T/words.py" check "$T/vocab" "$NAMES")
            if [ -n "$c" ]; then fail "view $view at ${w}x$h: a word cut: $c"; bad=$((bad + 1)); fi
            if [ "$view" = c ] && [ "$w" -ge 60 ] && [ "$h" -ge 18 ]; then
                miss=$(legend_names)
                if [ -n "$miss" ]; then fail "curve at ${w}x$h: not in the legend:$miss"; bad=$((bad + 1)); fi
                # each "opt A mse M" whole: both numbers parse
                screen | grep -o 'opt [^ ]* mse [^ ]*' | while read -r _ oa _ om; do
                    python3 -c 'import sys; float(sys.argv[1]); float(sys.argv[2])' "$oa" "$om" 2>/dev/null ||
                        echo "x"
                done | grep -q x && { fail "curve at ${w}x$h: an opt/mse pair does not parse"; bad=$((bad + 1)); }
            fi
            [ "$bad" -gt 5 ] && break 2
        done
    done
    [ "$bad" -eq 0 ] && ok "view $view: no number or word cut at any of the sizes ($(date +%s))"
done
# the rug's glyphs are in the help (the + for ten levels or more in a column)
resize 120 40
TM send-keys -t ui Escape '?'
i=0
while [ "$i" -lt 120 ]; do TM send-keys -t ui j; i=$((i + 1)); done
wait_for '\+ for ten or more' && ok "help: the rug's + explained" || fail "help: the rug's + not explained"
TM send-keys -t ui Escape
[ -n "$UI_FIT_VIEWS" ] || [ "$checks" -gt 100 ] || fail "only $checks sizes checked"
echo "$checks screens checked, $fails failures"
[ "$fails" -eq 0 ]
