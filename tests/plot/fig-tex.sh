#!/bin/sh
# fig-tex.sh - every figure kind's .tex compiles (issue 13; also the damage
# figure of a compare and the group figure): exported with
# the default and all schemes (and --logy, --mono once), each .tex is
# \input into a minimal article with graphicx and color and compiled with
# pdflatex -halt-on-error; the .tex sets its text at the figure's size
# (\fontsize{8}) and gives coloured labels their colour (\color), and the
# compiled page holds the figure's words.
#
# Needs: APOTVIEW, abs_top_srcdir, gnuplot, pdflatex (texlive-latex-base),
# pdftotext (poppler-utils).
set -u
: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
for p in gnuplot pdflatex pdftotext; do
    command -v $p >/dev/null 2>&1 || { echo "FAIL: $p is not installed (./bootstrap installs it)"; exit 1; }
done
SAMPLE="$abs_top_srcdir/data/faceapi_conv64_1_conv1.npy"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-tex.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# two tensors for layers and compare: the sample twice under other names
mkdir "$T/in"
cp "$SAMPLE" "$T/in/block_1.conv_a.weight.npy"
cp "$SAMPLE" "$T/in/block_2.conv_b.weight.npy"
PAIR="$T/in/block_1.conv_a.weight.npy $T/in/block_2.conv_b.weight.npy"

n=0
C="$abs_top_srcdir/tests/data/compare"
for kind in histogram levels sweep bits layers channels compare transfer damage group plan; do
    for opts in "-s uniform,pot,apot" "-s all" "--logy --mono"; do
        case $kind in
        layers | compare) input=$PAIR ;;
        levels | transfer) input= ;;
        damage) input="$C/orig.safetensors $C/q.gguf" ;;
        plan) input="--plan=4.5 $abs_top_srcdir/tests/data/plan/plan6.safetensors" ;;
        group) input="--granularity=group:128 $SAMPLE" ;;
        *) input=$SAMPLE ;;
        esac
        fk=$kind
        [ $kind = group ] && fk=histogram
        n=$((n + 1))
        d="$T/c$n"
        mkdir "$d"
        # shellcheck disable=SC2086
        if ! "$APOTVIEW" --export="$d/fig.tex" --figure=$fk $opts $input 2>"$d/err"; then
            fail "$kind $opts: export: $(cat "$d/err")"
            continue
        fi
        printf '%s\n' '\documentclass{article}' '\usepackage{graphicx}' '\usepackage{color}' \
            '\begin{document}' '\input{fig.tex}' '\end{document}' >"$d/doc.tex"
        if ! (cd "$d" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex >/dev/null 2>&1); then
            fail "$kind $opts: pdflatex: $(grep -A2 '^!' "$d/doc.log" | head -3 | tr '\n' ' ')"
            continue
        fi
        grep -q '\\fontsize{8}{9.6}\\selectfont' "$d/fig.tex" || { fail "$kind $opts: the .tex does not set 8 pt"; continue; }
        words=$(pdftotext "$d/doc.pdf" - | wc -w)
        [ "$words" -ge 3 ] || { fail "$kind $opts: only $words words on the compiled page"; continue; }
        ok "$kind $opts: compiles ($words words)"
    done
done
# the compact layouts of a 5x3.5 cm figure compile too: 2x2 panels (their
# titles inside), sweep of all schemes (the key beside the curves), the
# compare without its difference panel, the damage figure's numbered dots
# (its lossless line labelled $\infty$)
for c in "sweep --panels=2x2 $PAIR $PAIR" "histogram --panels=2x2 $PAIR $PAIR" "sweep -s all $SAMPLE" \
    "compare $PAIR" "damage $C/orig.safetensors $C/q.gguf"; do
    n=$((n + 1))
    d="$T/c$n"
    mkdir "$d"
    set -- $c
    fk=$1
    shift
    # shellcheck disable=SC2068
    if ! "$APOTVIEW" --export="$d/fig.tex" --figure=$fk --size=5x3.5 $@ 2>"$d/err"; then
        fail "$fk 5x3.5: export: $(cat "$d/err")"
        continue
    fi
    printf '%s\n' '\documentclass{article}' '\usepackage{graphicx}' '\usepackage{color}' \
        '\begin{document}' '\input{fig.tex}' '\end{document}' >"$d/doc.tex"
    if (cd "$d" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex >/dev/null 2>&1); then
        ok "$fk 5x3.5 (compact): compiles ($(pdftotext "$d/doc.pdf" - | wc -w) words)"
    else
        fail "$fk 5x3.5: pdflatex: $(grep -A2 '^!' "$d/doc.log" | head -3 | tr '\n' ' ')"
    fi
done
# a coloured label keeps the side it was set on (gnuplot's LaTeX
# terminals centre a text that starts with a brace: \makebox(0,0){...})
bad=$(grep -l 'makebox(0,0){[^}]*color' "$T"/c*/fig.tex 2>/dev/null | head -1)
[ -z "$bad" ] && ok "coloured labels keep their justification" || fail "a coloured label centred in $bad"
# the MSE labels of the histogram carry their scheme's colour into LaTeX
# (uniform's blue #0072B2 = 0, 0.447, 0.698)
grep -q '\\color\[rgb\]{0.000,0.447,0.698}' "$T/c1/fig.tex" && ok "coloured labels: a color command in the .tex" ||
    fail "the histogram coloured labels have no color command in the .tex"
# log axes: the exponents in math mode
grep -q '\$10^{-[0-9]*}\$' "$T/c7/fig.tex" && ok "log axis labels in math mode" ||
    fail "sweep: no \$10^{-n}\$ tic labels in the .tex"
echo "$fails failure(s)"
[ $fails -eq 0 ]
