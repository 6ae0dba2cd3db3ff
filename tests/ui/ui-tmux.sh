#!/bin/sh
# ui-tmux.sh - end-to-end tests of the interactive viewer: run the real
# binary in tmux (a private server socket, a fixed 100x30 window), send keys,
# read the screen with capture-pane, poll with a timeout instead of sleeping.
#
# What is checked, and against what:
#  - the status line follows + - l h L o n j (bits by counting, alpha steps
#    against 1% of stats.absmax from --report, o against the optimal alpha
#    of --report --alpha=mse, raw and normalized);
#  - the on-screen mse equals --report --format=json for the same settings;
#  - ? opens and closes the help overlay; resize to 40x12 gives the
#    too-small message, back to 100x30 redraws the view;
#  - q exits with status 0 and the shell's screen comes back;
#  - a constant tensor refuses n with a message; NaN/Inf, empty and
#    one-element tensors are shown without a crash;
#  - NO_COLOR with a non-UTF-8 locale draws ASCII bars;
#  - SIGTERM restores the screen.
# Skips (77) when tmux is missing.

command -v tmux >/dev/null 2>&1 || { echo "tmux not found: skipped"; exit 77; }
: "${APOTVIEW:=$abs_top_builddir/src/apotview}"
MKFIX=${UI_MKFIX:-$abs_top_builddir/tests/lib/ui_mkfix}
[ -x "$APOTVIEW" ] || { echo "no $APOTVIEW"; exit 99; }
[ -x "$MKFIX" ] || { echo "no $MKFIX"; exit 99; }

# JSON reading: jq, else python3, else the number checks are skipped.
if command -v jq >/dev/null 2>&1; then
    jget() { jq -r "$1"; }
elif command -v python3 >/dev/null 2>&1; then
    jget() { python3 -c 'import json, re, sys
d = json.load(sys.stdin)
for k, i in re.findall(r"\.(\w+)|\[(\d+)\]", sys.argv[1]):
    d = d[k] if k else d[int(i)]
print(d)' "$1"; }
else
    jget() { echo skip; }
fi

TAG=ui
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib/tmux-lib.sh"
field() { status_line | sed -n "s/.*$1 \\([^ ]*\\).*/\\1/p"; }
# close A B REL: |A - B| <= REL * max(|A|, |B|)

start() { # start "ENV..." "ARGS..."
    next_server
    cmd="cd '$T' && printf 'BEFORE-APOTVIEW\\n'; env $1 '$APOTVIEW' $2; echo EXIT=\$?; sleep 600"
    TM new-session -d -s ui -x 100 -y 30 "$cmd" || { echo "cannot start tmux"; exit 99; }
}

"$MKFIX" gauss 20000 "$T/a.npy" && "$MKFIX" laplace 5000 "$T/b.npy" &&
"$MKFIX" const 100 "$T/c.npy" && "$MKFIX" nanmix 1000 "$T/d.npy" &&
"$MKFIX" empty 0 "$T/e.npy" && "$MKFIX" gauss 1 "$T/one.npy" || exit 99

report() { (cd "$T" && "$APOTVIEW" --report --format=json "$@"); }

# ---- main run: two files, UTF-8, colours --------------------------------
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 a.npy b.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "no status line with numbers"
s=$(status_line)
echo "$s" | grep -q 'apot' || fail "focused scheme apot not on the status line: $s"
echo "$s" | grep -q 'norm off' || fail "norm off not shown: $s"

# on-screen numbers vs --report (each scheme at its optimal alpha by default)
J=$(report --bits=4 --scheme=uniform,pot,apot a.npy)
ra=$(echo "$J" | jget '.tensors[0].results[2].alpha')
rm=$(echo "$J" | jget '.tensors[0].results[2].mse')
absmax=$(echo "$J" | jget '.tensors[0].stats.absmax')
a0=$(field alpha); m0=$(field mse)
if [ "$ra" != skip ]; then
    close "$a0" "$ra" 1e-3 && ok "alpha on screen $a0 = report $ra" || fail "alpha $a0 vs report $ra"
    close "$m0" "$rm" 1e-3 && ok "mse on screen $m0 = report $rm" || fail "mse $m0 vs report $rm"
fi

old=$(status_line); TM send-keys -t ui +; wait_status_change "$old"
field bits | grep -qx 5 && ok "+ -> bits 5" || fail "+ did not give bits 5"
old=$(status_line); TM send-keys -t ui -- -; wait_status_change "$old"
field bits | grep -qx 4 && ok "- -> bits 4" || fail "- did not give bits 4"

old=$(status_line); TM send-keys -t ui l; wait_status_change "$old"
a1=$(field alpha)
if [ "$ra" != skip ]; then
    step=$(awk -v a="$a1" -v b="$a0" 'BEGIN { print a - b }')
    want=$(awk -v m="$absmax" 'BEGIN { print 0.01 * m }')
    close "$step" "$want" 0.02 && ok "l: alpha $a0 -> $a1 (1% of max|x|)" || fail "l: step $step, want $want"
fi
old=$(status_line); TM send-keys -t ui h; wait_status_change "$old"
a2=$(field alpha)
close "$a2" "$a0" 1e-3 && ok "h: alpha back to $a2" || fail "h: alpha $a2, want $a0"

old=$(status_line); TM send-keys -t ui L; wait_status_change "$old"
a3=$(field alpha)
awk -v a="$a3" -v b="$a0" 'BEGIN { exit !(a > b) }' && ok "L: alpha up to $a3" || fail "L: alpha $a3 not above $a0"
old=$(status_line); TM send-keys -t ui o; wait_status_change "$old"
a4=$(field alpha)
close "$a4" "$a0" 1e-3 && ok "o: alpha back to the optimum $a4" || fail "o: alpha $a4, want $a0"

# a fixed alpha: the mse must match --report --alpha=VALUE
old=$(status_line); TM send-keys -t ui L; wait_status_change "$old"
a5=$(field alpha); m5=$(field mse)
if [ "$ra" != skip ]; then
    rm5=$(report --bits=4 --scheme=apot --alpha="$a5" a.npy | jget '.tensors[0].results[0].mse')
    close "$m5" "$rm5" 2e-3 && ok "mse at alpha $a5: $m5 = report $rm5" || fail "mse at alpha $a5: $m5 vs report $rm5"
fi

old=$(status_line); TM send-keys -t ui n; wait_status_change "$old"
status_line | grep -q 'norm on' && ok "n -> norm on" || fail "n did not turn normalization on"
old=$(status_line); TM send-keys -t ui o; wait_status_change "$old"
a6=$(field alpha); m6=$(field mse)
if [ "$ra" != skip ]; then
    J=$(report --bits=4 --normalize --scheme=apot a.npy)
    rna=$(echo "$J" | jget '.tensors[0].results[0].alpha'); rnm=$(echo "$J" | jget '.tensors[0].results[0].mse')
    close "$a6" "$rna" 1e-3 && ok "normalized optimal alpha $a6 = report $rna" || fail "normalized alpha $a6 vs $rna"
    close "$m6" "$rnm" 1e-3 && ok "normalized mse $m6 = report $rnm" || fail "normalized mse $m6 vs $rnm"
fi

TM send-keys -t ui j
wait_for 'b\.npy +b \[2/2\]' && ok "j -> next tensor b" || fail "j did not move to b"
TM send-keys -t ui k
wait_for 'a\.npy +a \[1/2\]' && ok "k -> back to a" || fail "k did not move back to a"

TM send-keys -t ui / b Enter
wait_for 'b\.npy +b \[2/2\]' && ok "/ finds tensor b" || fail "/ b did not find b"
TM send-keys -t ui / a Enter
wait_for 'a\.npy +a \[1/2\]' || fail "/ a did not find a"
# two files of one tensor each: D pairs them whatever their names (issue 12)
TM send-keys -t ui D
wait_for 'b\.npy: b' && ! screen | grep -q 'no tensor of this name' &&
    ok "D: the two single-tensor files a and b are paired" || fail "D: compare view"
TM send-keys -t ui D; wait_gone 'b\.npy: b'

TM send-keys -t ui '?'
wait_for 'apotview keys' && ok "? opens the help" || fail "? did not open the help"
TM send-keys -t ui j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j
wait_for 'compare view' || fail "help does not list D (after scrolling)"
TM send-keys -t ui '?'
wait_gone 'apotview keys' && ok "? closes the help" || fail "? did not close the help"
TM send-keys -t ui '?'; wait_for 'apotview keys'
TM send-keys -t ui Escape
wait_gone 'apotview keys' && ok "Esc closes the help" || fail "Esc did not close the help"

TM send-keys -t ui c
wait_for 'mse vs alpha' && ok "c opens the curve view" || fail "c: no curve view"
# the clipping methods' alphas for the focused apot (now normalized) against
# --report --alpha=METHOD
wait_for 'clipping alpha:.*P p99.9 [0-9]' || fail "c: no clipping legend"
if [ "$ra" != skip ]; then
    for mm in "P p99.9 percentile:99.9" "S 3sigma sigma:3" "K kl kl" "A aciq aciq" "X max max"; do
        set -- $mm
        va=$(screen | sed -n "s/.*$1 $2 \([0-9.e+-]*\).*/\1/p" | tail -n 1)
        rv=$(report --bits=4 --normalize --scheme=apot --alpha="$3" a.npy | jget '.tensors[0].results[0].alpha')
        close "$va" "$rv" 1e-3 && ok "c: $3 marked at alpha $va = report" || fail "c: $3 at $va vs report $rv"
    done
fi
TM send-keys -t ui c; wait_gone 'mse vs alpha'
TM send-keys -t ui t
wait_for 'tensors, sorted by' && ok "t opens the tensor list" || fail "t: no list"
TM send-keys -t ui t; wait_gone 'tensors, sorted by'

TM resize-window -t ui -x 40 -y 12
wait_for 'needs at' && ok "40x12: too-small message" || fail "40x12: no too-small message"
TM resize-window -t ui -x 100 -y 30
wait_gone 'needs at' && wait_for 'sqnr dB' && ok "100x30: view back" || fail "100x30: view not back"

TM send-keys -t ui q
wait_for '^EXIT=' || fail "q did not quit"
screen | grep -q '^EXIT=0$' && ok "q exits 0" || fail "exit status not 0"
screen | grep -q 'BEFORE-APOTVIEW' && ! screen | grep -q 'bits 4' && ok "screen restored" || fail "screen not restored"

# ---- odd tensors, ASCII, no colour -----------------------------------------
start "LANG=C LC_ALL=C NO_COLOR=1 TERM=xterm" "c.npy d.npy e.npy one.npy"
wait_for 'c \[1/4\]' && wait_for 'mse 0' || fail "constant tensor not shown"
wait_for '#' && ok "ASCII bars without UTF-8" || fail "no ASCII bars"
TM send-keys -t ui n
wait_for 'refused' && ok "n refused on a constant tensor" || fail "n not refused on a constant tensor"
status_line | grep -q 'norm off' || fail "norm turned on for a constant tensor"
TM send-keys -t ui j
wait_for 'nonfinite 101' && ok "NaN/Inf counted" || fail "NaN/Inf tensor"
TM send-keys -t ui j
wait_for 'no finite values' && ok "empty tensor shown" || fail "empty tensor"
TM send-keys -t ui j
wait_for 'one \[4/4\]' && wait_for 'mse 0' && ok "one-element tensor shown" || fail "one-element tensor"
TM send-keys -t ui l h L H o m n g c c t t D D '?' '?'
sleep 0.3
TM send-keys -t ui q
wait_for '^EXIT=0$' && ok "odd tensors: q exits 0" || fail "odd tensors: bad exit"

# ---- x overlay -------------------------------------------------------------
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 a.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "x: no start"
TM send-keys -t ui x
wait_for 'apot explained' && ok "x opens the explanation of apot" || fail "x did not open the explanation"
screen | grep -q 'gamma' || fail "x: the apot formula (gamma) is not shown"
TM send-keys -t ui s
wait_for 'uniform explained' && ok "s moves the explanation to the next scheme" || fail "x + s: no uniform text"
TM send-keys -t ui x
wait_gone 'explained \(x' && ok "x closes the explanation" || fail "x did not close it"
TM send-keys -t ui x; wait_for 'explained \(x'
TM send-keys -t ui Escape
wait_gone 'explained \(x' && ok "Esc closes the explanation" || fail "Esc did not close it"
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "x run: bad exit"

# ---- --tour: uniform -> pot -> apot -> normalization -> clipping -----------
# The tensor is demo:gaussian (no FILE); each step's numbers are checked
# against --report on the same demo tensor at the step's settings.
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--tour"
wait_for 'tour 1/6' && wait_for 'mse [0-9]' || fail "--tour: no first step"
# tour_check N SCHEME NORM REPORT-ARGS: status line and numbers at step N
tour_check() {
    wait_for "^ $2 .*bits 4 .*norm $3 .*mse [0-9].*tour $1/6" ||
        { fail "tour step $1: want $2, bits 4, norm $3"; return; }
    [ "$ra" = skip ] && { ok "tour step $1: $2 norm $3"; return; }
    Jt=$(report --bits=4 --scheme="$2" $4 demo:gaussian)
    rta=$(echo "$Jt" | jget '.tensors[0].results[0].alpha'); rtm=$(echo "$Jt" | jget '.tensors[0].results[0].mse')
    ta=$(field alpha); tm=$(field mse)
    close "$ta" "$rta" 1e-3 && close "$tm" "$rtm" 1e-3 &&
        ok "tour step $1: $2 norm $3, alpha $ta mse $tm = report" ||
        fail "tour step $1: alpha $ta mse $tm vs report $rta $rtm"
}
tour_check 1 uniform off "--alpha=max"
screen | grep -q 'Tour 1/6: uniform' || fail "tour: no caption"
TM send-keys -t ui Space; tour_check 2 pot off "--alpha=max"
screen | grep -q 'crowd near zero' || fail "tour step 2: caption"
TM send-keys -t ui Right; tour_check 3 apot off "--alpha=max"
TM send-keys -t ui Left; tour_check 2 pot off "--alpha=max"
TM send-keys -t ui Space Space; tour_check 4 apot on "--alpha=max --normalize"
TM send-keys -t ui Space; tour_check 5 apot on "--normalize"
TM send-keys -t ui Space
wait_for 'tour 6/6' && wait_for 'mse vs alpha' && ok "tour step 6: the curve view" || fail "tour step 6"
TM send-keys -t ui Space
wait_for 'the tour ends here' && ok "tour: no step after the last" || fail "tour: end message"
TM send-keys -t ui q
wait_for '^EXIT=0$' && ok "tour: q exits 0" || fail "tour: q did not exit 0"

# ---- D with two files: both histograms, the difference, mse of both --------
mkdir -p "$T/l" "$T/r" "$T/s"
"$MKFIX" gauss 20000 "$T/l/w.npy" && "$MKFIX" laplace 20000 "$T/r/w.npy" && "$MKFIX" laplace 5000 "$T/s/w.npy" || exit 99
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 l/w.npy r/w.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "D: no start"
TM send-keys -t ui D
wait_for 'element-wise' && ok "D: element-wise difference for equal shapes" || fail "D: no element-wise difference"
wait_for 'mse right/left: .*apot [0-9]'
if [ "$ra" != skip ]; then
    ml=$(report --bits=4 --scheme=apot l/w.npy | jget '.tensors[0].results[0].mse')
    mr=$(report --bits=4 --scheme=apot r/w.npy | jget '.tensors[0].results[0].mse')
    want=$(awk -v a="$ml" -v b="$mr" 'BEGIN { print b / a }')
    got=$(screen | sed -n 's/.*mse right\/left:.* apot \([0-9.e+-]*\)x.*/\1/p')
    close "$got" "$want" 2e-3 && ok "D: apot mse ratio $got = report $mr / $ml" || fail "D: ratio $got vs $want"
fi
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "D run: bad exit"
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 l/w.npy s/w.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "D2: no start"
TM send-keys -t ui D
wait_for 'shapes differ: right histogram - left' && ok "D: histogram difference for different shapes" ||
    fail "D: no histogram difference"
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "D2 run: bad exit"

# ---- --scheme=all: one row per scheme, ranked by mse, gap to optimum, bpw ---
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 --scheme=all a.npy"
wait_for ' # scheme .*gap dB .*bpw' && ok "all: ranked results table" || fail "all: no ranked table"
# the gap is computed after the first redraw: wait for apot's number
wait_for '^ *[0-9]+ apot +[0-9.e-]+ +[0-9.e-]+ +-?[0-9]+\.[0-9]+ ' || fail "all: apot gap not shown"
if [ "$ra" != skip ]; then
    Ja=$(report --bits=4 --scheme=all a.npy)
    row=$(screen | grep -E '^ *[0-9]+ apot ')
    g=$(echo "$row" | awk '{ print $5 }'); bp=$(echo "$row" | awk '{ print $6 }')
    Jg=$(report --bits=4 --scheme=apot a.npy)
    rg=$(echo "$Jg" | jget '.tensors[0].results[0].gap_to_optimal_db'); rb=$(echo "$Jg" | jget '.tensors[0].results[0].bpw')
    awk -v a="$g" -v b="$rg" 'BEGIN { d = a - b; exit !(d < 0.006 && d > -0.006) }' &&
        close "$bp" "$rb" 1e-3 && ok "all: apot gap $g dB, bpw $bp = report" || fail "all: apot gap $g bpw $bp vs report $rg $rb"
    # ranked: the first row's mse is the smallest
    first=$(screen | grep -E '^ +1 [a-z]' | awk '{ print $2 }')
    best=$(echo "$Ja" | python3 -c 'import json,sys
r=[x for x in json.load(sys.stdin)["tensors"][0]["results"] if "mse" in x and x["scheme"] not in ("mxfp4", "q4_0", "q8_0")]
print(min(r, key=lambda x: x["mse"])["scheme"])' 2>/dev/null)
    [ -z "$best" ] || [ "$first" = "$best" ] && ok "all: rank 1 is $first (report: $best)" || fail "all: rank 1 $first, report $best"
fi
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "all run: bad exit"

# ---- p: per-channel view ----------------------------------------------------
# chan.npy: shape (16, 256), channel 5 ten times wider than the others
"$MKFIX" chan 4096 "$T/chan.npy" || exit 99
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 chan.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "p: no start"
TM send-keys -t ui p
wait_for 'per channel' && ok "p opens the per-channel view" || fail "p: no per-channel view"
wait_for '1 outlier channel' && ok "p: one outlier channel" || fail "p: outlier count"
# the widest channel first, marked
screen | sed -n '4p' | grep -Eq '^! +5 ' && ok "p: channel 5 first and marked !" || fail "p: channel 5 not first/marked"
screen | grep -Eq '^[ !] +15 ' && ok "p: all 16 channels listed" || fail "p: channel 15 missing"
# the channels' errors summed over the tensor = --report --granularity=channel
if [ "$ra" != skip ]; then
    pm=$(screen | sed -n 's/.*all channels: mse \([0-9.e+-]*\).*/\1/p')
    rpm=$(report --bits=4 --scheme=apot --granularity=channel chan.npy | jget '.tensors[0].results[0].mse')
    close "$pm" "$rpm" 1e-3 && ok "p: all channels mse $pm = report --granularity=channel" ||
        fail "p: all channels mse $pm vs report $rpm"
fi
TM send-keys -t ui p
wait_gone 'per channel' && ok "p closes the per-channel view" || fail "p did not close it"
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "p run: bad exit"

# ---- a: the alpha an APoT checkpoint stores beside a weight ---------------
# tests/data/io/W_zip.pt (tests/lib/gen_io_fixtures.py) holds conv.weight and
# conv.weight_quant.wgt_alpha; fc.weight has no sibling.
ZIP="${abs_top_srcdir:-$abs_top_builddir/..}/tests/data/io/W_zip.pt"
if [ -f "$ZIP" ]; then
    cp "$ZIP" "$T/W_zip.pt"
    start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "--bits=4 W_zip.pt"
    wait_for 'conv\.weight \[1/' && wait_for 'mse [0-9]' || fail "a: checkpoint not shown"
    old=$(status_line); TM send-keys -t ui a; wait_status_change "$old"
    status_line | grep -q 'norm on' && ok "a: norm on" || fail "a: norm not on"
    # on the status line, or whole on the row above it when too long for it
    screen | grep -v '^ *$' | tail -n 2 | grep -q 'stored wgt_alpha, as APoT code (conv\.weight_quant\.wgt_alpha)' &&
        ok "a: status says the stored alpha is used" ||
        fail "a: no message about the stored alpha"
    if [ "$ra" != skip ]; then
        Jz=$(report --bits=4 --scheme=apot --alpha=file -t conv.weight W_zip.pt 2>/dev/null)
        za=$(echo "$Jz" | jget '.tensors[0].results[0].alpha'); zm=$(echo "$Jz" | jget '.tensors[0].results[0].mse')
        sa=$(field alpha); sm=$(field mse)
        close "$sa" "$za" 1e-6 && close "$sm" "$zm" 1e-3 && ok "a: alpha $sa mse $sm = report --alpha=file" ||
            fail "a: alpha $sa mse $sm vs report --alpha=file $za $zm"
    fi
    TM send-keys -t ui /; TM send-keys -t ui -l 'fc.weight'; TM send-keys -t ui Enter
    wait_for 'fc\.weight \[' || fail "a: cannot find fc.weight"
    TM send-keys -t ui a
    wait_for 'no wgt_alpha beside fc.weight' && ok "a: a weight without a stored alpha says so" ||
        fail "a: no message for fc.weight"
    # i: the checkpoint's scalars (written by tests/lib/gen_io_fixtures.py: epoch 90)
    TM send-keys -t ui i
    wait_for 'file info' && wait_for 'epoch: 90' && ok "i: file info lists the checkpoint scalars" ||
        fail "i: no file info with epoch: 90"
    TM send-keys -t ui Escape
    wait_gone 'file info' && ok "Esc closes the file info" || fail "Esc did not close the file info"
    TM send-keys -t ui q
    wait_for '^EXIT=0$' || fail "a run: bad exit"
else
    echo "a-key check skipped: no $ZIP"
fi

# ---- a key never waits for the per-channel numbers ---------------------------
# 2048 channels of 4096 values: seconds of work per visit; q while it runs
# must quit at once (the work stops between channels for a key)
"$MKFIX" rows 8388608 "$T/rows.npy" || exit 99
start "LANG=C.UTF-8 TERM=xterm-256color" "rows.npy"
wait_for 'bits 4 .*mse [0-9]' || fail "channels: no start"
TM send-keys -t ui p
wait_for 'computing each channel' || fail "p: no per-channel computation shown"
sleep 0.5
t0=$(date +%s.%N)
TM send-keys -t ui q
wait_for '^EXIT=0$' || fail "q during the per-channel computation: no exit"
t1=$(date +%s.%N)
if awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 2.0) }'; then
    ok "q during the per-channel computation quits in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
else
    fail "q waited $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s for the per-channel numbers"
fi

# ---- hostile names (issue 10): names and metadata that would retitle or
# clear the terminal are drawn escaped (\xNN), in the header, the list view,
# the compare view, the i overlay and the / find message -------------------
# safetensors by hand: 8-byte little-endian header length, the JSON header,
# 4 float32 per tensor (1, -2, 2, -1); h2 holds the same first name so D
# compares across files
hostile_st() { # FILE HEADER
    len=$(printf '%s' "$2" | wc -c)
    o() { printf "\\$(printf '%03o' "$1")"; }
    { o $((len & 255)); o $((len >> 8 & 255)); o 0; o 0; o 0; o 0; o 0; o 0
      printf '%s' "$2"
      i=0; while [ "$i" -lt 2 ]; do printf '\000\000\200\077\000\000\000\300\000\000\000\100\000\000\200\277'; i=$((i + 1)); done
    } > "$1"
}
N1='a\u001b]0;PWNED\u0007'
N2='g\u009bh\u001b[2J'
hostile_st "$T/h1.safetensors" "{\"__metadata__\":{\"k\\u001b[2J\":\"v\\u001b]2;META\\u0007\"},\"$N1\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"$N2\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}"
hostile_st "$T/h2.safetensors" "{\"$N1\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}"
# a plain escape, grep -F: the 4 characters \x1b etc.
E1='a\x1b]0;PWNED\x07'
E2='g\xc2\x9bh\x1b[2J'
hostile_ok() { # WHAT: the title is untouched, the screen not cleared
    title=$(TM display -p -t ui '#{pane_title}')
    case "$title" in *PWNED*|*META*) fail "$1: the pane title became '$title'";; esac
    screen | grep -q '\^\[' && fail "$1: a raw ESC reached curses (^[ on screen)"
}
start "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color" "h1.safetensors h2.safetensors"
if wait_for 'mse [0-9]'; then
    screen | grep -qF "$E1" && ok "hostile name escaped in the header" || fail "header: no '$E1'"
    hostile_ok header
    TM send-keys -t ui j
    wait_for 'h\\x1b\[2J' && screen | grep -qF "$E2" && ok "C1 and CSI name escaped" || fail "header: no '$E2'"
    hostile_ok "second tensor"
    TM send-keys -t ui t
    wait_for 'name' && screen | grep -F "$E1" | grep -q 'h1.safetensors' && screen | grep -qF "$E2" &&
        ok "list view: names escaped" || fail "list view"
    hostile_ok "list view"
    TM send-keys -t ui Escape
    TM send-keys -t ui k i
    wait_for 'file info' && screen | grep -qF 'k\x1b[2J: v\x1b]2;META\x07' &&
        ok "i overlay: metadata escaped" || fail "i overlay: no escaped metadata"
    hostile_ok "i overlay"
    TM send-keys -t ui Escape
    TM send-keys -t ui D
    wait_for 'h2.safetensors' && [ "$(screen | grep -oF "$E1" | wc -l)" -ge 2 ] &&
        ok "compare view: both names escaped" || fail "compare view"
    hostile_ok "compare view"
    TM send-keys -t ui Escape
    TM send-keys -t ui / PWN Enter
    wait_for 'found' && screen | grep 'found' | grep -qF "$E1" && ok "find message escaped" || fail "find message"
    hostile_ok "find"
    TM send-keys -t ui q
    wait_for '^EXIT=0$' || fail "hostile names: no clean exit"
else
    fail "hostile names: the viewer did not start"
fi

# ---- no terminal: --tui refuses (exit 2), the default mode is --report ----
(cd "$T" && "$APOTVIEW" --tui a.npy </dev/null >/dev/null 2>&1); st=$?
[ "$st" -eq 2 ] && ok "--tui without a terminal: exit 2" || fail "--tui without a terminal: exit $st"
(cd "$T" && "$APOTVIEW" a.npy </dev/null | grep -q apot) && ok "no terminal: report" || fail "no terminal: no report"

# ---- SIGTERM restores the terminal -------------------------------------------
start "LANG=C.UTF-8 TERM=xterm-256color" "a.npy"
wait_for 'mse [0-9]' || fail "no start for SIGTERM test"
pid=$(TM list-panes -t ui -F '#{pane_pid}')
# the pane runs sh -c; the viewer is its child
vpid=$(ps -o pid= --ppid "$pid" 2>/dev/null | head -n 1 | tr -d ' ')
[ -z "$vpid" ] && vpid=$(pgrep -P "$pid" 2>/dev/null | head -n 1)
if [ -n "$vpid" ]; then
    kill -TERM "$vpid"
    wait_for '^EXIT=' && screen | grep -q 'BEFORE-APOTVIEW' && ! screen | grep -q 'bits 4' &&
        ok "SIGTERM: screen restored ($(screen | grep '^EXIT='))" || fail "SIGTERM did not restore"
else
    echo "SIGTERM check skipped: viewer pid not found"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
