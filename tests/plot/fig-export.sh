#!/bin/sh
# fig-export.sh - what a paper needs from an exported figure (issue 13),
# each against an independent truth:
#   - PNG: a pHYs chunk of 300 dpi (11811 pixels per metre, unit metre:
#     300 / 0.0254 = 11811.02), pixel sizes from --size in cm, mm and in;
#   - SVG: width and height in pt (1 unit = 1 pt: 8.5 cm = 241 pt), the
#     text 8 pt in a CSS generic family;
#   - colours fixed per scheme whatever -s lists (the man page's table:
#     uniform #0072B2, pot #D55E00, apot #009E73), no yellow #F0E442 and no
#     light text, --colors overrides, --mono gives 14 schemes 14 distinct
#     grey/dash pairs;
#   - fig.png and fig.pdf of one name side by side (fig.png.gp, fig.pdf.gp,
#     .csv), the script's header naming itself, the CSV's numbers those of
#     --format=csv, a relative GNUPLOT found from the user's directory;
#   - --alpha=file for every kind (the APoT checkpoint's stored 3.25);
#   - transfer: the paper's level sets (uniform k/7, PoT 2^-k, APoT 4-bit
#     from its additive formula) and Q(x) = the nearest level, brute force.
#
# Needs: APOTVIEW, abs_top_srcdir, gnuplot, python3.
set -u
: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
command -v gnuplot >/dev/null 2>&1 || { echo "FAIL: gnuplot is not installed (./bootstrap installs it)"; exit 1; }
SAMPLE="$abs_top_srcdir/data/faceapi_conv64_1_conv1.npy"
PT="$abs_top_srcdir/tests/data/io/W_zip.pt"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-export.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# png_info FILE: "width height ppm_x ppm_y unit" (ppm 0 0 0 without pHYs)
png_info() {
    python3 -c '
import sys, struct
d = open(sys.argv[1], "rb").read()
w, h = struct.unpack(">II", d[16:24]); p = 8; phys = (0, 0, 0)
while p < len(d):
    n = struct.unpack(">I", d[p:p + 4])[0]
    if d[p + 4:p + 8] == b"pHYs": phys = struct.unpack(">IIB", d[p + 8:p + 17])
    p += 12 + n
print(w, h, *phys)' "$1"
}

# ---- PNG: 300 dpi, sizes -----------------------------------------------------
for spec in "single 1004" "3.3in 990" "85x60mm 1004" "12 1417" "double 2067"; do
    set -- $spec
    rm -f "$T/s.png"*
    "$APOTVIEW" --export="$T/s.png" --size="$1" "$SAMPLE" 2>"$T/err" || { fail "--size=$1: $(cat "$T/err")"; continue; }
    info=$(png_info "$T/s.png")
    set -- $1 $2 $info
    [ "$3" = "$2" ] && [ "$5 $6 $7" = "11811 11811 1" ] && ok "--size=$1: $3 px wide, pHYs 11811/m (300 dpi)" ||
        fail "--size=$1: PNG $info, want width $2 and pHYs 11811 11811 1"
done
[ "$(png_info "$T/s.png" | cut -d' ' -f2)" -gt 0 ] || fail "width-only --size gives no height"
info=$(rm -f "$T/m.png"*; "$APOTVIEW" --export="$T/m.png" --size=85x60mm "$SAMPLE" && png_info "$T/m.png")
[ "$(echo "$info" | cut -d' ' -f2)" = 709 ] && ok "--size=85x60mm: 6 cm = 709 px high" || fail "85x60mm: $info"

# ---- SVG: its size in pt, 8 pt text, a CSS family ------------------------------
"$APOTVIEW" --export="$T/h.svg" -s uniform,pot,apot "$SAMPLE" || fail "svg export"
grep -q 'width="241pt"' "$T/h.svg" && grep -q 'viewBox="0 0 241 ' "$T/h.svg" && ok "SVG 8.5 cm wide = 241 pt" ||
    fail "SVG size: $(grep -m1 'width=' "$T/h.svg")"
# 8 pt, and superscripts at 0.8 of it (6.4 pt, not under 6)
sizes=$(grep -o 'font-size="[0-9.]*"' "$T/h.svg" | tr -dc '0-9.\n' | awk '{ printf "%g\n", $1 }' | sort -u | tr '\n' ' ')
[ "$sizes" = '6.4 8 ' ] && ok "SVG text 8 pt, superscripts 6.4 pt" || fail "SVG font sizes: $sizes"
! grep -q 'font-family="Sans"' "$T/h.svg" && grep -q 'font-family="sans-serif"' "$T/h.svg" &&
    ok "SVG font family sans-serif" || fail "SVG font family is not a CSS generic"

# ---- EPS: the fonts' matrices say 8 pt (6.4 for superscripts) ---------------------
"$APOTVIEW" --export="$T/e.eps" --figure=sweep "$SAMPLE" || fail "eps export"
ems=$(grep -a ' Tm$' "$T/e.eps" | awk '{ a = $1; b = $2; s = sqrt(a * a + b * b); printf "%.1f\n", s }' | sort -u | tr '\n' ' ')
bb=$(grep -a -m1 '^%%BoundingBox:' "$T/e.eps" | awk '{ print $4 }')
# (cairo sizes the page in whole points: 8.5 cm = 240.9 pt -> 240)
[ "$ems" = '6.4 8.0 ' ] && [ "$bb" -ge 240 ] && [ "$bb" -le 241 ] && ok "EPS text 8 pt (superscripts 6.4), 8.5 cm wide" ||
    fail "EPS font sizes '$ems', width $bb pt"

# ---- PNG text at the PDF's size: the PDF (8 pt by pdftotext -bbox in
# fig-layout.sh) rasterized at 300 dpi by pdftoppm and the PNG put their
# right-aligned row names (levels) at the same place: the leftmost ink
if command -v pdftoppm >/dev/null 2>&1; then
    "$APOTVIEW" --export="$T/lv.png" --figure=levels && "$APOTVIEW" --export="$T/lv.pdf" --figure=levels &&
        pdftoppm -r 300 -png -singlefile "$T/lv.pdf" "$T/lv-ref" || fail "levels png/pdf"
    python3 - "$T/lv.png" "$T/lv-ref.png" <<'EOF2' && ok "PNG text at the PDF's 8 pt (the same ink, +- 4 px at 300 dpi)" ||
import struct, sys, zlib
def ink(path):
    d = open(path, "rb").read()
    p, idat = 8, b""
    while p < len(d):
        n = struct.unpack(">I", d[p:p + 4])[0]
        t = d[p + 4:p + 8]
        if t == b"IHDR":
            w, h, bd, ct = struct.unpack(">IIBB", d[p + 8:p + 18])
        elif t == b"IDAT":
            idat += d[p + 8:p + 8 + n]
        p += 12 + n
    raw = zlib.decompress(idat)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
    st = w * bpp + 1
    prev = bytearray(st - 1)
    left, top, bottom = w, h, -1
    for y in range(h):
        f = raw[y * st]
        line = bytearray(raw[y * st + 1:(y + 1) * st])
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(w):
            if sum(line[x * bpp:x * bpp + 3]) < 3 * 110:
                left = min(left, x)
                top = min(top, y)
                bottom = max(bottom, y)
                break
    return w, h, left, top, bottom
a, b = ink(sys.argv[1]), ink(sys.argv[2])
print("png", a, "pdf at 300 dpi", b)
# (the PDF page is in whole points: 240 pt = 1000 px for 8.5 cm = 1004 px)
ok = abs(a[0] - b[0]) <= 5 and abs(a[1] - b[1]) <= 5 and all(abs(u - v) <= 4 for u, v in zip(a[2:], b[2:]))
sys.exit(0 if ok else 1)
EOF2
        fail "PNG text is not the PDF's size"
else
    fail "pdftoppm (poppler-utils) is not installed"
fi

# ---- colours fixed per scheme -------------------------------------------------
# rgb(R, G, B) as gnuplot's SVG writes colours -> RRGGBB
svg_colours() {
    grep -o 'rgb([ 0-9]*,[ 0-9]*,[ 0-9]*)' "$1" | tr -d 'rgb() ' |
        awk -F, '{ printf "%02X%02X%02X\n", $1, $2, $3 }' | sort -u
}
svg_colours "$T/h.svg" >"$T/c1"
"$APOTVIEW" --export="$T/ap.svg" -s apot,uniform "$SAMPLE" || fail "svg export"
svg_colours "$T/ap.svg" >"$T/c2"
grep -qx 0072B2 "$T/c2" && grep -qx 009E73 "$T/c2" && ! grep -qx D55E00 "$T/c2" &&
    grep -qx 0072B2 "$T/c1" && grep -qx D55E00 "$T/c1" && grep -qx 009E73 "$T/c1" &&
    ok "uniform blue and apot green whatever -s lists" || fail "colours follow the list: $(tr '\n' ' ' <"$T/c2")"
"$APOTVIEW" --export="$T/all.svg" -s all "$SAMPLE" || fail "svg export -s all"
svg_colours "$T/all.svg" >"$T/c3"
! grep -qx F0E442 "$T/c3" && ok "no yellow with -s all" || fail "yellow in -s all"
# text fills (the MSE labels) are dark enough: relative luminance <= 0.45
python3 - "$T/all.svg" <<'EOF' && ok "no light text" || fail "light text in the SVG"
import re, sys
s = open(sys.argv[1]).read()
bad = []
for m in re.finditer(r'<g [^>]*fill="rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\)"[^>]*font-size', s):
    r, g, b = (int(x) / 255 for x in m.groups())
    if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45:
        bad.append(m.group(0)[:80])
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
"$APOTVIEW" --export="$T/ov.svg" --colors=apot:#112233 "$SAMPLE" && svg_colours "$T/ov.svg" | grep -qx 112233 &&
    ! svg_colours "$T/ov.svg" | grep -qx 009E73 && ok "--colors=apot:#112233" || fail "--colors override"
"$APOTVIEW" --export="$T/bad.svg" --colors=apot:blue "$SAMPLE" 2>"$T/err"
[ $? -eq 2 ] && grep -q '^apotview: --colors' "$T/err" && [ ! -e "$T/bad.svg" ] && ok "bad --colors: exit 2" ||
    fail "bad --colors: $(cat "$T/err")"
# --mono: 14 schemes, 14 distinct (grey, dash) pairs, only greys
S14=uniform,pot,apot,int-asym,nf4,fp4-e2m1,fp6-e2m3,fp6-e3m2,fp8-e4m3,fp8-e5m2,mxfp4,q4_0,q8_0,log2-sqrt2
"$APOTVIEW" --export="$T/mono.gp" --mono -s $S14 --figure=levels -b 8 2>/dev/null ||
    "$APOTVIEW" --export="$T/mono.gp" --mono -s $S14 "$SAMPLE" 2>/dev/null
pairs=$(sed -n "s/^set linetype \([0-9]*\) lc rgb '\(#[0-9A-F]*\)' .* dt \([0-9]*\) .*/\2 \3/p" "$T/mono.gp")
np=$(echo "$pairs" | grep -c .)
nu=$(echo "$pairs" | sort -u | grep -c .)
ng=$(echo "$pairs" | grep -vc '^#\([0-9A-F][0-9A-F]\)\1\1 ')
[ "$np" = 14 ] && [ "$nu" = 14 ] && [ "$ng" = 0 ] && ok "--mono: 14 schemes, 14 distinct grey/dash pairs" ||
    fail "--mono with 14 schemes: $np line types, $nu distinct, $ng not grey"

# ---- one name, several formats; the script and the data beside it -----------------
mkdir "$T/two"
"$APOTVIEW" --export="$T/two/fig.png" "$SAMPLE" && "$APOTVIEW" --export="$T/two/fig.pdf" "$SAMPLE" &&
    [ "$(ls "$T/two" | tr '\n' ' ')" = "fig.pdf fig.pdf.csv fig.pdf.gp fig.png fig.png.csv fig.png.gp " ] &&
    ok "fig.png and fig.pdf side by side" || fail "fig.png then fig.pdf: $(ls "$T/two")"
grep -q "^# Redraw with: gnuplot 'fig.pdf.gp'" "$T/two/fig.pdf.gp" && ok "the header names fig.pdf.gp" ||
    fail "header: $(grep Redraw "$T/two/fig.pdf.gp")"
rm -f "$T/n.gp"*
"$APOTVIEW" --export="$T/n.gp" --format=csv "$SAMPLE" >"$T/stdout.csv"
cmp -s "$T/stdout.csv" "$T/n.gp.csv" && grep -q ',result,' "$T/n.gp.csv" && ok "fig.csv = --format=csv" ||
    fail "the CSV beside the figure differs from --format=csv"
# a failed export leaves nothing of its own
mkdir "$T/f"
printf '#!/bin/sh\ncat >/dev/null\nexit 1\n' >"$T/f/bad-gnuplot"
chmod +x "$T/f/bad-gnuplot"
(cd "$T/f" && GNUPLOT=./bad-gnuplot "$APOTVIEW" --export=x.pdf "$SAMPLE" 2>err)
[ "$(ls -A "$T/f" | tr '\n' ' ')" = "bad-gnuplot err " ] && grep -q 'gnuplot failed' "$T/f/err" &&
    ok "a relative GNUPLOT is run from the user's directory; its failure leaves nothing" ||
    fail "relative failing GNUPLOT: $(cat "$T/f/err"; ls -A "$T/f")"
printf '#!/bin/sh\nexec gnuplot "$@"\n' >"$T/f/good-gnuplot"
chmod +x "$T/f/good-gnuplot"
(cd "$T/f" && GNUPLOT=./good-gnuplot "$APOTVIEW" --export=y.pdf "$SAMPLE" 2>err) && [ -s "$T/f/y.pdf" ] &&
    ok "GNUPLOT=./good-gnuplot" || fail "relative GNUPLOT: $(cat "$T/f/err")"
# --force onto a directory: refused, nothing written
mkdir "$T/dir.pdf"
"$APOTVIEW" --export="$T/dir.pdf" --force "$SAMPLE" 2>"$T/err"
[ $? -eq 1 ] && grep -q 'it is a directory' "$T/err" && [ ! -e "$T/dir.pdf.gp" ] && [ ! -e "$T/dir.pdf.csv" ] &&
    ok "--force onto a directory leaves nothing" || fail "--force onto a directory: $(cat "$T/err"; ls "$T")"

# ---- --alpha=file: every kind takes the stored alpha --------------------------------
mkdir "$T/af"
for kind in histogram sweep bits layers channels compare levels transfer; do
    case $kind in
    compare) input="$PT:conv.weight $PT:conv.weight" ;;
    levels | transfer) input= ;;
    *) input="$PT:conv.weight" ;;
    esac
    # shellcheck disable=SC2086
    "$APOTVIEW" --export="$T/af/$kind.pdf" --figure=$kind --alpha=file -s apot $input 2>"$T/err" &&
        [ -s "$T/af/$kind.pdf" ] && ok "--alpha=file: $kind" || fail "--alpha=file: $kind: $(cat "$T/err")"
done
awk -F, '$7 == "result" { print $3, $8 }' "$T/af/histogram.pdf.csv" | grep -qx 'apot 3.25' &&
    ok "--alpha=file: the histogram's alpha is the stored 3.25" || fail "--alpha=file alpha: $(grep result "$T/af/histogram.pdf.csv")"
"$APOTVIEW" --export="$T/af/none.pdf" --alpha=file "$SAMPLE" 2>"$T/err"
[ $? -eq 1 ] && grep -q 'no stored alpha' "$T/err" && [ ! -e "$T/af/none.pdf" ] && ok "--alpha=file without one: a clear error" ||
    fail "--alpha=file without a stored alpha: $(cat "$T/err")"

# ---- --logy, the bit width in titles ---------------------------------------------------
"$APOTVIEW" --export="$T/ly.gp" --logy "$SAMPLE" && grep -q '^set logscale y' "$T/ly.gp" && ok "--logy" || fail "--logy"
for kind in histogram sweep channels compare layers; do
    case $kind in
    compare | layers) input="$SAMPLE $SAMPLE" ;;
    *) input=$SAMPLE ;;
    esac
    # shellcheck disable=SC2086
    "$APOTVIEW" --export="$T/bw-$kind.gp" --figure=$kind -b 3 $input 2>/dev/null &&
        grep -q "$([ $kind = layers ] && echo SQNR || echo MSE), 3-bit" "$T/bw-$kind.gp" && ok "$kind names the bit width" ||
        fail "$kind: no 'MSE, 3-bit' (layers: SQNR)"
done

# ---- bits over a model: the size-weighted MSE of --report's tensors -------------------
mkdir "$T/model"
cp "$SAMPLE" "$T/model/a.npy"
python3 - "$SAMPLE" "$T/model/b.npy" <<'EOF2' || exit 99
import sys
d = open(sys.argv[1], "rb").read()
hl = int.from_bytes(d[8:10], "little")
# the sample's first 16 channels (a second tensor of another size)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 64, 3, 3), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
open(sys.argv[2], "wb").write(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode() +
                              d[10 + hl:10 + hl + 16 * 64 * 9 * 4])
EOF2
"$APOTVIEW" --export="$T/model/bits.gp" --figure=bits "$T/model/a.npy" "$T/model/b.npy" 2>"$T/err" ||
    fail "bits over two tensors: $(cat "$T/err")"
: >"$T/model/want"
for b in 2 3 4 5 6 7 8; do
    "$APOTVIEW" --report --format=csv -b $b "$T/model/a.npy" "$T/model/b.npy" |
        awk -F, -v b=$b 'NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; next }
            { n = $(ix["count"]) - $(ix["nonfinite"]); s[$(ix["scheme"])] += n * $(ix["mse"]); c[$(ix["scheme"])] += n }
            END { for (k in s) printf "%s %d %.12e\n", k, b, s[k] / c[k] }' >>"$T/model/want"
done
awk -F, '$7 == "mse" { printf "%s %d %.12e\n", $3, $4, $9 }' "$T/model/bits.gp.csv" | sort >"$T/model/got"
sort "$T/model/want" >"$T/model/want.s"
paste -d' ' "$T/model/want.s" "$T/model/got" | awk 'NF != 6 || $1 != $4 || $2 != $5 { bad = 1 }
    { d = $3 - $6; if (d < 0) d = -d; if (d > 1e-9 * $3) bad = 1 } END { exit bad || NR != 21 }' &&
    grep -q "SQNR (dB)" "$T/model/bits.gp" && grep -q "2 tensors" "$T/model/bits.gp" && ok "bits over two tensors = the size-weighted MSE of --report" ||
    { fail "bits over a model"; paste "$T/model/want.s" "$T/model/got" | head; }
# the drawn series: the SQNR of the whole selection, all signal over all
# noise: 10 log10(sum of x^2 over both files (summed here) / sum n * mse)
python3 - "$T/model/a.npy" "$T/model/b.npy" "$T/model/want" "$T/model/bits.gp.csv" <<'EOF2' &&
import csv, math, struct, sys
ss = 0.0
for f in sys.argv[1:3]:
    d = open(f, "rb").read()
    hl = int.from_bytes(d[8:10], "little")
    v = struct.unpack("<%df" % ((len(d) - 10 - hl) // 4), d[10 + hl:])
    ss += math.fsum(x * x for x in v)
n = sum((len(open(f, "rb").read()) - 10 - int.from_bytes(open(f, "rb").read()[8:10], "little")) // 4
        for f in sys.argv[1:3])
want = {}
for line in open(sys.argv[3]):
    sch, b, m = line.split()
    want[(sch, int(b))] = 10 * math.log10(ss / (float(m) * n))
got = {(r["scheme"], int(r["bits"])): float(r["y"]) for r in csv.DictReader(open(sys.argv[4]))
       if r["series"] == "sqnr_db"}
bad = [k for k in want if k not in got or abs(got[k] - want[k]) > 1e-6]
if bad or len(got) != len(want):
    print("model SQNR: %s: got %s, want %s" % (bad[:2], [got.get(k) for k in bad[:2]], [want[k] for k in bad[:2]]))
    sys.exit(1)
EOF2
    ok "bits over two tensors draws their SQNR: all signal (summed here) over all noise" ||
    fail "bits over a model: SQNR"


# ---- --panels: a panel per tensor, each panel's numbers its tensor's --report -------------
"$APOTVIEW" --export="$T/model/pan.gp" --figure=bits --panels=2x1 "$T/model/a.npy" "$T/model/b.npy" 2>"$T/err" ||
    fail "--panels: $(cat "$T/err")"
: >"$T/model/pwant"
for b in 2 5 8; do
    "$APOTVIEW" --report --format=csv -b $b "$T/model/a.npy" "$T/model/b.npy" |
        awk -F, -v b=$b 'NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; next }
            { printf "%s %s %d %.12e\n", $(ix["name"]), $(ix["scheme"]), b, $(ix["mse"]) }' >>"$T/model/pwant"
done
awk -F, '$7 == "mse" && ($4 == 2 || $4 == 5 || $4 == 8) { printf "%s %s %d %.12e\n", $2, $3, $4, $9 }' \
    "$T/model/pan.gp.csv" | sort >"$T/model/pgot"
sort "$T/model/pwant" | cmp -s - "$T/model/pgot" && [ "$(grep -c '^# panel' "$T/model/pan.gp")" = 2 ] &&
    ok "--panels=2x1: two panels, each tensor's MSE = its --report" ||
    { fail "--panels numbers"; sort "$T/model/pwant" | diff - "$T/model/pgot" | head -5; }
"$APOTVIEW" --export="$T/model/pbad.pdf" --figure=bits --panels=2 "$T/model/a.npy" 2>"$T/err"
[ $? -eq 2 ] && grep -q '^apotview: --panels' "$T/err" && ok "bad --panels: exit 2" || fail "bad --panels: $(cat "$T/err")"

# ---- layers of a whole model: the SQNR heatmap ------------------------------------------
python3 - "$T/model.npz" <<'EOF2' || exit 99
import random, struct, sys, zipfile
random.seed(3)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 8), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for blk in range(12):
        for t in ("attn.q", "attn.k", "mlp.up", "mlp.down"):
            v = [random.gauss(0, 0.01 * (1 + blk)) for _ in range(64)]
            z.writestr("enc.%d.%s.weight.npy" % (blk, t), head + struct.pack("<64f", *v))
EOF2
"$APOTVIEW" --export="$T/heat.gp" --figure=layers -s uniform,apot "$T/model.npz" 2>"$T/err" || fail "heatmap: $(cat "$T/err")"
"$APOTVIEW" --report --format=csv -s uniform,apot "$T/model.npz" |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; next }
        { printf "%s %s %.9e\n", $(ix["name"]), $(ix["scheme"]), $(ix["sqnr_db"]) }' | sort >"$T/heat.want"
# the heatmap's cells: x = the block, y = the type's row (in order of
# appearance: attn.q 0, attn.k 1, mlp.up 2, mlp.down 3), z = the SQNR
awk -F, '$7 == "sqnr_db" { printf "%s %s %.9e\n", $2, $3, $9 }' "$T/heat.gp.csv" | sort >"$T/heat.got"
awk -F, '$7 == "row" { split($2, p, "."); t = p[3] "." p[4]
        r = t == "attn.q" ? 0 : t == "attn.k" ? 1 : t == "mlp.up" ? 2 : 3
        if ($8 != p[2] || $9 != r) bad = 1; n++ } END { exit bad || n != 96 }' "$T/heat.gp.csv" &&
    cmp -s "$T/heat.want" "$T/heat.got" && grep -q 'SQNR, 4-bit (dB)' "$T/heat.gp" &&
    ok "48 tensors: a heatmap per scheme, block x type, SQNR = --report's" ||
    { fail "heatmap cells"; diff "$T/heat.want" "$T/heat.got" | head -5; }

# ---- transfer: the paper's Figure 2 --------------------------------------------------
"$APOTVIEW" --export="$T/tr.gp" --figure=transfer || fail "transfer export"
python3 - "$T/tr.gp.csv" <<'EOF' && ok "transfer: the paper's level sets, Q(x) the nearest level" || fail "transfer numbers"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = {
    ("uniform", 3): [k / 7 for k in range(8)],
    ("pot", 3): [0.0] + [2.0 ** -k for k in range(6, -1, -1)],
    ("uniform", 4): [k / 15 for k in range(16)],
    ("pot", 4): [0.0] + [2.0 ** -k for k in range(14, -1, -1)],
    # APoT b = 4, k = 2: gamma (p0 + p1), p0 in {0, 2^0, 2^-2, 2^-4},
    # p1 in {0, 2^-1, 2^-3, 2^-5}, gamma = 1 / 1.5 (Li et al. 2020, eq. 5)
    ("apot", 4): sorted({(a + b) / 1.5 for a in (0, 1, 2 ** -2, 2 ** -4) for b in (0, 2 ** -1, 2 ** -3, 2 ** -5)}),
}
bad = []
steps = {}
for r in rows:
    if r["series"] != "q" or r["signed"] != "false":
        bad.append("row %r" % r)
        continue
    steps.setdefault((r["scheme"], int(r["bits"])), []).append((float(r["x"]), float(r["y"])))
for key, lv in want.items():
    st = steps.get(key, [])
    got = sorted({y for _, y in st})
    if len(got) != len(lv) or any(abs(a - b) > 1e-12 for a, b in zip(got, lv)):
        bad.append("%s levels %r" % (key, got))
for key, st in steps.items():
    lv = sorted({y for _, y in st})
    # Q at probes: the step whose [x0, x1] holds x is the nearest level
    for i in range(0, len(st), 2):
        (x0, y), (x1, _) = st[i], st[i + 1]
        xm = 0.5 * (x0 + x1)
        near = min(lv, key=lambda v: abs(v - xm))
        if abs(near - y) > 1e-12:
            bad.append("%s: Q(%g) = %g, nearest %g" % (key, xm, y, near))
if set(k[1] for k in steps) != {3, 4}:
    bad.append("bit widths %r" % sorted(steps))
print("\n".join(bad[:10]))
sys.exit(1 if bad else 0)
EOF
grep -q "'3-bit'" "$T/tr.gp" && grep -q "'4-bit'" "$T/tr.gp" && ok "transfer: panels titled 3-bit and 4-bit" ||
    fail "transfer panel titles"

# panels of tensors whose mean squares differ over 10x: the relative MSE,
# MSE / mean(w^2). b = 16 a exactly (a power of two), so b's relative MSE
# at each bit width equals a's (the MSE-optimal alpha scales with it), and
# a's is its own bits-figure MSE over the mean square computed here; c = 2 a
# (4x the mean square) keeps the plain MSE.
python3 - "$T" <<'EOF' || exit 99
import random, struct, sys
random.seed(3)
v = [struct.unpack("<f", struct.pack("<f", random.gauss(0, 0.02)))[0] for _ in range(256)]
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 16), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
for name, k in (("rel_a", 1), ("rel_b", 16), ("rel_c", 2)):
    open("%s/%s.npy" % (sys.argv[1], name), "wb").write(head + struct.pack("<256f", *[k * x for x in v]))
open("%s/rel_msq" % sys.argv[1], "w").write("%.17g\n" % (sum(x * x for x in v) / len(v)))
EOF
if "$APOTVIEW" --export="$T/rel.pdf" --figure=bits --panels=2x1 "$T/rel_a.npy" "$T/rel_b.npy" >"$T/rel.out" 2>&1 &&
    "$APOTVIEW" --export="$T/rel1.pdf" --figure=bits "$T/rel_a.npy" >>"$T/rel.out" 2>&1 &&
    "$APOTVIEW" --export="$T/rel2.pdf" --figure=bits --panels=2x1 "$T/rel_a.npy" "$T/rel_c.npy" >>"$T/rel.out" 2>&1; then
    if out=$(python3 - "$T" <<'EOF'
import csv, sys
t = sys.argv[1]
msq = float(open(t + "/rel_msq").read())
rows = list(csv.DictReader(open(t + "/rel.pdf.csv")))
one = {(r["scheme"], r["x"]): float(r["y"]) for r in csv.DictReader(open(t + "/rel1.pdf.csv")) if r["series"] == "mse"}
bad = []
if not rows or any(r["series"] != "relative_mse" for r in rows):
    bad.append("series %r" % sorted({r["series"] for r in rows}))
got = {}
for r in rows:
    got[(r["tensor"].endswith("rel_b"), r["scheme"], r["x"])] = float(r["y"])
n = 0
for (isb, sch, x), y in got.items():
    if isb:
        continue
    yb = got.get((True, sch, x))
    if yb is None or abs(yb - y) > 1e-9 * y:
        bad.append("%s %s bits: a %r, b %r" % (sch, x, y, yb))
    want = one.get((sch, x))
    if want is None or abs(y - want / msq) > 1e-9 * y:
        bad.append("%s %s bits: rel %r, mse/msq %r" % (sch, x, y, want and want / msq))
    n += 1
if n < 3 * 7:
    bad.append("%d points" % n)
if any(r["series"] != "mse" for r in csv.DictReader(open(t + "/rel2.pdf.csv"))):
    bad.append("4x apart: not the plain mse")
if "rel. MSE" not in open(t + "/rel.pdf.gp").read():
    bad.append("axis title")
print("\n".join(bad[:6]))
sys.exit(1 if bad else 0)
EOF
); then ok "bits panels 256x apart: relative MSE = MSE / mean(w^2), equal for w and 16w; 4x apart: MSE"
    else fail "relative MSE panels: $out"; fi
else
    fail "relative MSE panels: $(cat "$T/rel.out")"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
