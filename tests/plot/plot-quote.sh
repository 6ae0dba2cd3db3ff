#!/bin/sh
# plot-quote.sh - issue 10 for figures: a hostile file must not run commands
# through gnuplot or leave a broken figure behind.
#   1. the source rule (no gnuplot needed): src/plot builds scripts only
#      with fixed single-quoted literals, numbers, and fig_quote;
#   2. tensor names and export paths that try to run commands (backquotes,
#      quotes, $(...), system(), newlines, @macros, a pipe as output) do
#      not, through the real gnuplot, in the export or when the saved .gp
#      is run again;
#   3. a full disk (ulimit -f), a truncating gnuplot that exits 0, a figure
#      that cannot be renamed into place: exit 1, a message naming the
#      file, the old figure and its old .gp byte-identical, nothing left;
#   4. values near +-1.8e308: a clear error, no inf in a script.
#
# Needs: APOTVIEW, abs_top_srcdir; python3. Skips (77) the gnuplot parts
# without gnuplot.
set -u

: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-quote.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# ---- 1. the source rule ------------------------------------------------------
# In the files that build scripts: (a) no C string holds a double quote for
# gnuplot; (b) no sbuf_printf into a script buffer (b, out) has a %s/%c,
# and (c) no sbuf_puts into one appends anything but string literals, except
# lines marked "gp-lint: ok" (the quoting function, numbers, block names).
for src in "$abs_top_srcdir"/src/plot/*.c; do
    [ "$(basename "$src")" = cli.c ] && continue # builds no script
    out=$(awk '
        /gp-lint: ok/ { next }
        /\\"/ { print FILENAME ":" FNR ": a double quote in a C string: " $0 }
        call == "" && /sbuf_(printf|puts)\((b|out),/ { call = ""; start = FNR; collecting = 1 }
        collecting { call = call $0 "\n"; if ($0 ~ /\);[ \t]*(\/\*.*)?$/) collecting = 0 }
        call != "" && !collecting {
            c = call; call = ""
            if (c ~ /sbuf_printf/ && c ~ /%(\.\*)?[sc]/)
                print FILENAME ":" start ": %s or %c in a script format: " c
            if (c ~ /sbuf_puts/) {
                a = c; sub(/^[^,]*,[ \t\n]*/, "", a); sub(/\);[^\n]*\n$/, "", a)
                # literals, or COND ? "..." : "..."
                if (a !~ /^"/ && a !~ /^[^"?]*\?[ \t\n]*"([^"\\]|\\.)*"[ \t\n]*:[ \t\n]*"([^"\\]|\\.)*"$/)
                    print FILENAME ":" start ": sbuf_puts of text that is not a literal: " c
            }
        }' "$src")
    [ -z "$out" ] && ok "$(basename "$src"): scripts built from literals, numbers and fig_quote only" ||
        fail "$out"
done
# the lint itself catches the regressions it is for
mkdir "$T/lint"
printf '%s\n' 'static void f(sbuf *b, const char *name)' '{' \
    '    sbuf_printf(b, "set title %s\n", name);' \
    '    sbuf_puts(b, name);' \
    '    sbuf_puts(b, "set ylabel \"count\"\n");' '}' >"$T/lint/bad.c"
n=$(awk '
    /gp-lint: ok/ { next }
    /\\"/ { print "q" }
    /sbuf_printf\((b|out),.*%s/ { print "s" }
    /sbuf_puts\((b|out), [^" ]/ { print "p" }' "$T/lint/bad.c" | wc -l)
[ "$n" -eq 3 ] && ok "the source rule catches a %s, a bare name and a double quote" ||
    fail "the source rule missed a regression ($n of 3)"

command -v python3 >/dev/null 2>&1 || { echo "python3 missing"; exit 99; }
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: the rest skipped"; [ $fails -eq 0 ] && exit 77; exit 1; }

SAMPLE="$abs_top_srcdir/data/faceapi_conv64_1_conv1.npy"
# mkst OUT NAME...: a safetensors file with one small float32 tensor per name
mkst() {
    python3 - "$@" <<'EOF'
import sys, json, struct, math
out, names = sys.argv[1], sys.argv[2:]
hdr, data = {}, b""
for k, nm in enumerate(names):
    vals = [0.05 * math.sin(i * 0.37 + k) * (1 + (i % 7) / 7.0) for i in range(256)]
    b = struct.pack("<256f", *vals)
    hdr[nm] = {"dtype": "F32", "shape": [16, 16], "data_offsets": [len(data), len(data) + len(b)]}
    data += b
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(out, "wb").write(struct.pack("<Q", len(h)) + h + data)
EOF
}

# ---- 2. hostile names and paths through the real gnuplot ----------------------
# gnuplot runs in OUT/.apotview-XXXXXX: each payload touches ../C<n>, that
# is OUT/C<n>, and is short enough to survive the legend's shortening.
Q="$T/q"
mkdir "$Q"
i=0
for name in '`touch ../C1`' "x'\`touch ../C2\`'" '$(touch ../C3)' '"`touch ../C4`"' \
    'system("touch ../C5")' "a
system('touch ../C6')
EOD" 'q\' '@ARG0`touch ../C8`' "'';system('touch ../C9')#"; do
    i=$((i + 1))
    mkst "$T/h$i.safetensors" "$name" || exit 99
    mkst "$T/r$i.safetensors" "r$i" || exit 99
done
mkst "$T/layers.safetensors" '`touch ../C1`' "x'\`touch ../C2\`'" '$(touch ../C3)' 'system("touch ../C5")' \
    "a
system('touch ../C6')" 'q\' || exit 99
runs=0 bad=0
for k in $(seq 1 $i); do
    for fig in histogram sweep channels compare layers; do
        for ext in png svg tex; do
            case $fig in
            compare) input="$T/h$k.safetensors $T/r$k.safetensors" ;;
            layers) [ $k -eq 1 ] || continue; input="$T/layers.safetensors" ;;
            *) input="$T/h$k.safetensors" ;;
            esac
            runs=$((runs + 1))
            # shellcheck disable=SC2086
            "$APOTVIEW" --export="$Q/$fig-$k-$ext.$ext" --figure=$fig $input >/dev/null 2>"$T/err" ||
                { bad=$((bad + 1)); fail "$fig .$ext, name $k: $(cat "$T/err")"; }
        done
    done
done
ls "$Q" | grep -q '^C[0-9]' && fail "a tensor name ran a command: $(ls "$Q" | grep '^C[0-9]' | tr '\n' ' ')" ||
    ok "$runs exports with hostile tensor names ran no command"
[ $bad -eq 0 ] && ok "and all of them drew their figure"
# the saved scripts, run again
mkdir "$Q/redo"
cp "$Q"/*.gp "$Q/redo/"
(cd "$Q/redo" && for f in *.gp; do gnuplot "$f" >/dev/null 2>&1 || echo "$f" >>../redo-failed; done)
ls "$Q" | grep -q '^C[0-9]' && fail "a saved .gp ran a command" || ok "the saved .gp files run no command either"
[ -e "$Q/redo-failed" ] && fail "saved scripts gnuplot cannot run: $(cat "$Q/redo-failed")"
# hostile output names: backquotes and a pipe
mkdir "$T/p"
"$APOTVIEW" --export="$T/p/x\`cd ..;touch C20\`.png" --figure=bits "$SAMPLE" 2>"$T/err" &&
    [ -s "$T/p/x\`cd ..;touch C20\`.png" ] && [ ! -e "$T/p/C20" ] && ok "a backquote in the export path runs nothing" ||
    fail "backquote in the path: $(cat "$T/err"; ls "$T/p")"
"$APOTVIEW" --export="$T/p/|cd ..;touch C21.png" --figure=bits "$SAMPLE" 2>"$T/err" &&
    [ -s "$T/p/|cd ..;touch C21.png" ] && [ ! -e "$T/p/C21.png" ] && ok "an export path starting with | is a file, not a pipe" ||
    fail "pipe in the path: $(cat "$T/err"; ls "$T/p")"
ls -A "$Q" "$T/p" | grep -q '^\.apotview' && fail "temporary directories left behind"

# ---- 3. never a broken figure ------------------------------------------------------
D="$T/d"
mkdir "$D"
"$APOTVIEW" --export="$D/old.png" --figure=sweep "$SAMPLE" || exit 99
cp "$D/old.png" "$T/old.png.orig"
cp "$D/old.png.gp" "$T/old.gp.orig"
cp "$D/old.png.csv" "$T/old.csv.orig"
same() { cmp -s "$D/old.png" "$T/old.png.orig" && cmp -s "$D/old.png.gp" "$T/old.gp.orig" &&
    cmp -s "$D/old.png.csv" "$T/old.csv.orig" &&
    [ "$(ls -A "$D" | tr '\n' ' ')" = "old.png old.png.csv old.png.gp " ]; }
# ulimit -f: its block size (1024 in bash and dash, 512 in some shells)
blk=$( (trap '' XFSZ; ulimit -f 1 && head -c 4096 /dev/zero >"$T/probe") 2>/dev/null; wc -c <"$T/probe" | tr -d ' ')
gps=$(($(wc -c <"$D/old.png.gp") + $(wc -c <"$D/old.png.csv")))
pngs=$(wc -c <"$D/old.png" | tr -d ' ')
if [ "${blk:-0}" -gt 0 ] && [ $((pngs - gps)) -gt $((3 * blk)) ]; then
    # room for the script but not the PNG: gnuplot gets EFBIG, exits 0
    lim=$((gps / blk + 2))
    (trap '' XFSZ; ulimit -f $lim && exec "$APOTVIEW" --force --export="$D/old.png" --figure=sweep "$SAMPLE") 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "^apotview: .*incomplete $D/old.png" "$T/err" && same &&
        ok "full disk under gnuplot: $(cat "$T/err")" || fail "full disk under gnuplot: rc $rc, $(cat "$T/err"; ls -A "$D")"
    # no room for the script: our own write fails
    (trap '' XFSZ; ulimit -f 1 && exec "$APOTVIEW" --force --export="$D/old.png" --figure=sweep "$SAMPLE") 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "^apotview: cannot write $D/old.png.gp: " "$T/err" && same &&
        ok "full disk for the script: $(cat "$T/err")" || fail "full disk for the script: rc $rc, $(cat "$T/err"; ls -A "$D")"
else
    echo "ulimit -f cannot separate the script from the PNG here: full-disk runs skipped"
fi
# a gnuplot that writes a truncated figure and exits 0
cat >"$T/trunc-gnuplot" <<'EOF'
#!/bin/sh
out=$(sed -n "s/^set output '\(.*\)'$/\1/p")
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$out"
exit 0
EOF
chmod +x "$T/trunc-gnuplot"
GNUPLOT="$T/trunc-gnuplot" "$APOTVIEW" --force --export="$D/old.png" --figure=sweep "$SAMPLE" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q "incomplete $D/old.png (it does not end with the PNG IEND chunk" "$T/err" && same &&
    ok "a truncated PNG from a gnuplot that exits 0 is refused" || fail "truncated PNG: rc $rc, $(cat "$T/err")"
# the figure's name is a directory: refused before anything is written
# (--force replaces files only), the old script kept
mkdir "$T/r"
echo "old script" >"$T/r/fig.png.gp"
cp "$T/r/fig.png.gp" "$T/fig.gp.orig"
mkdir "$T/r/fig.png"
"$APOTVIEW" --force --export="$T/r/fig.png" --figure=sweep "$SAMPLE" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^apotview: cannot write $T/r/fig.png: it is a directory" "$T/err" &&
    cmp -s "$T/r/fig.png.gp" "$T/fig.gp.orig" &&
    [ "$(ls -A "$T/r" | tr '\n' ' ')" = "fig.png fig.png.gp " ] && ok "a directory in the way: nothing written" ||
    fail "directory in the way: rc $rc, $(cat "$T/err"; ls -A "$T/r")"
# .tex: the same with the .tex's other files there: none of them changes
mkdir "$T/x"
echo "old script" >"$T/x/f.tex.gp"
echo "old graphics" >"$T/x/f.pdf"
cp "$T/x/f.tex.gp" "$T/f.gp.orig"
cp "$T/x/f.pdf" "$T/f.pdf.orig"
mkdir "$T/x/f.tex"
"$APOTVIEW" --force --export="$T/x/f.tex" --figure=bits "$SAMPLE" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && cmp -s "$T/x/f.tex.gp" "$T/f.gp.orig" && cmp -s "$T/x/f.pdf" "$T/f.pdf.orig" &&
    [ "$(ls -A "$T/x" | tr '\n' ' ')" = "f.pdf f.tex f.tex.gp " ] && ok ".tex: nothing changed" ||
    fail ".tex with a directory in the way: rc $rc, $(cat "$T/err"; ls -A "$T/x")"
# a failing and a missing gnuplot leave nothing behind either
cat >"$T/fail-gnuplot" <<'EOF'
#!/bin/sh
cat >/dev/null
echo 'line 1: failed' >&2
exit 1
EOF
chmod +x "$T/fail-gnuplot"
GNUPLOT="$T/fail-gnuplot" "$APOTVIEW" --force --export="$D/old.png" --figure=sweep "$SAMPLE" 2>"$T/err"
[ $? -eq 1 ] && grep -q "^apotview: $D/old.png: gnuplot failed" "$T/err" && same && ok "failing gnuplot: nothing changed" ||
    fail "failing gnuplot: $(cat "$T/err"; ls -A "$D")"
GNUPLOT="$T/none" "$APOTVIEW" --force --export="$D/old.png" --figure=sweep "$SAMPLE" 2>/dev/null
[ $? -eq 1 ] && same && ok "missing gnuplot: nothing changed" || fail "missing gnuplot: $(ls -A "$D")"

# ---- 4. values near +-1.8e308 ---------------------------------------------------------
python3 - "$T/big.npy" <<'EOF' || exit 99
import sys, struct
v = [1.7976931348623157e308 * (1 if i % 2 else -1) * (i / 63.0) for i in range(64)]
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (8, 8), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode() +
                              struct.pack("<64d", *v))
EOF
mkdir "$T/b"
for fig in histogram sweep bits channels; do
    rm -f "$T/b/$fig.gp.csv"
    "$APOTVIEW" --export="$T/b/$fig.gp" --figure=$fig "$T/big.npy" 2>"$T/err"
    rc=$?
    if [ $rc -eq 0 ]; then
        grep -v "^#" "$T/b/$fig.gp" | sed "s/'[^']*'//g" | grep -qw 'inf\|nan\|-nan' &&
            fail "$fig: inf or nan in the script" || ok "$fig with values near 1.8e308: a finite script"
    else
        [ $rc -eq 1 ] && grep -q "^apotview: .*big.npy.*not fit in a double" "$T/err" && [ ! -e "$T/b/$fig.gp" ] &&
            ok "$fig with values near 1.8e308: $(cat "$T/err")" || fail "$fig with values near 1.8e308: rc $rc, $(cat "$T/err")"
    fi
done
ls -A "$T/b" | grep -q '^\.apotview' && fail "temporary directories left behind"

echo "$fails failure(s)"
[ $fails -eq 0 ]
