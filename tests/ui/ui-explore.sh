#!/bin/sh
# ui-explore.sh - issue 12's viewer keys end to end, in tmux at 120x40 and
# 60x20: E (error histogram), d (decomposition), X (log2|x| axis), :
# (typed alpha and bits), y (the --report command line, OSC 52) and a
# failing scheme's reason on screen. Every screen read is also checked for
# numbers cut short (no number token ends in "e-" or ".").
#
# What is checked, and against what:
#  - E on x = k/1000, k = -1000..1000, uniform 4 bits: the mean, rms, max
#    |e| and clipped counts against a brute force written here (every
#    value's nearest level j/7 by a scan); at alpha 0.5 the clipped tails
#    are the 500 values beyond each end, and their share of the squared
#    error is the brute force's;
#  - d on a [2, 8] tensor holding the paper's 4-bit APoT levels (0, .1,
#    .2, .3, .4, .6, .8, 1 and their negatives) at alpha 1: each weight is
#    written as the hand decomposition of the paper's construction
#    (p0 in {0, 2^0, 2^-1, 2^-3}, p1 in {0, 2^-2}, over 1.25), UTF-8
#    superscripts and ASCII 2^-3; the patch's mean terms (10 / 8 = 1.25)
#    and the fixed-hardware counts: uniform b-1 = 3 vs apot 2 at 4 bits,
#    4 vs 2 ("2x fewer", the paper's "about 2x") at 5 bits;
#  - X on values +-2^-j: the axis is labelled in powers of two, the pot
#    rug's levels are equally spaced (one octave apart), the zeros counted;
#  - ":alpha 0.05", ":bits 3" and ":0.07" set exactly: the status line
#    and its mse against --report --format=json at the same settings; a
#    bad value says why;
#  - y on a tensor named with quotes, $( ), ; and a glob: the command
#    tmux received through OSC 52 (set-clipboard on) runs in sh without
#    running anything else, selects exactly that tensor, and its mse is
#    the one on the screen;
#  - --unsigned with a custom level set holding negatives: the reason on
#    the status line and in the scheme's results column; an empty and an
#    all-NaN tensor say "no finite values" (E too), never "..." forever.
# Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uie
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
field() { status_line | sed -n "s/.*$1 \\([^ ]*\\).*/\\1/p"; }
if command -v jq >/dev/null 2>&1; then
    jget() { jq -r "$1"; }
else
    jget() { python3 -c 'import json, re, sys
d = json.load(sys.stdin)
for k, i in re.findall(r"\.(\w+)|\[(\d+)\]", sys.argv[1]):
    d = d[k] if k else d[int(i)]
print(d)' "$1"; }
fi
# No number token cut short: none ends in "e-", "e" or "." (the screen now).
cut_numbers() {
    screen | grep -En '(^|[^A-Za-z0-9_])[-+]?[0-9]+(\.[0-9]+)?(e-?|\.)($|[^0-9A-Za-z])' | grep -v 'e-[0-9]'
}
check_cut() {
    c=$(cut_numbers)
    [ -z "$c" ] && ok "$1: no number cut" || fail "$1: a number cut short: $c"
}
COLS=120 ROWS=40
start() { # start "ENV" "ARGS..."
    next_server
    cmd="cd '$T' && env $1 '$APOTVIEW' $2; echo EXIT=\$?; sleep 600"
    TM new-session -d -s ui -x "$COLS" -y "$ROWS" "$cmd" || { echo "cannot start tmux"; exit 99; }
    TM set -g set-clipboard on >/dev/null
}
U8="LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color"
report() { (cd "$T" && "$APOTVIEW" --report --format=json "$@"); }

# ---- fixtures, written here (struct: no numpy needed) --------------------
python3 - "$T" <<'EOF' || exit 99
import json, struct, sys
d = sys.argv[1]
def npy(path, vals, shape):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ''.join('%d,' % s for s in shape)
    h += ' ' * (-(len(h) + 11) % 64) + '\n'
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() +
                           struct.pack('<%df' % len(vals), *vals))
npy(d + '/lin.npy', [k / 1000 for k in range(-1001 + 1, 1001)], [2001])
lv = [0, .1, .2, .3, .4, .6, .8, 1]
npy(d + '/apot.npy', lv + [-v for v in lv], [2, 8])
pw = [0.0] * 5
for j in range(7):
    pw += [2.0 ** -j] * (j + 1) + [-(2.0 ** -j)] * (j + 1)
npy(d + '/pow.npy', pw, [len(pw)])
npy(d + '/nan.npy', [float('nan')] * 50, [50])
npy(d + '/empty.npy', [], [0])
open(d + '/neg.txt', 'w').write('-1\n-0.5\n0\n0.5\n1\n')
# a safetensors file whose one tensor has a hostile name
name = "w'b;$(touch PWNED)`touch PWNED2`[x]*"
vals = [((i * 37) % 101 - 50) / 1000 for i in range(512)]
hdr = json.dumps({name: {'dtype': 'F32', 'shape': [512], 'data_offsets': [0, 2048]}}).encode()
hdr += b' ' * (-len(hdr) % 8)
open(d + '/hostile.safetensors', 'wb').write(struct.pack('<Q', len(hdr)) + hdr + struct.pack('<512f', *vals))
# a decoy the glob would also match without escaping
hdr = json.dumps({name: {'dtype': 'F32', 'shape': [512], 'data_offsets': [0, 2048]},
                  "w'b;$(touch PWNED)`touch PWNED2`x!": {'dtype': 'F32', 'shape': [4], 'data_offsets': [2048, 2064]}}).encode()
hdr += b' ' * (-len(hdr) % 8)
open(d + '/two.safetensors', 'wb').write(struct.pack('<Q', len(hdr)) + hdr + struct.pack('<512f', *vals) +
                                         struct.pack('<4f', 9, 9, 9, 9))
EOF

# brute force of the error histogram's statistics on lin.npy (uniform 4
# bits, signed: levels j/7 * alpha), printed as mean rms maxabs lo hi
# clipshare; in exact rationals, so a value on a midpoint (x = +-0.5 at
# alpha 1) goes to the upper level, as the quantizer rounds ties
brute() {
    python3 - "$1" <<'EOF'
import struct, sys
from fractions import Fraction as F
a = F(sys.argv[1])
xs = [F(struct.unpack('<f', struct.pack('<f', k / 1000))[0]) for k in range(-1000, 1001)]
q = [F(j, 7) * a for j in range(-7, 8)]
es, lo, hi, sc = [], 0, 0, F(0)
for x in xs:
    best = min(q, key=lambda l: (abs(x - l), -l))
    e = x - best
    es.append(e)
    if x < q[0]: lo += 1; sc += e * e
    if x > q[-1]: hi += 1; sc += e * e
n = len(xs)
s2 = sum(e * e for e in es)
print(float(sum(es) / n), float(s2 / n) ** 0.5, float(max(abs(e) for e in es)), lo, hi, float(100 * sc / s2))
EOF
}

for size in 120x40 60x20; do
    COLS=${size%x*} ROWS=${size#*x}
    # ---- E: the error histogram -----------------------------------------
    start "$U8" "--alpha=1 -s uniform --bits=4 lin.npy"
    wait_for 'mse [0-9]' || fail "$size lin.npy: no numbers"
    TM send-keys -t ui E
    wait_for 'rms [0-9]' || fail "$size E: no statistics"
    wait_for 'clipped 0 below, 0 above' && ok "$size E: nothing clipped at alpha 1" || fail "$size E: clipped at alpha 1"
    set -- $(brute 1)
    scr=$(screen | tr '\n' ' ')
    rms=$(echo "$scr" | sed -n 's/.*rms \([-0-9.e]*\).*/\1/p')
    mx=$(echo "$scr" | sed -n 's/.*max |e| \([-0-9.e]*\).*/\1/p')
    mean=$(echo "$scr" | sed -n 's/.*mean \([-0-9.e]*\).*/\1/p')
    close "$rms" "$2" 5e-4 && ok "$size E: rms $rms = brute force $2" || fail "$size E: rms $rms, brute force $2"
    close "$mx" "$3" 5e-4 && ok "$size E: max |e| $mx = brute force $3" || fail "$size E: max $mx, brute force $3"
    # not 0: x = +-0.5 lie on midpoints and both go up (-1/14 each)
    close "$mean" "$1" 5e-3 && ok "$size E: mean $mean = brute force $1" || fail "$size E: mean $mean, brute force $1"
    check_cut "$size E"
    TM send-keys -t ui : 'alpha 0.5' Enter
    set -- $(brute 0.5)
    wait_for "clipped $4 below, $5 above" && ok "$size E at alpha 0.5: $4 / $5 clipped (brute force)" ||
        fail "$size E at alpha 0.5: clipped counts, want $4 / $5"
    sh=$(screen | tr '\n' ' ' | sed -n 's/.* of values, *\([0-9.e+-]*\)% of the squared.*/\1/p')
    close "$sh" "$6" 2e-3 && ok "$size E: clipped share of the squared error $sh% = $6%" ||
        fail "$size E: clipped share $sh%, brute force $6%"
    check_cut "$size E alpha 0.5"
    TM send-keys -t ui E
    wait_for 'x = w|uniform' || fail "$size E again: not back"
    TM send-keys -t ui q

    # ---- d: the decomposition -------------------------------------------
    start "$U8" "--alpha=1 -s uniform,apot --bits=4 apot.npy"
    wait_for 'mse [0-9]' || fail "$size apot.npy: no numbers"
    TM send-keys -t ui d
    want='0 +2⁻³ +2⁻² +2⁻²\+2⁻³ +2⁻¹ +2⁻¹\+2⁻² +2⁰ +2⁰\+2⁻²'
    if [ "$COLS" -lt 100 ]; then want='0 +2⁻³ +2⁻² +2⁻²\+2⁻³ +2⁻¹'; fi
    wait_for "^ +0  $want" && ok "$size d: channel 0 as the paper's sums of powers of two" || fail "$size d: channel 0"
    wait_for 'unit 1\.25' && ok "$size d: unit 1.25 (the largest sum 2^0 + 2^-2)" || fail "$size d: unit"
    scr=$(screen | tr '\n' ' ')
    if [ "$COLS" -ge 100 ]; then
        echo "$scr" | grep -q 'this patch 1\.25,' && ok "$size d: patch mean 10/8 = 1.25 terms" || fail "$size d: patch mean"
    fi
    echo "$scr" | grep -q 'uniform 4-bit b-1 = 3, *apot 2 (1\.5x fewer)' && ok "$size d: fixed counts 3 vs 2" ||
        fail "$size d: fixed counts"
    echo "$scr" | grep -q "the paper's framing (Li, Dong & Wang, ICLR *2020)" && ok "$size d: labelled as the paper's framing" ||
        fail "$size d: no label"
    check_cut "$size d"
    TM send-keys -t ui ']'
    want='-2⁻³ +-2⁻² +-2⁻²-2⁻³'
    wait_for "^ +0  0 +$want" && ok "$size ]: channel 1, the negatives" || fail "$size ]: channel 1"
    TM send-keys -t ui : 'bits 5' Enter
    wait_for 'bits 5 ' || fail "$size :bits 5"
    TM send-keys -t ui '['  # channel 0 (and the message gone)
    wait_for '2⁻²\+2⁻⁵' || fail "$size [ at 5 bits"
    scr=$(screen | tr '\n' ' ')
    echo "$scr" | grep -q 'b-1 = 4, *apot 2 (2x fewer)' && ok "$size d at 5 bits: 4 vs 2, 2x (the paper's about 2x)" ||
        fail "$size d at 5 bits"
    TM send-keys -t ui q
    start "LANG=C LC_ALL=C TERM=xterm NO_COLOR=1" "--alpha=1 -s apot --bits=4 apot.npy"
    wait_for 'mse [0-9]' || fail "$size ascii: no numbers"
    TM send-keys -t ui d
    wait_for '^ +0  0 +2\^-3 +2\^-2 +2\^-2\+2\^-3' && ok "$size d ASCII: 2^-2+2^-3" || fail "$size d ASCII"
    TM send-keys -t ui q
    # unsigned: the negatives of channel 1 all go to the zero level
    start "$U8" "--alpha=1 -s apot --bits=4 --unsigned apot.npy"
    wait_for 'mse [0-9]' || fail "$size unsigned: no numbers"
    TM send-keys -t ui d ']'
    wait_for '^ +0  0 +0 +0 +0 +0( |$)' && ok "$size d --unsigned: negatives on the zero level" || fail "$size d --unsigned"
    TM send-keys -t ui X
    wait_for '2⁻' && ok "$size X after d" || fail "$size X after d"
    TM send-keys -t ui q

    # ---- X: the log2 axis -----------------------------------------------
    start "$U8" "--alpha=max -s uniform,pot,apot --bits=4 pow.npy"
    wait_for 'mse [0-9]' || fail "$size pow.npy: no numbers"
    TM send-keys -t ui X
    wait_for '2⁻⁴' && ok "$size X: powers of two on the axis" || fail "$size X: axis labels"
    wait_for 'not on the axis: 5 zeros' && ok "$size X: the 5 zeros counted apart" || fail "$size X: zeros"
    cols=$(screen | grep -E '^ pot' | head -n 1 | python3 -c 'import sys
s = sys.stdin.read().rstrip("\n")
print(" ".join(str(i) for i, ch in enumerate(s) if ch == "\u2502"))')
    python3 - $cols <<'EOF' && ok "$size X: pot's levels one octave apart (columns $cols)" || fail "$size X: pot rug not even: $cols"
import sys
c = [int(v) for v in sys.argv[1:]]
d = [b - a for a, b in zip(c, c[1:])]
sys.exit(0 if len(c) >= 4 and max(d) - min(d) <= 1 else 1)
EOF
    check_cut "$size X"
    TM send-keys -t ui q

    # ---- : and y ----------------------------------------------------------
    start "$U8" "--bits=4 lin.npy"
    wait_for 'mse [0-9]' || fail "$size: no numbers"
    TM send-keys -t ui : 'alpha 0.05' Enter
    wait_for '(alpha|α) 0\.05 ' && ok "$size :alpha 0.05 on the status line" || fail "$size :alpha"
    m=$(field mse)
    rm=$(report --bits=4 --alpha=0.05 -s uniform,pot,apot lin.npy | jget '.tensors[0].results[2].mse')
    close "$m" "$rm" 1e-3 && ok "$size :alpha 0.05: mse $m = report $rm" || fail "$size :alpha 0.05: mse $m, report $rm"
    TM send-keys -t ui : 'bits 3' Enter
    wait_for 'bits 3 ' && ok "$size :bits 3" || fail "$size :bits 3"
    TM send-keys -t ui : '0.07' Enter
    wait_for 'alpha 0\.07 ' && ok "$size :0.07 is alpha" || fail "$size :0.07"
    m=$(field mse)
    rm=$(report --bits=3 --alpha=0.07 -s uniform,pot,apot lin.npy | jget '.tensors[0].results[2].mse')
    close "$m" "$rm" 1e-3 && ok "$size :0.07 at 3 bits: mse $m = report $rm" || fail "$size :0.07: mse $m, report $rm"
    TM send-keys -t ui : 'bits 9' Enter
    wait_for 'bits must be an integer 2\.\.8' && ok "$size :bits 9 refused with the reason" || fail "$size :bits 9"
    TM send-keys -t ui q

    start "$U8" "--bits=4 two.safetensors"
    wait_for 'mse [0-9]' || fail "$size two.safetensors: no numbers"
    TM send-keys -t ui : 'alpha 0.03' Enter
    wait_for 'alpha 0\.03 ' || fail "$size hostile: :alpha"
    m=$(field mse)
    TM send-keys -t ui y
    wait_for 'copied: apotview' && ok "$size y: the command on the status line" || fail "$size y: status line"
    check_cut "$size y"
    end=$(( $(date +%s) + TIMEOUT ))
    while ! TM show-buffer >/dev/null 2>&1 && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
    cmd=$(TM show-buffer 2>/dev/null)
    echo "$cmd" | grep -q '^apotview --report ' && ok "$size y: OSC 52 reached tmux: $cmd" || fail "$size y: no OSC 52 buffer ($cmd)"
    rm -f "$T/PWNED" "$T/PWNED2"
    J=$(cd "$T" && PATH="$(dirname "$APOTVIEW"):$PATH" sh -c "$cmd --format=json" 2>&1)
    [ ! -e "$T/PWNED" ] && [ ! -e "$T/PWNED2" ] && ok "$size y: the hostile name ran nothing" || fail "$size y: the name was executed"
    n=$(echo "$J" | jget '.tensors | length' 2>/dev/null)
    [ "$n" = 1 ] && ok "$size y: the command selects exactly the one tensor" || fail "$size y: selects $n tensors: $J"
    rm2=$(echo "$J" | jget '.tensors[0].results[2].mse' 2>/dev/null)
    close "$m" "$rm2" 1e-3 && ok "$size y: its mse $rm2 is the screen's $m" || fail "$size y: mse $rm2 vs screen $m"
    TM send-keys -t ui q

    # ---- failures have reasons --------------------------------------------
    start "$U8" "--unsigned -s uniform,custom:neg.txt lin.npy"
    wait_for 'needs levels >= 0' && ok "$size --unsigned custom with negatives: the reason on screen" ||
        fail "$size custom: no reason"
    status_line | grep -q 'needs levels >= 0' || screen | tail -n 3 | grep -q 'needs levels >= 0' &&
        ok "$size: the reason on (or above) the status line" || fail "$size: reason not on the status line"
    screen | grep -q '…\|\.\.\.' && fail "$size custom: '...' on screen" || ok "$size custom: no '...' placeholder"
    TM send-keys -t ui q
    for f in empty nan; do
        start "$U8" "$f.npy"
        wait_for 'no finite values' || fail "$size $f: no reason"
        screen | tail -n 3 | grep -q 'no finite values' && ok "$size $f.npy: the reason by the status line" ||
            fail "$size $f.npy: status line"
        status_line | grep -q '\.\.\.' && fail "$size $f.npy: '...' on the status line"
        TM send-keys -t ui E
        wait_for 'no error histogram: no finite values' && ok "$size $f.npy: E says why" || fail "$size $f.npy: E"
        TM send-keys -t ui d
        wait_for 'no decomposition: no finite values' && ok "$size $f.npy: d says why" || fail "$size $f.npy: d"
        TM send-keys -t ui q
    done
done

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
