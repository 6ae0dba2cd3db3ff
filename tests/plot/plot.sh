#!/bin/sh
# plot.sh - figures through gnuplot (issue 5): every kind in every format
# (channels and compare included, their numbers against numpy / --report)
# from the real bundled weights, checked for what the files claim to be;
# the saved .gp redraws the figure; the figure's numbers are --report's;
# a missing, failing or hostile gnuplot gives the promised message and an
# existing file survives a refused or failed export.
#
# Needs: APOTVIEW (the binary), abs_top_srcdir. Skips (77) without gnuplot.
set -u

: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }

SAMPLE="$abs_top_srcdir/data/faceapi_conv64_1_conv1.npy"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-plot.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# cols NAMES...: print the named columns of a CSV with a header line
cols() {
    awk -F, -v want="$*" 'NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; n = split(want, w, " "); next }
        { s = ""; for (j = 1; j <= n; j++) s = s (j > 1 ? " " : "") $(ix[w[j]]); print s }'
}

size_of() { wc -c <"$1" | tr -d ' '; }

# magic FILE BYTES(as printf string)
has_magic() {
    n=$(printf "$2" | wc -c)
    [ "$(head -c "$n" "$1" | od -An -tx1 | tr -d ' \n')" = "$(printf "$2" | od -An -tx1 | tr -d ' \n')" ]
}

xml_ok() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(0 if r.tag.endswith("svg") else 1)' "$1"
    elif command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1"
    else
        grep -q '</svg>' "$1"
    fi
}

png_width() {
    # IHDR width: bytes 16..19, big endian
    od -An -tu1 -j16 -N4 "$1" | awk '{ print ($1 * 16777216) + ($2 * 65536) + ($3 * 256) + $4 }'
}

# check_file FILE: is it what its extension claims?
check_file() {
    f=$1
    [ -s "$f" ] || { fail "$f missing or empty"; return 1; }
    sz=$(size_of "$f")
    case $f in
    *.pdf) has_magic "$f" '%%PDF-' && [ "$sz" -gt 2000 ] && tail -c 64 "$f" | grep -q '%%EOF' ;;
    *.png) has_magic "$f" '\211PNG\r\n\032\n' && [ "$sz" -gt 2000 ] ;;
    *.eps) has_magic "$f" '%%!PS-Adobe' && head -n 1 "$f" | grep -q EPSF && [ "$sz" -gt 2000 ] ;;
    *.svg) xml_ok "$f" && [ "$sz" -gt 1000 ] ;;
    *.tex)
        stem=$(basename "$f" .tex)
        grep -q "includegraphics.*{$stem}" "$f" && has_magic "$(dirname "$f")/$stem.pdf" '%%PDF-' ;;
    *.gp) grep -q '<< EOD' "$f" && grep -q '^set output' "$f" ;;
    esac || { fail "$f is not a valid ${f##*.} ($sz bytes)"; return 1; }
}

# A multi-tensor input from the real weights: the 64 output channels split
# into four files of 16 (names with an underscore, which LaTeX must escape).
mkdir "$T/multi"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$SAMPLE" "$T/multi" <<'EOF' || exit 99
import sys
src, out = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
hl = int.from_bytes(d[8:10], "little")
body = d[10 + hl:]
per = 64 * 3 * 3 * 4
for k in range(4):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 64, 3, 3), }"
    hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
    with open("%s/conv1_part%d.npy" % (out, k), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode())
        f.write(body[k * 16 * per:(k + 1) * 16 * per])
EOF
else
    for k in 0 1 2 3; do cp "$SAMPLE" "$T/multi/conv1_part$k.npy"; done
fi
MULTI="$T/multi/conv1_part0.npy $T/multi/conv1_part1.npy $T/multi/conv1_part2.npy $T/multi/conv1_part3.npy"
# The compare pair: the sample and its 16 channels of part 1 (shapes differ).
PAIR="$SAMPLE $T/multi/conv1_part1.npy"

# ---- every kind in every format -------------------------------------------
mkdir "$T/out"
for kind in histogram levels sweep bits layers channels compare transfer; do
    for ext in pdf png svg eps tex gp; do
        out="$T/out/$kind-$ext.$ext"
        case $kind in
        layers) input=$MULTI ;;
        compare) input=$PAIR ;;
        levels | transfer) input= ;;
        *) input=$SAMPLE ;;
        esac
        # shellcheck disable=SC2086
        "$APOTVIEW" --export="$out" --figure="$kind" $input >"$T/stdout" 2>"$T/stderr"
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$T/stderr" ] || [ -s "$T/stdout" ]; then
            fail "$kind .$ext: rc $rc, stderr: $(cat "$T/stderr")"
            continue
        fi
        check_file "$out" || continue
        # the script and the data beside the figure, named after it
        if [ $ext = gp ]; then gp=$out; else gp=$out.gp; fi
        check_file "$gp" || continue
        [ -s "$out.csv" ] && head -n 1 "$out.csv" | grep -q '^figure,tensor,scheme,bits,signed,normalize,series,x,y$' &&
            [ "$(wc -l <"$out.csv")" -gt 1 ] || { fail "$kind .$ext: no $out.csv with the plotted numbers"; continue; }
        ok "$kind .$ext"
    done
done
ls -A "$T/out" | grep -q '^\.apotview' && fail "temporary files left in the output directory"
grep -q 'conv1\\_part0' "$T/out/layers-tex.tex" || fail "layers .tex: tensor names not escaped for LaTeX"
grep -q 'fontfamily' "$T/out/sweep-tex.tex" && fail ".tex forces a font family instead of the document's"
grep -q '#0072B2' "$T/out/histogram-pdf.pdf.gp" || fail "default palette is not Okabe-Ito"

# ---- the saved script redraws the figure ----------------------------------
mkdir "$T/redo"
# (apotview adds what gnuplot cannot write: a PNG's pHYs chunk, an SVG's
# size in pt; those are taken out of both before comparing)
unsize() {
    case $1 in
    *.png) python3 -c '
import sys, struct
d = open(sys.argv[1], "rb").read(); o = d[:8]; p = 8
while p < len(d):
    n = struct.unpack(">I", d[p:p + 4])[0]
    if d[p + 4:p + 8] != b"pHYs": o += d[p:p + 12 + n]
    p += 12 + n
sys.stdout.buffer.write(o)' "$1" ;;
    *.svg) sed 's/ width="\([0-9]*\)pt" height="\([0-9]*\)pt"/ width="\1" height="\2"/' "$1" ;;
    *) cat "$1" ;;
    esac
}
for f in histogram-png levels-svg sweep-png bits-svg layers-png channels-png compare-svg transfer-png; do
    ext=${f##*-}
    cp "$T/out/$f.$ext.gp" "$T/redo/"
    (cd "$T/redo" && gnuplot "$f.$ext.gp" >/dev/null 2>&1) || { fail "gnuplot $f.$ext.gp failed"; continue; }
    unsize "$T/out/$f.$ext" >"$T/a.bin"
    unsize "$T/redo/$f.$ext" >"$T/b.bin"
    cmp -s "$T/a.bin" "$T/b.bin" && ok "$f.$ext.gp redraws $f.$ext byte for byte" ||
        fail "$f.$ext.gp does not reproduce $f.$ext"
done
# .gp only: the script draws a PDF named after it
cp "$T/out/levels-gp.gp" "$T/redo/"
(cd "$T/redo" && gnuplot levels-gp.gp >/dev/null 2>&1) && check_file "$T/redo/levels-gp.pdf" &&
    ok "a .gp-only export draws levels-gp.pdf"

# ---- sizes, mono ------------------------------------------------------------
"$APOTVIEW" --export="$T/single.png" --figure=bits "$SAMPLE" &&
    [ "$(png_width "$T/single.png")" -eq 1004 ] && ok "single column: 8.5 cm at 300 dpi" ||
    fail "single-column PNG width $(png_width "$T/single.png") != 1004"
"$APOTVIEW" --export="$T/double.png" --size=double --figure=bits "$SAMPLE" &&
    [ "$(png_width "$T/double.png")" -eq 2067 ] && ok "double column: 17.5 cm" ||
    fail "double-column PNG width $(png_width "$T/double.png") != 2067"
"$APOTVIEW" --export="$T/wxh.png" --size=12x5 --font=Serif,9 --figure=sweep "$SAMPLE" &&
    [ "$(png_width "$T/wxh.png")" -eq 1417 ] && grep -q "font 'Serif,9'" "$T/wxh.png.gp" && ok "--size=12x5 --font" ||
    fail "--size=12x5 --font=Serif,9"
"$APOTVIEW" --export="$T/mono.pdf" --mono --figure=sweep "$SAMPLE" && check_file "$T/mono.pdf" &&
    ! grep -q '#0072B2\|#D55E00\|#009E73' "$T/mono.pdf.gp" &&
    [ "$(grep '^set linetype' "$T/mono.pdf.gp" | grep -vc "lc rgb '#\([0-9A-F]\)\1\1\1\1\1'")" = 0 ] &&
    ok "--mono: greys only" || fail "--mono"

# ---- the numbers are --report's ---------------------------------------------
for args in "" "-b 3 -n" "--unsigned -b 5" "-a 0.02" "-a max"; do
    # shellcheck disable=SC2086
    "$APOTVIEW" --report --format=csv $args "$SAMPLE" | cols scheme alpha mse | sort >"$T/rep"
    rm -f "$T/n.gp" "$T/n.pdf" "$T/n.gp.csv"
    # shellcheck disable=SC2086
    "$APOTVIEW" --export="$T/n.gp" --format=csv $args "$SAMPLE" |
        awk -F, '$7 == "result" { print $3, $8, $9 }' | sort >"$T/fig"
    [ -s "$T/rep" ] && cmp -s "$T/rep" "$T/fig" && ok "histogram numbers = --report ($args)" ||
        { fail "histogram numbers differ from --report ($args)"; diff "$T/rep" "$T/fig"; }
done
# bits figure at 4 bits = --report -b 4
"$APOTVIEW" --report --format=csv -b 4 "$SAMPLE" | cols scheme mse | sort >"$T/rep"
"$APOTVIEW" --export="$T/b.gp" --figure=bits --format=csv "$SAMPLE" |
    awk -F, '$7 == "mse" && $4 == 4 { print $3, $9 }' | sort >"$T/fig"
cmp -s "$T/rep" "$T/fig" && ok "bits figure at 4 bits = --report -b 4" || fail "bits figure differs from --report"
# levels figure = --levels
"$APOTVIEW" --levels --format=csv -b 3 | cols scheme value >"$T/rep"
"$APOTVIEW" --export="$T/l.gp" --figure=levels -b 3 --format=csv | awk -F, 'NR > 1 { print $3, $8 }' >"$T/fig"
cmp -s "$T/rep" "$T/fig" && ok "levels figure = --levels" || fail "levels figure differs from --levels"

# ---- channels: the numbers against numpy and --report --granularity=channel --
PY=
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy' 2>/dev/null; then PY=$py; break; fi
done
# A fixture with 96 channels, three of them outliers (range > 3x median),
# one channel constant; float32 [96, 8, 5] (written without numpy).
python3 - "$T/chan.npy" <<'EOF' || exit 99
import sys, struct, random
random.seed(5)
C, R = 96, 40
vals = []
for c in range(C):
    s = 0.02 * (1 + 0.5 * random.random()) * (6 if c in (5, 40, 77) else 1)
    vals += [0.25 if c == 60 else random.gauss(0.001 * c, s) for _ in range(R)]
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (96, 8, 5), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode())
    f.write(struct.pack("<%df" % len(vals), *vals))
EOF
for args in "" "-b 3 -n" "-a max -s apot,nf4"; do
    rm -f "$T/c.gp" "$T/c.gp.csv"
    # shellcheck disable=SC2086
    "$APOTVIEW" --export="$T/c.gp" --figure=channels --format=csv $args "$T/chan.npy" >"$T/c.csv" 2>"$T/stderr" ||
        { fail "channels csv ($args): $(cat "$T/stderr")"; continue; }
    # whole-tensor alpha and mse per scheme = --report --granularity=channel
    # shellcheck disable=SC2086
    "$APOTVIEW" --report --format=csv --granularity=channel $args "$T/chan.npy" | cols scheme alpha mse | sort >"$T/rep"
    awk -F, '$7 == "result" { print $3, $8, $9 }' "$T/c.csv" | sort >"$T/fig"
    paste -d' ' "$T/rep" "$T/fig" | awk 'NF != 6 || $1 != $4 { bad = 1 }
        { for (k = 2; k <= 3; k++) { a = $k; b = $(k + 3); d = a - b; if (d < 0) d = -d;
          if (d > 1e-9 * (a < 0 ? -a : a) + 1e-300) bad = 1 } }
        END { exit bad || NR == 0 }' &&
        ok "channels: whole-tensor alpha and mse = --report --granularity=channel ($args)" ||
        { fail "channels totals differ from --report --granularity=channel ($args)"; paste "$T/rep" "$T/fig"; }
done
rm -f "$T/c2.gp"
"$APOTVIEW" --export="$T/c2.gp" --figure=channels --format=csv -s uniform -b 4 -a max "$T/chan.npy" >"$T/c.csv"
if [ -n "$PY" ]; then
    "$PY" - "$T/chan.npy" "$T/c.csv" <<'EOF' && ok "channels: min/max/absmax, order, outliers and uniform mse at max|w| = numpy" ||
import sys, csv
import numpy as np
w = np.load(sys.argv[1]).astype(np.float64).reshape(96, -1)
rows = list(csv.DictReader(open(sys.argv[2])))
def series(name):
    return [(int(float(r["x"])), float(r["y"])) for r in rows if r["series"] == name]
bad = []
for name, ref in (("min", w.min(1)), ("max", w.max(1)), ("absmax", np.abs(w).max(1))):
    got = series(name)
    if sorted(c for c, _ in got) != list(range(96)):
        bad.append(name + ": channels")
    for c, v in got:
        if v != ref[c]:
            bad.append("%s[%d] %r != %r" % (name, c, v, ref[c]))
rng = w.max(1) - w.min(1)
order = [c for c, _ in series("min")]
if order != sorted(range(96), key=lambda c: (-rng[c], c)):
    bad.append("not sorted by range, widest first")
out = sorted(c for c, _ in series("outlier_range"))
if out != sorted(np.nonzero(rng > 3 * np.median(rng))[0].tolist()):
    bad.append("outliers %r" % out)
# uniform 4-bit signed at alpha = each channel's max|w|: levels j/7
for c, m in series("mse"):
    a = np.abs(w[c]).max()
    q = np.round(np.clip(w[c] / a, -1, 1) * 7) / 7 * a if a > 0 else w[c] * 0
    ref = np.mean((w[c] - q) ** 2)
    if abs(m - ref) > 1e-9 * ref + 1e-300:
        bad.append("mse[%d] %r != %r" % (c, m, ref))
if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
EOF
        fail "channels numbers differ from numpy"
else
    echo "numpy not installed: per-channel numbers against numpy skipped"
fi
grep 'range > 3× median: ch ' "$T/c2.gp" | grep -q ' 5\b' && grep 'range > 3× median: ch ' "$T/c2.gp" | grep -q ' 40\b' &&
    grep 'range > 3× median: ch ' "$T/c2.gp" | grep -q ' 77\b' && ok "channels: the three outliers named" ||
    fail "channels: outliers not named in the figure"

# ---- compare: the difference and each side's mse ---------------------------
python3 - "$SAMPLE" "$T/pert.npy" <<'EOF' || exit 99
import sys, struct, random
d = open(sys.argv[1], "rb").read()
hl = int.from_bytes(d[8:10], "little")
n = (len(d) - 10 - hl) // 4
v = list(struct.unpack("<%df" % n, d[10 + hl:]))
random.seed(3)
v = [x + (random.gauss(0, 0.002) if i % 3 else 0.0) for i, x in enumerate(v)]
with open(sys.argv[2], "wb") as f:
    f.write(d[:10 + hl])
    f.write(struct.pack("<%df" % n, *v))
EOF
for pair in "$SAMPLE $T/pert.npy" "$PAIR"; do
    rm -f "$T/cmp.gp" "$T/cmp.gp.csv"
    # shellcheck disable=SC2086
    "$APOTVIEW" --export="$T/cmp.gp" --figure=compare --format=csv $pair >"$T/cmp.csv" 2>"$T/stderr" ||
        { fail "compare csv: $(cat "$T/stderr")"; continue; }
    # shellcheck disable=SC2086
    set -- $pair
    for side in left right; do
        if [ $side = left ]; then f=$1; else f=$2; fi
        "$APOTVIEW" --report --format=csv "$f" | cols scheme alpha mse | sort >"$T/rep"
        awk -F, -v s="${side}_result" '$7 == s { print $3, $8, $9 }' "$T/cmp.csv" | sort >"$T/fig"
        [ -s "$T/rep" ] && cmp -s "$T/rep" "$T/fig" && ok "compare: $side alpha and mse = --report $(basename "$f")" ||
            { fail "compare: $side numbers differ from --report"; diff "$T/rep" "$T/fig"; }
    done
done
rm -f "$T/cmp2.gp"
"$APOTVIEW" --export="$T/cmp2.gp" --figure=compare --format=csv "$SAMPLE" "$T/pert.npy" >"$T/cmp.csv"
tot=$(awk -F, '$7 == "diff_count" { s += $9 } END { print s }' "$T/cmp.csv")
[ "$tot" = 36864 ] && ok "compare: the element-wise difference counts 36864 elements" ||
    fail "compare: difference histogram counts $tot, not 36864"
# the bin centred on 0 holds (at least) the third of the values left unchanged
awk -F, '$7 == "diff_count" && $8 + 0 > -1e-12 && $8 + 0 < 1e-12 { z = $9 } END { exit !(z >= 12288) }' "$T/cmp.csv" &&
    ok "compare: the unchanged values fall in the bin at 0" || fail "compare: no bin at 0 holding the unchanged values"
rm -f "$T/cmp3.gp"
# shellcheck disable=SC2086
"$APOTVIEW" --export="$T/cmp3.gp" --figure=compare --format=csv $PAIR >"$T/cmp.csv"
awk -F, '$7 == "share_diff" { s += $9; n++ } $7 == "diff_count" { e = 1 }
    END { d = s < 0 ? -s : s; exit !(n > 0 && !e && d < 1e-9) }' "$T/cmp.csv" &&
    ok "compare: shapes differ -> difference of the shares, summing to 0" ||
    fail "compare: shapes differ but no share difference"
"$APOTVIEW" --export="$T/u.pdf" --figure=compare "$SAMPLE" 2>"$T/stderr"
[ $? -eq 2 ] && grep -q '^apotview: the compare figure needs two FILEs' "$T/stderr" && ok "compare with one FILE: exit 2" ||
    fail "compare with one FILE: $(cat "$T/stderr")"
# shellcheck disable=SC2086
"$APOTVIEW" --export="$T/u.pdf" --figure=compare $PAIR "$SAMPLE" 2>"$T/stderr"
[ $? -eq 2 ] && grep -q 'needs two FILEs.*3 given' "$T/stderr" && ok "compare with three FILEs: exit 2" ||
    fail "compare with three FILEs: $(cat "$T/stderr")"
[ ! -e "$T/u.pdf" ] || fail "a refused compare wrote a file"

# ---- never lose a file ------------------------------------------------------
echo "precious" >"$T/keep.pdf"
"$APOTVIEW" --export="$T/keep.pdf" "$SAMPLE" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q '^apotview: .*already exists.*--force' "$T/stderr" && [ "$(cat "$T/keep.pdf")" = precious ] &&
    [ ! -e "$T/keep.pdf.gp" ] && ok "existing file refused without --force" || fail "refusal: rc $rc, $(cat "$T/stderr")"
rm -f "$T/keep.pdf"
echo "precious script" >"$T/keep.pdf.gp"
"$APOTVIEW" --export="$T/keep.pdf" "$SAMPLE" 2>"$T/stderr"
[ $? -eq 1 ] && [ ! -e "$T/keep.pdf" ] && [ "$(cat "$T/keep.pdf.gp")" = "precious script" ] &&
    ok "an existing .gp next to the figure is not overwritten either" || fail "the .gp was not protected"
echo "precious" >"$T/keep.pdf"
"$APOTVIEW" --export="$T/keep.pdf" --force "$SAMPLE" && check_file "$T/keep.pdf" && ok "--force overwrites" ||
    fail "--force"

# ---- a missing gnuplot --------------------------------------------------------
echo "precious" >"$T/old.pdf"
PATH= "$APOTVIEW" --export="$T/old.pdf" --force "$SAMPLE" >"$T/stdout" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q '^apotview: gnuplot was not found.*gnuplot-nox' "$T/stderr" &&
    [ "$(cat "$T/old.pdf")" = precious ] && ok "empty PATH: $(cat "$T/stderr")" ||
    fail "empty PATH: rc $rc, $(cat "$T/stderr")"
GNUPLOT="$T/no/such/gnuplot" "$APOTVIEW" --export="$T/old.pdf" --force "$SAMPLE" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q "^apotview: GNUPLOT=$T/no/such/gnuplot .*gnuplot-nox" "$T/stderr" &&
    [ "$(cat "$T/old.pdf")" = precious ] && ok "GNUPLOT pointing to nothing" ||
    fail "GNUPLOT pointing to nothing: rc $rc, $(cat "$T/stderr")"
# A .gp needs no gnuplot at all.
PATH= "$APOTVIEW" --export="$T/nognuplot.gp" "$SAMPLE" && check_file "$T/nognuplot.gp" && ok ".gp without gnuplot"

# ---- a failing gnuplot ----------------------------------------------------------
cat >"$T/fake-gnuplot" <<'EOF'
#!/bin/sh
cat >/dev/null
echo "this goes to stdout and must not show"
echo '         line 42: fake gnuplot failure' >&2
exit 1
EOF
cat >"$T/early-gnuplot" <<'EOF'
#!/bin/sh
echo 'dies before reading its input' >&2
exit 3
EOF
cat >"$T/silent-gnuplot" <<'EOF'
#!/bin/sh
cat >/dev/null
exit 0
EOF
chmod +x "$T/fake-gnuplot" "$T/early-gnuplot" "$T/silent-gnuplot"
GNUPLOT="$T/fake-gnuplot" "$APOTVIEW" --export="$T/old.pdf" --force "$SAMPLE" >"$T/stdout" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q '^apotview: .*gnuplot failed (exit status 1).*line 42: fake gnuplot failure' "$T/stderr" &&
    [ ! -s "$T/stdout" ] && [ "$(cat "$T/old.pdf")" = precious ] && [ ! -e "$T/old.pdf.gp" ] &&
    ok "failing gnuplot: $(cat "$T/stderr")" || fail "failing gnuplot: rc $rc, $(cat "$T/stderr")"
# early exit: the script write gets EPIPE; apotview must not die of SIGPIPE
GNUPLOT="$T/early-gnuplot" "$APOTVIEW" --export="$T/old.png" --force --figure=sweep "$SAMPLE" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q 'exit status 3.*dies before reading' "$T/stderr" && [ ! -e "$T/old.png" ] &&
    ok "gnuplot exiting early (EPIPE)" || fail "gnuplot exiting early: rc $rc, $(cat "$T/stderr")"
GNUPLOT="$T/silent-gnuplot" "$APOTVIEW" --export="$T/old.pdf" --force "$SAMPLE" 2>"$T/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q 'gnuplot wrote no .*old.pdf' "$T/stderr" && [ "$(cat "$T/old.pdf")" = precious ] &&
    ok "gnuplot that writes nothing" || fail "silent gnuplot: rc $rc, $(cat "$T/stderr")"
ls -A "$T" | grep -q '^\.apotview' && fail "temporary files left behind after failures"

# ---- usage errors -------------------------------------------------------------
"$APOTVIEW" --export="$T/u.pdf" --figure=pie "$SAMPLE" 2>"$T/stderr"
[ $? -eq 2 ] && grep -q "^apotview: unknown --figure 'pie'" "$T/stderr" && ok "unknown --figure: exit 2" ||
    fail "unknown --figure"
"$APOTVIEW" --export="$T/u.bmp" "$SAMPLE" 2>"$T/stderr"
[ $? -eq 2 ] && grep -q '^apotview: --export=.*\.pdf' "$T/stderr" && ok "unknown extension: exit 2" ||
    fail "unknown extension"
"$APOTVIEW" --export="$T/u.pdf" --size=huge "$SAMPLE" 2>"$T/stderr"
[ $? -eq 2 ] && grep -q '^apotview: --size' "$T/stderr" && ok "bad --size: exit 2" || fail "bad --size: $(cat "$T/stderr")"
"$APOTVIEW" --export="$T/nodir/u.pdf" "$SAMPLE" 2>"$T/stderr"
[ $? -eq 1 ] && grep -q '^apotview: .*nodir' "$T/stderr" && ok "missing directory: exit 1" ||
    fail "missing directory: $(cat "$T/stderr")"

echo "$fails failure(s)"
[ $fails -eq 0 ]
