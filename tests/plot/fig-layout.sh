#!/bin/sh
# fig-layout.sh - every figure kind read back from its PDF (issue 13):
# exported at 5x3.5 cm and at three widths (5 cm, a single column of
# 8.5 cm and a double of 17.8 cm, automatic height) with the default
# schemes and with all of them, each PDF's text is read with
# `pdftotext -bbox` and checked by fig-bbox.awk: the point size asked for
# (8 pt, and 10 pt once), nothing under 6 pt, every word on the page, no
# two words overlapping. Kinds: every --figure, the group figure
# (histogram at group:128, also with --logy), the layers of 4 tensors and
# of a 28-tensor model (grouped by block), a whole model (heatmap), the
# damage figure of a compare, panels (also narrow: 4x1 at 9.6 cm, 3x2 at
# 7.8 cm). At 5x3.5 and 5 cm the kinds that fit must draw, with the
# default schemes and with all of them: at 5x3.5 the 2x2 panels (titles
# inside, one axis for the grid), sweep and bits of 8 schemes (the key in
# a column beside the curves), the compare (no difference panel), the
# layers of 28 and 196 tensors and the damage figure of 21 pairs (numbered
# dots, names in the CSV); only the ones listed in may_refuse may be
# refused, with the size that holds them (the test draws it there) and
# what else to do, writing nothing; with one scheme the 28 and 196 tensors
# draw as a
# compact heatmap at 5x3.5. The cases run in parallel (FIG_JOBS, default 2).
#
# Needs: APOTVIEW, abs_top_srcdir, gnuplot, pdftotext (poppler-utils).
set -u
: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
for p in gnuplot pdftotext; do
    command -v $p >/dev/null 2>&1 || { echo "FAIL: $p is not installed (./bootstrap installs it)"; exit 1; }
done
SAMPLE="$abs_top_srcdir/data/faceapi_conv64_1_conv1.npy"
AWK="$abs_top_srcdir/tests/lib/fig-bbox.awk"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-layout.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM

# Inputs: four tensors (layers), a pair (compare): the sample's channels
# split with the shell (npy v1 header of the sample is 128 bytes).
mkdir "$T/in"
hl=$(od -An -tu1 -j8 -N2 "$SAMPLE" | awk '{ print $1 + 256 * $2 }')
per=$((16 * 64 * 9 * 4))
for k in 0 1 2 3; do
    hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (16, 64, 3, 3), }"
    pad=$((64 - (10 + ${#hdr} + 1) % 64))
    {
        printf '\223NUMPY\001\000'
        n=$((${#hdr} + pad + 1))
        printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))"
        printf '%s%*s\n' "$hdr" "$pad" ""
        tail -c +$((10 + hl + 1 + k * per)) "$SAMPLE" | head -c $per
    } >"$T/in/model.layer$k.block_conv.weight.npy"
done
MULTI=$(ls "$T/in"/*.npy | tr '\n' ' ')
# a whole model: 28 blocks of the 7 projections of a transformer (196
# tensors, over the bars' limit: the SQNR heatmap), as an .npz
python3 - "$T/model.npz" <<'EOF' || exit 99
import random, struct, sys, zipfile
random.seed(7)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 16), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for blk in range(28):
        for t in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                  "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
            s = 0.02 * (1 + blk % 3)
            v = [random.gauss(0, s) * (3 if random.random() < 0.02 else 1) for _ in range(256)]
            z.writestr("model.layers.%d.%s.weight.npy" % (blk, t), head + struct.pack("<256f", *v))
EOF
# 4 blocks of the 7 projections (28 tensors: rows grouped by block)
python3 - "$T/blocks.npz" <<'EOF' || exit 99
import random, struct, sys, zipfile
random.seed(5)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 16), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for blk in range(4):
        for t in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                  "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
            v = [random.gauss(0, 0.02 * (1 + blk % 3)) for _ in range(256)]
            z.writestr("model.layers.%d.%s.weight.npy" % (blk, t), head + struct.pack("<256f", *v))
EOF
PAIR="$SAMPLE $T/in/model.layer1.block_conv.weight.npy"
CMP="$abs_top_srcdir/tests/data/compare"

# may_refuse KIND SIZE SCHEMES: the kinds that cannot fit a size (each
# refusal names the size that fits and an alternative; run_case draws
# the figure at the size named). At 5x3.5 everything else draws, in its
# compact layout where it needs one: 2x2 panels with titles inside, the
# key in a column beside the curves, the compare without its difference
# panel, 28 or 196 tensors and 21 pairs as numbered dots. What stays:
# the histogram's 8 labelled level rows, 8 schemes' two transfer panels,
# the channels' two panels, the compare's 8-row table, 2x2 panels under
# a key of 8 schemes. The plan draws at 5x3.5 in its compact layout (the
# singles in grey under one key entry, no point labels).
may_refuse() {
    case "$2:$3:$1" in
    5x3.5:all:histogram | 5x3.5:all:hist-log | 5x3.5:all:transfer | 5x3.5:all:channels) return 0 ;;
    5x3.5:all:compare | 5x3.5:all:sweep-panels | 5x3.5:all:bits-panels | 5x3.5:all:hist-panels) return 0 ;;
    esac
    return 1
}

# one case: KIND SIZE SCHEMES [PT]
run_case() {
    kind=$1 size=$2 sch=$3 pt=${4:-8}
    real=$kind
    case $kind in
    model) input=$T/model.npz real=layers ;;
    bits-model) input=$T/model.npz real=bits ;;
    sweep-panels) input="--panels=2x2 $MULTI" real=sweep ;;
    bits-panels) input="--panels=2x2 $MULTI" real=bits ;;
    hist-panels) input="--panels=2x2 $MULTI" real=histogram ;;
    layers) input=$MULTI ;;
    blocks) input=$T/blocks.npz real=layers ;;
    group) input="--granularity=group:128 $SAMPLE" real=histogram ;;
    group-log) input="--granularity=group:128 --logy $SAMPLE" real=histogram ;;
    hist-log) input="--logy $SAMPLE" real=histogram ;;
    damage) input="$CMP/orig.safetensors $CMP/q.gguf" ;;
    plan) input="--plan=4.5 $abs_top_srcdir/tests/data/plan/plan6.safetensors" ;;
    plan-gguf) input="--plan=5 --plan-schemes=gguf,uniform@tensor $abs_top_srcdir/tests/data/plan/plan6.safetensors" real=plan ;;
    panels4x1) input="--panels=4x1 $MULTI" real=sweep ;;
    panels3x2) input="--panels=3x2 $MULTI" real=histogram ;;
    single-col | double-col) input="--panels=2x2 $MULTI" real=bits ;;
    compare) input=$PAIR ;;
    levels | transfer) input= ;;
    *) input=$SAMPLE ;;
    esac
    name="$kind-$size-$(echo "$sch" | tr ',' '+')-$pt"
    font=
    [ "$pt" = 8 ] || font="--font=,$pt"
    # shellcheck disable=SC2086
    if ! "$APOTVIEW" --export="$T/$name.pdf" --figure="$real" --size="$size" -s "$sch" $font $input \
        >"$T/$name.out" 2>&1; then
        # a size that cannot hold a kind: it must say so, name the size
        # that holds it and an alternative ("or ..."), and write nothing
        if may_refuse "$kind" "$size" "$sch" &&
            grep -q 'give it more [a-z]* (--size=[0-9.]*x[0-9.]*)[, ][a-z ,]*or [a-z]' "$T/$name.out" &&
            [ ! -e "$T/$name.pdf" ] && [ ! -e "$T/$name.pdf.gp" ]; then
            # the size it names holds the figure (read back as any other)
            nsz=$(sed -n 's/.*give it more [a-z]* (--size=\([0-9.]*x[0-9.]*\)).*/\1/p' "$T/$name.out" | head -1)
            # shellcheck disable=SC2086
            if "$APOTVIEW" --export="$T/$name-named.pdf" --figure="$real" --size="$nsz" -s "$sch" $font $input \
                >"$T/$name-named.out" 2>&1; then
                pdftotext -bbox "$T/$name-named.pdf" "$T/$name-named.html" 2>/dev/null
                if out=$(awk -v pt="$pt" -v name="$name at the named $nsz" -f "$AWK" "$T/$name-named.html"); then
                    echo "ok: $name refused, draws at the named $nsz: $(sed 's/.*: a 5x3.5/a 5x3.5/' "$T/$name.out")"
                else
                    echo "$out" | sed 's/^/FAIL: /'
                fi
            else
                echo "FAIL: $name: refused, and the size it names ($nsz) refuses too: $(cat "$T/$name-named.out")"
            fi
        else
            echo "FAIL: $name: export failed: $(cat "$T/$name.out")"
        fi
        return
    fi
    pdftotext -bbox "$T/$name.pdf" "$T/$name.html" 2>/dev/null
    if out=$(awk -v pt="$pt" -v name="$name" -f "$AWK" "$T/$name.html"); then
        echo "ok: $name"
    else
        echo "$out" | sed 's/^/FAIL: /'
    fi
}

KINDS=${FIG_KINDS:-"histogram levels sweep bits layers model channels compare transfer sweep-panels bits-panels hist-panels bits-model blocks group group-log hist-log damage plan plan-gguf"}
: >"$T/cases"
for kind in $KINDS; do
    if [ "$kind" = bits-model ]; then
        # 196 tensors at 7 bit widths: one case (the time goes to the numbers)
        echo "$kind single uniform,pot,apot" >>"$T/cases"
        continue
    fi
    # (at 5 cm and 5x3.5 a kind that cannot hold its rows or panels is
    # refused, naming the size it needs: run_case checks that)
    for size in 5x3.5 5 8.5 17.8; do
        for sch in uniform,pot,apot all; do
            echo "$kind $size $sch" >>"$T/cases"
        done
    done
done
# one scheme at 5x3.5: the 28 tensors (too many rows) as the compact
# heatmap of block x type, the whole model's heatmap too
echo "blocks 5x3.5 apot" >>"$T/cases"
echo "model 5x3.5 apot" >>"$T/cases"
# narrow panels at the smallest widths that hold them; the named sizes
echo "panels4x1 9.6 uniform,pot,apot" >>"$T/cases"
echo "panels4x1 9.6 all" >>"$T/cases"
echo "panels3x2 7.8 all" >>"$T/cases"
echo "single-col single uniform,pot,apot" >>"$T/cases"
echo "double-col double all" >>"$T/cases"
echo "histogram single uniform,pot,apot 10" >>"$T/cases"
echo "sweep double all 10" >>"$T/cases"

JOBS=${FIG_JOBS:-2}
start=$(date +%s)
j=0
while [ $j -lt "$JOBS" ]; do
    awk -v j=$j -v n="$JOBS" 'NR % n == j' "$T/cases" | while read -r a b c d; do
        run_case "$a" "$b" "$c" "$d"
    done >"$T/log.$j" &
    j=$((j + 1))
done
wait
cat "$T"/log.*
n=$(cat "$T"/log.* | grep -c '^ok: ')
f=$(cat "$T"/log.* | grep -c '^FAIL: ')
echo "$n cases ok, $f problem(s), $(($(date +%s) - start)) s"
# too small to hold the figure: a clear error, nothing written
"$APOTVIEW" --export="$T/small.pdf" --size=5x3.5 -s all "$SAMPLE" 2>"$T/small.err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'give it more height (--size=5x[0-9.]*)' "$T/small.err" && [ ! -e "$T/small.pdf" ] &&
    [ ! -e "$T/small.pdf.gp" ]; then
    echo "ok: 5x3.5 with all schemes refused: $(cat "$T/small.err")"
else
    echo "FAIL: 5x3.5 with all schemes: rc $rc, $(cat "$T/small.err")"; f=$((f + 1))
fi
# 28 tensors of three schemes at 5x3.5: no room for a row each nor for
# three heatmaps: numbered dots, the numbers those of the rows grouped by
# block (block 0's seven projections, in the order the test wrote them,
# are 1..7, ...), the names in the CSV (x the number) and the script
if "$APOTVIEW" --export="$T/small28.pdf" --figure=layers --size=5x3.5 "$T/blocks.npz" 2>"$T/small28.err"; then
    want=$(for blk in 0 1 2 3; do for t in self_attn.q_proj self_attn.k_proj self_attn.v_proj self_attn.o_proj \
        mlp.gate_proj mlp.up_proj mlp.down_proj; do echo "model.layers.$blk.$t.weight"; done; done |
        awk '{ print NR "," $0 }')
    got=$(awk -F, '$3 == "apot" && $7 == "sqnr_db" { print $8 "," $2 }' "$T/small28.pdf.csv" | sort -t, -k1,1n)
    gp=$(sed -n "s/^# \([0-9]*\) '\(model\..*\)'$/\1,\2/p" "$T/small28.pdf.gp")
    pdftotext "$T/small28.pdf" - | grep -q 'tensor no' && lbl=1 || lbl=0
    if [ "$got" = "$want" ] && [ "$gp" = "$want" ] && [ $lbl = 1 ]; then
        echo "ok: 28 tensors of 3 schemes at 5x3.5 numbered 1..28 in block order, names in the CSV and the script"
    else
        echo "FAIL: 28 tensors at 5x3.5: CSV $(echo "$got" | head -3 | tr '\n' ' '), script $(echo "$gp" | head -3 | tr '\n' ' '), label $lbl"
        f=$((f + 1))
    fi
else
    echo "FAIL: 28 tensors at 5x3.5: $(cat "$T/small28.err")"; f=$((f + 1))
fi
# the numbered key: three names that, shortened from the left to what a
# 8.5 cm figure holds, all read "...tail_string_of_conv": rows 1, 2, 3,
# the names by number in the CSV (series name_key) in the order given
mkdir "$T/coll"
for k in a b c; do
    cp "$T/in/model.layer0.block_conv.weight.npy" "$T/coll/m.${k}_very_long_identical_tail_string_of_conv.npy"
done
if "$APOTVIEW" --export="$T/coll.pdf" --figure=layers --size=8.5 "$T/coll"/m.a_*.npy "$T/coll"/m.b_*.npy \
    "$T/coll"/m.c_*.npy 2>"$T/coll.err"; then
    got=$(awk -F, '$7 == "name_key" { print $8 "," $2 }' "$T/coll.pdf.csv" | tr '\n' ' ')
    want="1,m.a_very_long_identical_tail_string_of_conv 2,m.b_very_long_identical_tail_string_of_conv 3,m.c_very_long_identical_tail_string_of_conv "
    pdftotext -bbox "$T/coll.pdf" "$T/coll.html" 2>/dev/null
    rows=$(grep -cE '>[123]</word>' "$T/coll.html")
    if [ "$got" = "$want" ] && [ "$rows" -eq 3 ] && ! pdftotext "$T/coll.pdf" - | grep -q tail_string &&
        awk -v pt=8 -v name=coll -f "$AWK" "$T/coll.html" >/dev/null; then
        echo "ok: names the same when shortened: rows numbered, the names by number in the CSV"
    else
        echo "FAIL: numbered key: CSV '$got', rows $rows, $(pdftotext "$T/coll.pdf" - | tr '\n' ' ')"; f=$((f + 1))
    fi
else
    echo "FAIL: numbered key: $(cat "$T/coll.err")"; f=$((f + 1))
fi
[ "$f" -eq 0 ]
