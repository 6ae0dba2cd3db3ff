#!/bin/sh
# ui-small.sh - issue 12's smaller viewer items, in tmux at 120x40:
#  - the log-count axis (g) labels the decades between the maximum and 0,
#    in order (10 lowest, each higher decade on a higher row);
#  - an export over an existing file asks [y/N] and takes one key: n keeps
#    the file (no Enter needed), y overwrites it;
#  - plurals: a one-tensor file's info says "1 tensor,";
#  - the tour on a real file names its tensor, not "this demo tensor";
#  - already-quantized data: a tensor with few distinct values says how
#    many (counted here with a set) and how they fall in the columns;
#  - 40x12, the smallest size issue 12 names, and other too-small sizes:
#    the "window is too small" text is the whole sentence (every word in
#    order, none cut), and the status line's fields are whole: each is one
#    of the fields the same status shows at 120x40 (alpha may read "α"),
#    its mse a number that parses, never a field cut at the edge.
# Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uis
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
start() {
    next_server
    TM new-session -d -s ui -x 120 -y 40 \
        "cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$APOTVIEW' $1; sleep 600" ||
        { echo "cannot start tmux"; exit 99; }
}

python3 - "$T" <<'PY' || exit 99
import struct, sys
d = sys.argv[1]
def npy(path, vals, shape, descr='<f4', fmt='f'):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ''.join('%d,' % v for v in shape))
    h += ' ' * (-(len(h) + 11) % 64) + '\n'
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() +
                           struct.pack('<%d%s' % (len(vals), fmt), *vals))
# a bell of 200000 values (sum of 4 LCG uniforms): counts from 1 to ~10^4 a column
s = 7
def u():
    global s
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
bell = [sum(u() for _ in range(4)) - 2 for _ in range(200000)]
npy(d + '/bell.npy', bell, [len(bell)])
# int16 on a grid: round(60 * bell value), few distinct values
q = [int(round(60 * v)) for v in bell[:50000]]
npy(d + '/q16.npy', q, [len(q)], '<i2', 'h')
open(d + '/q16.n', 'w').write('%d\n' % len(set(q)))
# float32 with 41 distinct values k/100, widely spaced: a column each
few = [((i * 7919) % 41 - 20) / 100 for i in range(20000)]
npy(d + '/lin.npy', [k / 1000 for k in range(-1000, 1001)], [2001])
npy(d + '/few.npy', few, [len(few)])
PY

# ---- the log axis's decades -----------------------------------------------
start "-s uniform bell.npy"
wait_for 'mse [0-9]' || fail "bell.npy: no numbers"
TM send-keys -t ui g
wait_for '^ +log ' || fail "g: no log axis"
sleep 0.3
rows=$(screen | awk '{ l = substr($0, 1, 8); gsub(/ /, "", l) } l == "10" { r10 = NR } l == "100" { r100 = NR }
    l == "1k" { r1k = NR } END { print r10 + 0, r100 + 0, r1k + 0 }')
set -- $rows
[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ] && [ "$1" -gt "$2" ] && [ "$2" -gt "$3" ] &&
    ok "log axis: 10, 100, 1k labelled on rows $1 > $2 > $3 (upward)" || fail "log axis decades: rows $rows"

# ---- [y/N]: one key -----------------------------------------------------------
printf 'OLD' > "$T/keep.svg"
TM send-keys -t ui e
wait_for 'export to' || fail "e: no prompt"
TM send-keys -t ui C-u keep.svg Enter
wait_for 'overwrite it\? \[y/N\]' || fail "export: no [y/N] for an existing file"
TM send-keys -t ui n
wait_for 'export cancelled: keep.svg kept' && [ "$(cat "$T/keep.svg")" = OLD ] &&
    ok "[y/N]: n alone (no Enter) keeps the file" || fail "[y/N]: n did not keep the file at once"
TM send-keys -t ui e
wait_for 'export to' || fail "e again: no prompt"
TM send-keys -t ui C-u keep.svg Enter
wait_for 'overwrite it\? \[y/N\]' || fail "export again: no [y/N]"
TM send-keys -t ui y
end=$(( $(date +%s) + TIMEOUT ))
while [ "$(cat "$T/keep.svg")" = OLD ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.1; done
grep -q '<svg' "$T/keep.svg" && ok "[y/N]: y alone overwrites with the figure" || fail "[y/N]: y did not overwrite"

# ---- plurals: one tensor ------------------------------------------------------
TM send-keys -t ui i
wait_for 'file info' || fail "i: no info"
wait_for ', 1 tensor, ' && ok "info: 1 tensor (singular)" || fail "info: not '1 tensor,'"

# ---- the tour on a real file ----------------------------------------------------
start "--tour bell.npy"
wait_for 'tour 1/6' || fail "--tour bell.npy: no tour"
TM send-keys -t ui Space Space Space
wait_for 'tour 4/6' || fail "tour: not at step 4"
scr=$(screen | tr '\n' ' ')
case "$scr" in *"demo tensor"*) fail "tour on bell.npy speaks of a demo tensor" ;; *) ok "tour on a file: no 'demo tensor'" ;; esac
echo "$scr" | grep -q 'The axis of bell is now' && ok "tour names the tensor (bell)" || fail "tour: tensor not named"

# ---- few distinct values --------------------------------------------------------
nq=$(cat "$T/q16.n")
start "-s uniform q16.npy"
wait_for " $nq distinct \\(" && ok "int16 grid: $nq distinct (a set's count) in the header" ||
    fail "int16 grid: no '$nq distinct'"
start "-s uniform few.npy"
wait_for ' 41 distinct \(a bar each\)' && ok "41 spaced values: 41 distinct, a bar each" ||
    fail "few.npy: no '41 distinct (a bar each)'"
TM resize-window -t ui -x 60 -y 20 >/dev/null 2>&1
wait_for '^mean .* 41 distinct' && ok "at 60 columns the note stays (statistics dropped first)" ||
    fail "at 60 columns: no '41 distinct'"
# and a tensor of all-different values says nothing
start "-s uniform bell.npy"
wait_for 'mse [0-9]' || fail "bell.npy: no numbers"
screen | grep -q 'distinct' && fail "bell.npy (all distinct): a distinct note" || ok "bell.npy: no distinct note"

# ---- too small: whole sentences, whole fields ----------------------------------
start "-s apot bell.npy"
wait_for 'mse [0-9]' || fail "bell.npy: no numbers"
sleep 0.3
full=$(status_line)
for sz in 40x12 45x12 52x14 59x17 30x10; do
    TM resize-window -t ui -x "${sz%x*}" -y "${sz#*x}" >/dev/null 2>&1
    wait_for "The window is" || { fail "$sz: no too-small text"; continue; }
    sleep 0.3
    screen > "$T/small.txt"
    python3 - "$sz" "$full" "$T/small.txt" <<'PY' && ok "$sz: the too-small text whole, the status fields whole" ||
import re, sys
sz, full, path = sys.argv[1], sys.argv[2], sys.argv[3]
w = int(sz.split('x')[0])
lines = open(path, encoding='utf-8').read().split('\n')
status = [l for l in lines if re.search(r'mse', l)]
text = ' '.join(l.strip() for l in lines if l.strip() and l not in status)
want = 'The window is %s; apotview needs at least 60x18. Enlarge it, or q to quit.' % sz
ok = True
if text != want:
    print('text: %r, want %r' % (text, want)); ok = False
sep = re.compile(r'\s*[\u2502|]\s*')
fields = [f.strip() for f in sep.split(full) if f.strip()]
fields = [re.sub(r'\s+\?:help.*', '', f) for f in fields]
if not status:
    print('no status line'); sys.exit(1)
got = [f.strip() for f in sep.split(status[-1]) if f.strip()]
for g in got:
    if g in fields or g.replace('\u03b1 ', 'alpha ') in [re.sub(r' \(.*', '', f) for f in fields]:
        continue
    m = re.match(r'^mse (\S+)$', g)
    if m:
        try:
            float(m.group(1)); continue
        except ValueError:
            pass
    print('status field %r is not one of %r' % (g, fields)); ok = False
if len(status[-1].rstrip()) > w:
    print('status wider than %d' % w); ok = False
if not got or got[0] != fields[0] or not any(g.startswith('mse ') for g in got):
    print('status %r: not the scheme first and the mse' % got); ok = False
sys.exit(0 if ok else 1)
PY
        fail "$sz: too-small screen"
done

# ---- E: zoom and cursor ------------------------------------------------------
# lin.npy, uniform 4 bits at alpha 1: e = x - Q(x), Q(x) the nearest j/7;
# after z (2x around the centre) and ], the readout's column [e0, e1) and
# count against the errors counted here (2 values of slack: e0 and e1 are
# printed to 4 digits), and the range is half the full one
start "-s uniform --bits=4 --alpha=1 lin.npy"
wait_for 'mse [0-9]' || fail "lin.npy: no numbers"
TM send-keys -t ui E
wait_for 'rms [0-9]' || fail "E: no statistics"
TM send-keys -t ui ']'
wait_for '^e in \[' || fail "E: ] shows no readout"
full=$(screen | sed -n 's/^e in \[\([^,]*\), \([^)]*\)).*/\1 \2/p')
TM send-keys -t ui z
sleep 0.3
TM send-keys -t ui ']'
sleep 0.3
line=$(screen | grep '^e in \[')
set -- $(echo "$line" | sed -n 's/^e in \[\([^,]*\), \([^)]*\)): \([0-9]*\) value.*/\1 \2 \3/p')
if [ $# -eq 3 ]; then
    python3 - "$1" "$2" "$3" $full <<'PY' && ok "E zoomed: [$1, $2) holds $3 values (brute force agrees), half the full column's width" ||
import struct, sys
e0, e1, got, f0, f1 = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
xs = [struct.unpack('<f', struct.pack('<f', k / 1000))[0] for k in range(-1000, 1001)]
q = [j / 7 for j in range(-7, 8)]
es = [x - min(q, key=lambda l: (abs(x - l), -l)) for x in xs]
want = sum(1 for e in es if e0 <= e < e1)
w, fw = e1 - e0, f1 - f0
sys.exit(0 if abs(got - want) <= 2 and abs(w - fw / 2) <= 0.02 * fw else 1)
PY
        fail "E zoomed: readout '$line' (full column $full) against the brute force"
else
    fail "E zoomed: no readout ($line)"
fi
TM send-keys -t ui Escape
wait_for 'cursor off, full range' && ok "E: Esc turns the cursor off first" || fail "E: Esc did not turn the cursor off"

# ---- X: zoom and cursor over log2|x| ---------------------------------------
# the same lin.npy: after z and }, the readout's [e0, e1) of log2|x| and its
# count against |x| counted here (2 values of slack for the 4 digits)
TM send-keys -t ui Escape Escape X
wait_for 'log2\|x\| axis' || fail "X: no log2 view"
TM send-keys -t ui z
sleep 0.3
TM send-keys -t ui '}'
wait_for '^log2\|x\| in \[' || fail "X: no readout"
line=$(screen | grep '^log2|x| in \[')
set -- $(echo "$line" | sed -n 's/^log2|x| in \[\([^,]*\), \([^)]*\)): .*: \([0-9]*\) value.*/\1 \2 \3/p')
if [ $# -eq 3 ]; then
    python3 - "$1" "$2" "$3" <<'PY' && ok "X zoomed: log2|x| in [$1, $2) holds $3 values (brute force agrees)" ||
import math, struct, sys
e0, e1, got = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
xs = [struct.unpack('<f', struct.pack('<f', k / 1000))[0] for k in range(-1000, 1001)]
want = sum(1 for x in xs if x != 0 and e0 <= math.log2(abs(x)) < e1)
sys.exit(0 if abs(got - want) <= 2 and got > 0 else 1)
PY
        fail "X zoomed: readout '$line' against the brute force"
else
    fail "X zoomed: no readout ($line)"
fi

[ "$fails" -eq 0 ]
