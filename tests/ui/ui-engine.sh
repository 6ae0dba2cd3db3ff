#!/bin/sh
# ui-engine.sh - the viewer and --report agree to the printed digits on a
# tensor of 2^21 values (issue 12, part 6). --report's default engine is
# the histogram from 2^20 values, the viewer's the sorted one (exact):
#  - the viewer's status line (alpha, mse of uniform at its optimum) equals
#    --report --engine=sorted to the digits printed (%.4g);
#  - the info overlay says which engine the numbers come from and that
#    --report picks another here;
#  - y's command line carries --engine=sorted, and run, it prints the
#    status line's numbers.
# The fixture (2^21 float32, a cubed hash, written here with array) is the
# test's own. Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }

TAG=uien
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"

python3 - "$T" <<'PY' || exit 99
import array, struct, sys
n = 1 << 21
h1 = lambda i, m: ((i * m) % 4294967296) / 4294967296
a = array.array('f', (0.02 * (h1(i, 2654435761) + h1(i, 2246822519) + h1(i, 3266489917) - 1.5) for i in range(n)))
if sys.byteorder != 'little':
    a.byteswap()
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % n
h += ' ' * (-(len(h) + 11) % 64) + '\n'
open(sys.argv[1] + '/big.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + a.tobytes())
PY

rep() { # rep ENGINE: "alpha mse" of uniform at its optimum, %.4g
    (cd "$T" && "$APOTVIEW" --report --format=json -s uniform --engine="$1" big.npy) | python3 -c '
import json, sys
r = json.load(sys.stdin)["tensors"][0]["results"][0]
print("%.4g %.4g" % (r["alpha"], r["mse"]))'
}
sorted_=$(rep sorted)
auto_=$(rep auto)
echo "report: sorted $sorted_, auto (histogram) $auto_"

TM new-session -d -s ui -x 120 -y 40 \
    "cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$APOTVIEW' -s uniform big.npy; sleep 600" ||
    { echo "cannot start tmux"; exit 99; }
TM set -g set-clipboard on >/dev/null
wait_for 'mse [0-9]' || fail "big.npy: no numbers"
st=$(screen | grep -E 'bits [0-9]' | tail -n 1)
va=$(echo "$st" | sed -n 's/.*alpha \([^ ]*\).*/\1/p')
vm=$(echo "$st" | sed -n 's/.*mse \([^ ]*\).*/\1/p')
[ "$va $vm" = "$sorted_" ] && ok "status line alpha $va mse $vm = --report --engine=sorted" ||
    fail "status line '$va $vm', --report --engine=sorted '$sorted_'"

TM send-keys -t ui i
wait_for 'numbers: the sorted engine; --report picks histogram here' &&
    ok "info: the sorted engine, --report's histogram named" || fail "info: the engines not named"
TM send-keys -t ui Escape y
wait_for 'copied: ' || fail "y: nothing copied"
cmd=$(screen | tr -d '\n' | sed -n 's/.*copied: \(apotview.*--engine=sorted\).*/\1/p')
[ -n "$cmd" ] && ok "y: the command line carries --engine=sorted" || fail "y: no --engine=sorted"
if [ -n "$cmd" ]; then
    cmd=$(echo "$cmd" | sed "s|^apotview|'$APOTVIEW'|; s|--report|--report --format=json|")
    got=$(cd "$T" && eval "$cmd" | python3 -c '
import json, sys
r = json.load(sys.stdin)["tensors"][0]["results"][0]
print("%.4g %.4g" % (r["alpha"], r["mse"]))')
    [ "$got" = "$va $vm" ] && ok "y's command prints the status line's $got" || fail "y's command: $got, screen $va $vm"
fi
[ "$fails" -eq 0 ]
