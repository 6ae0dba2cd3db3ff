#!/bin/sh
# ui-list.sh - the viewer's tensor list, alphas across tensors, the
# per-channel refusal, the compare view and the ORIGINAL QUANTIZED pairs,
# end to end in tmux at 120x40 and 60x20 (issue 12 parts 3, 4, 5, 7;
# issue 15 part 4).
#
# What is checked, and against what:
#  - a 200-tensor file (ui_mkfix many): the list says 200 tensors; sorted
#    by uniform's SQNR its rows come in the order of --report's sqnr_db
#    (ascending), the heavy-tailed blk.137.outlier first with --report's
#    SQNR to the printed digits, and the layernorm blk.005.norm -- the
#    largest raw mse of all in --report -- not first; R reverses (the
#    highest SQNR first); Home, PgDn (one page = the rows shown - 1),
#    End move the selection (the '>' row) to the row the report's order
#    puts there;
#  - the mouse wheel (an X10 mouse report) moves the selection 3 rows and
#    fixes no alpha;
#  - / narrows the list as typed ("1 of 200 tensors match"), / Esc shows
#    all again; a glob (*.1?7.*) gives the title "N of 200 tensors match"
#    with N counted here by fnmatch, and at 60x18 the rest of the title
#    comes in whole parts (the sort, then each key hint) or not at all;
#  - alpha across tensors: l fixes the focused scheme's alpha; the status
#    shows it with its fraction of max|x| (= alpha / --report's absmax);
#    j carries the same fraction to the next tensor (alpha / absmax of the
#    new tensor), the mse there equals --report --alpha=THAT; another
#    scheme (s) stays at its own optimum (= --report --alpha=mse);
#  - p on a 1-D tensor of 4 000 000 values: refused with a message at once
#    (under 1 s), no per-channel view;
#  - D on two single-tensor files with different names: both shown, over
#    one x-range (the same tick labels left and right);
#  - apotview ORIGINAL QUANTIZED on the compare fixture: the list holds the
#    pairs, the lowest SQNR of tests/lib/gen_compare_fixtures.py's expected.json
#    first with its SQNR to the printed digits; Enter then D shows the
#    element-wise error whose rms is sqrt(expected mse), also for a q_proj
#    whose rows llama.cpp permuted (undone);
#  - on every screen read, every number parses completely: no token ends
#    in "e-" or ".".
# Skips (77) when tmux or python3 is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
MKFIX=${UI_MKFIX:-$abs_top_builddir/tests/lib/ui_mkfix}
CMP="${abs_top_srcdir:-$abs_top_builddir/..}/tests/data/compare"
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }
[ -x "$MKFIX" ] || { echo "no $MKFIX"; exit 99; }

TAG=uil
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
field() { status_line | sed -n "s/.*$1 \\([^ │|]*\\).*/\\1/p" | si; }
# alpha, written "α" in a narrow UTF-8 window (interface.md)
falpha() { a=$(field alpha); [ -n "$a" ] || a=$(field α); echo "$a"; }
# a number as numfmt writes it (SI prefix: 46.77n) as a plain one
si() { awk '{ v = $0; m = 1; s = substr(v, length(v));
    if (s == "T") m = 1e12; else if (s == "G") m = 1e9; else if (s == "M") m = 1e6; else if (s == "k") m = 1e3;
    else if (s == "m") m = 1e-3; else if (s == "u") m = 1e-6; else if (s == "n") m = 1e-9;
    if (m != 1) v = substr(v, 1, length(v) - 1); if (v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) print v * m; else print v }'; }
# numbers parse completely: no token of the screen ends in "e-", "e+" or
# a digit and "."
numbers_whole() {
    bad=$(screen | tr -s ' │|┊' '\n\n\n\n' | grep -E '[0-9](e[-+]?|\.)$' | head -n 3)
    [ -z "$bad" ] && ok "$1: every number whole" || fail "$1: cut numbers: $bad"
}
start() { # start COLSxROWS "ARGS..."
    next_server
    W=${1%x*}; H=${1#*x}
    cmd="cd '$T' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color '$APOTVIEW' $2; echo EXIT=\$?; sleep 600"
    TM new-session -d -s ui -x "$W" -y "$H" "$cmd" || { echo "cannot start tmux"; exit 99; }
}
quit() {
    TM send-keys -t ui q
    wait_for '^EXIT=0$' || fail "$1: q did not exit 0"
}
report() { (cd "$T" && "$APOTVIEW" --report --format=json "$@"); }
# the first number with a decimal point in row N (a SQNR: the first of
# the scheme columns; count and shape come before it and have none)
row_db() { screen | sed -n "$1p" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^-?[0-9]+\.[0-9]+$/) { print $i; exit } }'; }
# the selected row of the list: the one marked '>' (its first word)
sel_name() { screen | sed -n 's/^> \([^ ]*\).*/\1/p' | head -n 1; }

"$MKFIX" many 200 "$T/many.safetensors" && "$MKFIX" gauss 4000000 "$T/big1d.npy" &&
"$MKFIX" gauss 20000 "$T/a.npy" && "$MKFIX" laplace 5000 "$T/b.npy" || exit 99

# the report's view of the 200 tensors at 4 bits, uniform at its optimum:
# names by ascending SQNR, the one with the largest raw mse, and absmax
J=$(report --bits=4 --scheme=uniform many.safetensors)
echo "$J" > "$T/many.json"
py() { python3 -c "import json, sys
d = json.load(open('$T/many.json'))
t = d['tensors']
$1"; }
BYSQNR=$(py "print(' '.join(x['name'] for x in sorted(t, key=lambda x: (x['results'][0]['sqnr_db'], t.index(x)))))")
BYMSE=$(py "print(max(t, key=lambda x: x['results'][0]['mse'])['name'])")
SQ137=$(py "print('%.3g' % [x for x in t if x['name'] == 'blk.137.outlier'][0]['results'][0]['sqnr_db'])")
nth() { echo "$BYSQNR" | tr ' ' '\n' | sed -n "$1p"; }
[ "$(nth 1)" = blk.137.outlier ] || { echo "fixture: blk.137.outlier is not the lowest SQNR"; exit 99; }
[ "$BYMSE" = blk.005.norm ] || { echo "fixture: blk.005.norm is not the largest mse"; exit 99; }

for size in 120x40 60x20; do
    R=${size#*x}
    PAGE=$((R - 1 - 3 - 1))   # rows of the list (all but status and 3 head rows) - 1
    # ---- the list: sort, reverse, paging, filter --------------------------
    start "$size" "--bits=4 many.safetensors"
    wait_for 'bits 4 .*mse [0-9]' || fail "$size: no start"
    TM send-keys -t ui t
    wait_for '^200 tensors' && ok "$size: t: 200 tensors" || fail "$size: t: no list of 200"
    # S: name, count, then uniform's SQNR
    TM send-keys -t ui S S S
    wait_for 'sorted by uniform SQNR' || fail "$size: S S S: not sorted by uniform SQNR"
    # the numbers come in the background; the rows settle on the report's order
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        first=$(screen | sed -n '4p' | awk '{ print $1 }')
        [ "$first" = ">" ] && first=$(screen | sed -n '4p' | awk '{ print $2 }')
        [ "$first" = blk.137.outlier ] && break
        [ "$(date +%s)" -ge "$end" ] && break
        sleep 0.1
    done
    [ "$first" = blk.137.outlier ] && ok "$size: lowest SQNR first: blk.137.outlier" ||
        fail "$size: first row $first, not blk.137.outlier"
    db=$(row_db 4)
    close "$db" "$SQ137" 1e-9 && ok "$size: its SQNR $db dB = report $SQ137" || fail "$size: SQNR $db vs report $SQ137"
    [ "$first" != "$BYMSE" ] && ok "$size: the layernorm (largest raw mse) is not first" || fail "$size: layernorm first"
    # the rows on screen in the report's order, once every number is in
    k=$((R - 1 - 3))
    want=$(echo "$BYSQNR" | tr ' ' '\n' | head -n "$k" | tr '\n' ' ' | sed 's/ *$//')
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        shown=$(screen | sed -n "4,$((R - 1))p" | sed 's/^>//' | awk '{ print $1 }' | tr '\n' ' ' | sed 's/ *$//')
        [ "$shown" = "$want" ] && break
        [ "$(date +%s)" -ge "$end" ] && break
        sleep 0.1
    done
    [ "$shown" = "$want" ] && ok "$size: $k rows in the report's SQNR order" || fail "$size: rows '$shown' vs '$want'"
    numbers_whole "$size list"
    TM send-keys -t ui Home
    wait_for '^> ' || fail "$size: Home: no selection"
    [ "$(sel_name)" = "$(nth 1)" ] && ok "$size: Home: $(nth 1)" || fail "$size: Home selects $(sel_name)"
    # the mouse wheel (an X10 report: button 65 = wheel down, at column 1,
    # row 5) moves the selection 3 rows (and not alpha)
    TM send-keys -t ui -l "$(printf '\033[Ma!%%s' '%')"
    wait_for "^> $(nth 4) " && ok "$size: wheel down: row 4 = $(nth 4)" || fail "$size: wheel selects $(sel_name), not $(nth 4)"
    # alpha was not fixed by it (a fixed alpha shows its fraction of max|x|)
    status_line | grep -q 'max)' && fail "$size: the wheel in the list fixed an alpha"
    TM send-keys -t ui Home
    wait_for "^> $(nth 1) " || fail "$size: Home after the wheel"
    TM send-keys -t ui NPage
    wait_for "^> $(nth $((PAGE + 1))) " && ok "$size: PgDn: row $((PAGE + 1)) = $(nth $((PAGE + 1)))" ||
        fail "$size: PgDn selects $(sel_name), not $(nth $((PAGE + 1)))"
    TM send-keys -t ui PPage
    wait_for "^> $(nth 1) " && ok "$size: PgUp: back to row 1" || fail "$size: PgUp selects $(sel_name)"
    TM send-keys -t ui End
    wait_for "^> $(nth 200) " && ok "$size: End: $(nth 200)" || fail "$size: End selects $(sel_name)"
    TM send-keys -t ui R
    wait_for 'reversed' || fail "$size: R: not reversed"
    wait_for "^(> |  )$(nth 200) " && [ "$(screen | sed -n '4p' | sed 's/^>//' | awk '{ print $1 }')" = "$(nth 200)" ] &&
        ok "$size: R: the highest SQNR first" || fail "$size: R: first row not $(nth 200)"
    # the filter, narrowed as typed
    TM send-keys -t ui / n o r
    wait_for '1 of 200 tensors match' && ok "$size: / nor: 1 of 200" || fail "$size: filter did not narrow"
    TM send-keys -t ui Enter
    screen | sed -n '4,$p' | grep -q 'blk.005.norm' && ! screen | grep -q 'blk.137' &&
        ok "$size: the filtered list holds blk.005.norm only" || fail "$size: filtered rows"
    # a glob: the title's count against the fixture's names matched here
    # (fnmatch), first on row 0 and whole; then at 60x18 (the smallest
    # list) the rest of the title in whole parts only
    TM send-keys -t ui / Escape
    wait_for '^200 tensors' || fail "$size: / Esc before the glob"
    GLOB='*.1?7.*'
    NG=$(python3 -c 'import fnmatch, sys
names = ["blk.%03d.%s" % (k, "norm" if k == 5 else "outlier" if k == 137 else "w") for k in range(200)]
print(sum(fnmatch.fnmatchcase(n, sys.argv[1]) for n in names))' "$GLOB")
    TM send-keys -t ui / && TM send-keys -t ui -l "$GLOB" && TM send-keys -t ui Enter
    wait_for "^$NG of 200 tensors match '\\*\\.1\\?7\\.\\*'" && ok "$size: / $GLOB: title '$NG of 200 tensors match'" ||
        fail "$size: / $GLOB: no '$NG of 200 tensors match' title"
    rows=$(screen | sed -n '4,$p' | grep -E '^(> |  )blk\.' | awk '{ print ($1 == ">" ? $2 : $1) }')
    nr=$(echo "$rows" | grep -c .)
    [ "$nr" -eq "$NG" ] && ! echo "$rows" | grep -qv '^blk\.1.7\.' && ok "$size: the $NG rows all match $GLOB" ||
        fail "$size: filtered rows ($nr): $rows"
    TM resize-window -t ui -x 60 -y 18 >/dev/null 2>&1
    sleep 0.5
    t0=$(screen | sed -n 1p)
    echo "$t0" | grep -Eq "^$NG of 200 tensors match '\\*\\.1\\?7\\.\\*'(, sorted by uniform SQNR( \\(lowest first\\))?(, reversed)?)?( +S sort( +R reverse( +/ filter( +Enter show( +t back)?)?)?)?)? *\$" &&
        ok "60x18: the filtered title in whole parts: $t0" || fail "60x18: filtered title cut: '$t0'"
    TM resize-window -t ui -x "$W" -y "$H" >/dev/null 2>&1
    TM send-keys -t ui / Escape
    wait_for '^200 tensors' && ok "$size: / Esc: all 200 again" || fail "$size: / Esc did not clear the filter"
    quit "$size list"

    # ---- alpha across tensors -------------------------------------------
    start "$size" "--bits=4 many.safetensors"
    wait_for 'bits 4 .*mse [0-9]' || fail "$size: alpha: no start"
    old=$(status_line); TM send-keys -t ui l; wait_status_change "$old"
    # the fraction of max|x| beside the value (a narrow window: the value only)
    a0=$(falpha); f0=$(status_line | sed -n 's/.*(\([0-9.e+-]*\)max).*/\1/p')
    x0=$(py "print(t[0]['stats']['absmax'])")
    fx=$(awk -v a="$a0" -v x="$x0" 'BEGIN { print a / x }')
    if [ "$W" -ge 100 ]; then
        close "$f0" "$fx" 2e-3 && ok "$size: alpha $a0 shown as ${f0} max|x| (absmax $x0)" || fail "$size: fraction $f0 vs $a0 / $x0"
    fi
    f0=$fx
    old=$(status_line); TM send-keys -t ui j; wait_status_change "$old"
    wait_for 'blk.001.w' || fail "$size: j: not on blk.001.w"
    [ "$W" -lt 100 ] || wait_for 'max\)' || fail "$size: j: alpha not carried as fixed"
    a1=$(falpha); m1=$(field mse)
    x1=$(py "print(t[1]['stats']['absmax'])")
    if [ "$W" -ge 100 ]; then
        f1=$(status_line | sed -n 's/.*(\([0-9.e+-]*\)max).*/\1/p')
        close "$f1" "$f0" 2e-3 && ok "$size: j: the same fraction $f1 of max|x|" || fail "$size: fraction $f1 vs $f0"
    fi
    close "$a1" "$(awk -v f="$f0" -v x="$x1" 'BEGIN { print f * x }')" 3e-3 &&
        ok "$size: j: alpha $a1 = fraction x absmax $x1" || fail "$size: alpha $a1 vs $f0 x $x1"
    rm1=$(report --bits=4 --scheme=apot --alpha="$a1" -t blk.001.w many.safetensors |
          python3 -c 'import json, sys; print(json.load(sys.stdin)["tensors"][0]["results"][0]["mse"])')
    close "$m1" "$rm1" 3e-3 && ok "$size: mse at the carried alpha $m1 = report $rm1" || fail "$size: mse $m1 vs $rm1"
    # uniform kept its own optimum on this tensor
    TM send-keys -t ui s
    wait_for 'uniform.*bits 4' || fail "$size: s: uniform not focused"
    au=$(falpha)
    ru=$(report --bits=4 --scheme=uniform -t blk.001.w many.safetensors |
         python3 -c 'import json, sys; print(json.load(sys.stdin)["tensors"][0]["results"][0]["alpha"])')
    close "$au" "$ru" 1e-3 && ok "$size: uniform stayed at its optimum $au = report $ru" || fail "$size: uniform alpha $au vs $ru"
    numbers_whole "$size alpha"
    quit "$size alpha"

    # ---- p on a 1-D tensor of millions of values ---------------------------
    start "$size" "big1d.npy"
    wait_for 'bits [0-9] .*mse [0-9]' || fail "$size: big1d: no start"
    t0=$(date +%s.%N)
    TM send-keys -t ui p
    wait_for 'refused: a 1-D tensor' || fail "$size: p on a 1-D tensor: no message"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.0) }' &&
        ok "$size: p refused on 4000000 values in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s" ||
        fail "$size: p took too long"
    screen | grep -q 'per channel' && fail "$size: p opened the per-channel view anyway"
    quit "$size big1d"

    # ---- D on two single-tensor files of different names --------------------
    start "$size" "--bits=4 a.npy b.npy"
    wait_for 'bits 4 .*mse [0-9]' || fail "$size: D: no start"
    TM send-keys -t ui D
    if wait_for 'b\.npy' && wait_for 'a\.npy' && ! screen | grep -q 'no tensor of this name'; then
        ok "$size: D pairs a.npy and b.npy"
    else
        fail "$size: D did not pair the two single-tensor files"
    fi
    sleep 0.5
    # one x-range: the tick labels of the axis row read the same on both sides
    ticks=$(screen | grep -E '^ +w ' | head -n 1)
    l=$(echo "$ticks" | awk -F'│' '{ print $1 }' | sed 's/^ *w//' | tr -s ' ' | sed 's/^ //; s/ $//')
    r=$(echo "$ticks" | awk -F'│' '{ print $2 }' | sed 's/^ *w//' | tr -s ' ' | sed 's/^ //; s/ $//')
    [ -n "$l" ] && [ "$l" = "$r" ] && ok "$size: D: one x-range ($l)" || fail "$size: D: ticks '$l' vs '$r'"
    numbers_whole "$size compare"
    quit "$size compare"

    # ---- ORIGINAL QUANTIZED: the pairs -------------------------------------
    if [ -f "$CMP/q.gguf" ]; then
        EXP=$(python3 -c "import json, math
d = json.load(open('$CMP/expected.json'))['q.gguf']['pairs']
lo = min(d, key=lambda k: d[k]['sqnr_db'])
q = [k for k in d if 'layers.0.self_attn.q_proj' in k][0]
print(lo, '%.3g' % d[lo]['sqnr_db'], math.sqrt(d[lo]['mse']), q, math.sqrt(d[q]['mse']))")
        set -- $EXP
        start "$size" "--bits=4 '$CMP/orig.safetensors' '$CMP/q.gguf'"
        wait_for 'bits 4 .*mse [0-9]' || fail "$size: pairs: no start"
        TM send-keys -t ui t
        wait_for 'paired, sorted by the pair' && ok "$size: pairs: the list holds the pairs" ||
            fail "$size: pairs: no list of pairs"
        row=$(screen | sed -n '4p' | sed 's/^>//')
        n=$(echo "$row" | awk '{ print $1 }'); d=$(row_db 4)
        # a narrow window shows the name's start
        case "$1" in "$n"*) nm_ok=1 ;; *) nm_ok=0 ;; esac
        [ "$nm_ok" = 1 ] && close "$d" "$2" 1e-9 && ok "$size: pairs: lowest SQNR first: $n $d dB = generator $2" ||
            fail "$size: pairs: first row '$n' '$d' vs '$1' '$2'"
        numbers_whole "$size pairs list"
        TM send-keys -t ui Home Enter D
        if [ "$R" -ge 18 ]; then
            wait_for 'element-wise' || fail "$size: pairs: D: no element-wise error"
            rms=$(screen | sed -n 's/.*element-wise.* rms \([0-9.e+-]*\).*/\1/p')
            close "$rms" "$3" 2e-3 && ok "$size: pairs: D: error rms $rms = generator $3" || fail "$size: pairs: rms $rms vs $3"
        fi
        TM send-keys -t ui Escape t / q _ p r o j Enter
        wait_for 'match' || fail "$size: pairs: filter q_proj"
        # the layer-0 q_proj row is the first (lower SQNR than layer 1's)
        TM send-keys -t ui End Home
        wait_for '^> model\.layers\.0\.' || fail "$size: pairs: layer 0's q_proj not first"
        TM send-keys -t ui Enter D
        if [ "$R" -ge 18 ]; then
            wait_for 'blk.0.attn_q' && wait_for 'element-wise' || fail "$size: pairs: D on q_proj"
            rms=$(screen | sed -n 's/.*element-wise.* rms \([0-9.e+-]*\).*/\1/p')
            close "$rms" "$5" 2e-3 && ok "$size: pairs: permuted q_proj: rms $rms = generator $5" ||
                fail "$size: pairs: q_proj rms $rms vs $5"
        fi
        numbers_whole "$size pairs compare"
        quit "$size pairs"
    else
        echo "pairs check skipped: no $CMP/q.gguf"
    fi
done

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
exit 0
