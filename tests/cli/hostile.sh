#!/bin/sh
# hostile.sh - the hostile corpus of issue 10. tests/lib/gen_hostile writes, in
# every format apotview reads, tensors whose names and metadata carry shell
# and gnuplot command substitution (each would create a canary file),
# gnuplot string and datablock breakouts, terminal escape sequences, C1
# controls, invalid UTF-8, LaTeX and enhanced-text specials and a 10 kB
# name, plus export directories with hostile names. Every report mode in
# every output format and every figure kind in every export format runs on
# them, then every saved .gp runs again through gnuplot. Asserted:
#   - the canary never appears: the file the absolute payloads name, nor a
#     file CANARY anywhere under the test directory (relative payloads);
#     checked after every run;
#   - every run exits 0, or 1 with an "apotview: " message: never a crash
#     (exit >= 128), a hang (timeout 60) or a usage error; and since every
#     input is valid, 1 only where the test expects it (an unknown dtype,
#     a compare without a tensor of the same name);
#   - table, CSV, list and report output (stdout and stderr) and the stderr
#     of every run hold no raw ESC, BEL, CR, C1 control (U+0080..U+009F),
#     other C0 byte than \n and \t, or invalid UTF-8;
#   - JSON parses and holds every tensor name exactly (a name that is not
#     UTF-8 as \xNN per such byte) and the metadata keys and values; CSV
#     rows all have the header's fields, and its names are the tensor
#     names escaped: control characters and invalid UTF-8 as \xNN
#     (lowercase hex per byte), a backslash as \\;
#   - every export writes its figure and .gp; every .gp redraws (exit 0);
#   - no .apotview-* temporary directory is left behind.
#
# Needs: APOTVIEW, abs_top_builddir (for tests/lib/gen_hostile). Skips (77)
# without gnuplot. JSON and CSV contents are checked with python3 (only
# parsed with jq when python3 is missing).
set -u

: "${APOTVIEW:?}" "${abs_top_builddir:?}"
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }
GEN=$abs_top_builddir/tests/lib/gen_hostile
[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 99; }
command -v timeout >/dev/null 2>&1 || { echo "FAIL: timeout(1) missing"; exit 99; }

# The canary's path goes into shell commands unquoted: keep it plain.
tmp=${TMPDIR:-/tmp}
case $tmp in *[!A-Za-z0-9/._-]*) tmp=/tmp ;; esac
T=$(mktemp -d "$tmp/hostile-test.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
CANARY=$T/CANARY
APV_CANARY=$CANARY
AC=$CANARY
export APV_CANARY AC
C=$T/corpus
"$GEN" "$C" "$CANARY" || { echo "FAIL: gen_hostile"; exit 99; }
[ -n "$(find "$T" -name CANARY)" ] && { echo "FAIL: the generator made the canary"; exit 99; }
mkdir "$T/json" "$T/csv"

fails=0
nruns=0
canary_seen=
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# safe TEXT: printable ASCII only, for this log
safe() { printf '%s' "$1" | LC_ALL=C tr -c ' -~' '?' | cut -c1-160; }

# the canary: $CANARY, or a file of that name anywhere under $T (where a
# relative payload, run in gnuplot's working directory, puts it)
check_canary() {
    found=$(find "$T" -name CANARY | head -n 5)
    if [ -n "$found" ]; then
        fail "CANARY CREATED by: $1 (as $(safe "$(printf '%s' "$found" | tr '\n' ' ')"))"
        canary_seen="$canary_seen
  $1"
        find "$T" -name CANARY -exec rm -f {} +
    fi
}

# bytes FILE: "esc bel cr c0 c1 badutf8" counts (C0 = other than \t \n,
# DEL included; c1 = U+0080..U+009F encoded; badutf8 = invalid sequences)
bytes() {
    od -An -tu1 -v "$1" | awk '
    { for (i = 1; i <= NF; i++) b[n++] = $i + 0 }
    END {
        i = 0
        while (i < n) {
            c = b[i]
            if (c < 128) {
                if (c == 27) esc++
                else if (c == 7) bel++
                else if (c == 13) cr++
                else if ((c < 32 && c != 9 && c != 10) || c == 127) c0++
                i++
                continue
            }
            if (c >= 194 && c <= 223) k = 1
            else if (c >= 224 && c <= 239) k = 2
            else if (c >= 240 && c <= 244) k = 3
            else { bad++; i++; continue }
            ok = 1
            for (j = 1; j <= k; j++)
                if (i + j >= n || b[i + j] < 128 || b[i + j] > 191) ok = 0
            if (ok && ((c == 224 && b[i + 1] < 160) || (c == 237 && b[i + 1] > 159) ||
                       (c == 240 && b[i + 1] < 144) || (c == 244 && b[i + 1] > 143))) ok = 0
            if (!ok) { bad++; i++; continue }
            if (c == 194 && b[i + 1] <= 159) c1++
            i += k + 1
        }
        printf "%d %d %d %d %d %d\n", esc, bel, cr, c0, c1, bad
    }'
}

# clean FILE WHAT LABEL: no terminal control bytes, valid UTF-8
clean() {
    [ -s "$1" ] || return 0
    set -- "$1" "$2" "$3" $(bytes "$1")
    [ "$4$5$6$7$8$9" = 000000 ] && return 0
    msg=
    [ "$4" -gt 0 ] && msg="$msg $4 raw ESC,"
    [ "$5" -gt 0 ] && msg="$msg $5 raw BEL,"
    [ "$6" -gt 0 ] && msg="$msg $6 raw CR,"
    [ "$7" -gt 0 ] && msg="$msg $7 other raw C0/DEL,"
    [ "$8" -gt 0 ] && msg="$msg $8 raw C1 (U+0080..9F),"
    [ "$9" -gt 0 ] && msg="$msg $9 invalid UTF-8 bytes,"
    fail "$3: $2 has${msg%,}"
}

hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }

# run MODE LABEL ARGS...: run apotview on ARGS and check what it did.
# MODE: table | csv | json (what stdout holds) | fig (an export); for json
# and csv the output is kept for the content checks (the inputs' manifest
# paths in $IN, relative to the corpus, for those).
IN=
EXPECT=0
run() {
    mode=$1 label=$2
    shift 2
    nruns=$((nruns + 1))
    (cd "$C" && exec timeout 60 "$APOTVIEW" "$@") >"$T/stdout" 2>"$T/stderr" </dev/null
    rc=$?
    check_canary "$label"
    case $rc in
    0) [ "$EXPECT" -eq 0 ] || fail "$label: exit 0, expected $EXPECT" ;;
    1) head -n 1 "$T/stderr" | grep -q '^apotview: ' ||
           fail "$label: exit 1 without an 'apotview: ' message: $(safe "$(head -c 200 "$T/stderr")")"
       [ "$EXPECT" -eq 1 ] || fail "$label: exit 1 on a valid input: $(safe "$(head -c 300 "$T/stderr")")" ;;
    124) fail "$label: HANG (killed after 60 s)" ;;
    *) if [ "$rc" -ge 128 ]; then
           fail "$label: CRASH (exit $rc = signal $((rc - 128))): $(safe "$(tail -c 300 "$T/stderr")")"
       else
           fail "$label: exit $rc: $(safe "$(head -c 300 "$T/stderr")")"
       fi ;;
    esac
    clean "$T/stderr" stderr "$label"
    case $mode in
    table|fig) clean "$T/stdout" stdout "$label" ;;
    csv)
        clean "$T/stdout" stdout "$label"
        if [ -n "$IN" ] && [ "$rc" -eq 0 ]; then
            cp "$T/stdout" "$T/csv/$nruns.csv"
            printf '%s\t%s\t%s\n' "$nruns" "$(hex "$label")" "$IN" >>"$T/csv/index"
        fi ;;
    json)
        if [ "$rc" -eq 0 ]; then
            cp "$T/stdout" "$T/json/$nruns.json"
            printf '%s\t%s\t%s\n' "$nruns" "$(hex "$label")" "${IN:--}" >>"$T/json/index"
        fi ;;
    esac
    return $rc
}

# ---- the inputs (paths relative to the corpus) --------------------------------
cd "$C" || exit 99
set --
for f in npy/*.npy; do set -- "$@" "$f"; done
NNPY=$#
[ "$NNPY" -ge 20 ] || { echo "FAIL: only $NNPY .npy files"; exit 99; }
FAMILIES="hostile.npz hostile.safetensors sharded hostile.pt legacy.pt hostile.gguf"
EXTS="pdf png svg eps tex gp"
KINDS="histogram sweep bits channels layers"
SWEEP=--sweep=0.001:0.4:5

# nth N WORDS...: the Nth word (0-based, cyclic)
nth() {
    n=$1
    shift
    n=$((n % $#))
    shift "$n"
    printf '%s' "$1"
}

# ---- reports: every mode in every format ------------------------------------
reports() { # LABEL INPUT...
    l=$1
    shift
    for fmt in table json csv; do
        run "$fmt" "$l --list --format=$fmt" --list --format="$fmt" "$@"
        run "$fmt" "$l --report --format=$fmt" --report --format="$fmt" "$@"
        run "$fmt" "$l $SWEEP --format=$fmt" "$SWEEP" --format="$fmt" "$@"
    done
}

k=0
for f in "$@"; do
    IN=$(hex "$f")
    reports "npy#$k" "$f"
    k=$((k + 1))
done
for f in $FAMILIES; do
    IN=$(hex "$f")
    reports "$f" "$f"
    run table "$f --report --scheme=all" --report --scheme=all "$f"
    run table "$f --report --sort=name -b 3 -n" --report --sort=name -b 3 -n "$f"
done
IN=
run table "all .npy --list" --list "$@"
run table "all .npy --report" --report "$@"
run csv "all .npy --report --format=csv" --report --format=csv "$@"
run json "all .npy --list --format=json" --list --format=json "$@"
for f in cmp/*; do
    IN=$(hex "$f")
    run table "$f --list" --list "$f"
    run json "$f --list --format=json" --list --format=json "$f"
    run table "$f --report" --report "$f"
done
IN=
for fmt in table json csv; do
    run "$fmt" "--levels --format=$fmt" --levels -s all --format="$fmt"
done
# an error path: the message names a hostile tensor
EXPECT=1
run table "bad_dtype --list" --list bad_dtype.safetensors
run table "bad_dtype --report" --report bad_dtype.safetensors
# compare whose second file has no tensor of the first one's name (the
# first file's only tensor is ESC]0;PWNED BEL: an npz member name with an
# ESC is CP437 to libzip, so not the same name)
run table "compare without a match" --export="out/a space/nomatch.pdf" --figure=compare \
    cmp/10.a.safetensors hostile.npz
EXPECT=0

# ---- figures -------------------------------------------------------------------
# Export destinations: the hostile directories (the generator made them)
# and hostile base names.
nl='
'
OUTDIRS=
for d in out/*/; do
    case $d in *"$nl"*) continue ;; esac
    OUTDIRS="$OUTDIRS${OUTDIRS:+$nl}$d"
done
BASES="f\`touch \$APV_CANARY\`x|r\`>CANARY\`|\$(touch \$APV_CANARY)|q'uote|dq\"uote|sp ace|semi;colon|back\\slash|pct%s%n|amp&{brace}^_@"
base_at() { printf '%s' "$BASES" | awk -F'|' -v i="$1" '{ print $((i % NF) + 1) }'; }
dir_at() { printf '%s\n' "$OUTDIRS" | awk -v i="$1" '{ a[NR] = $0 } END { print a[(i % NR) + 1] }'; }
ndirs=$(printf '%s\n' "$OUTDIRS" | wc -l)
[ "$ndirs" -ge 5 ] || { echo "FAIL: only $ndirs export directories"; exit 99; }
# a directory whose name holds a newline cannot come out of awk whole: the
# glob gives it, add it as is
NLDIR=
for d in out/*"$nl"*/; do [ -d "$d" ] && NLDIR=$d; done
[ -n "$NLDIR" ] || { echo "FAIL: no export directory with a newline"; exit 99; }

nexp=0
GPS=$T/gps # every .gp written, with the figure it draws (absolute paths)
: >"$GPS"

# export KIND EXT LABEL ARGS...: one export into the next hostile place
export_fig() {
    kind=$1 ext=$2 l=$3
    shift 3
    if [ $((nexp % 7)) -eq 6 ]; then
        dir=$NLDIR
    else
        dir=$(dir_at "$nexp")
    fi
    base="$(base_at "$nexp")-$nexp"
    out="$dir$base.$ext"
    # the script beside the figure is named after it (fig.pdf.gp; a .gp
    # export is its own)
    gpname="$base.$ext.gp"
    [ "$ext" = gp ] && gpname="$base.gp"
    gp="$dir$gpname"
    csvopt=
    [ $((nexp % 2)) -eq 1 ] && csvopt=--format=csv
    nexp=$((nexp + 1))
    mode=fig
    [ -n "$csvopt" ] && mode=csv
    run "$mode" "$l --figure=$kind .$ext (export #$((nexp - 1)))" --export="$out" --figure="$kind" $csvopt "$@" ||
        return
    [ -s "$C/$out" ] || { fail "$l --figure=$kind .$ext: no figure written"; return; }
    [ -s "$C/$gp" ] || { fail "$l --figure=$kind .$ext: no .gp written"; return; }
    [ "$ext" = tex ] && { [ -s "$C/$dir$base.pdf" ] || fail "$l --figure=$kind .tex: no .pdf beside it"; }
    [ "$ext" = gp ] && ext=pdf
    printf '%s\n' "$(hex "$C/$dir")" "$(hex "$gpname")" "$(hex "$base.$ext")" >>"$GPS"
}

# every kind for every family, the export formats in a Latin square so each
# kind meets each format
f=0
for fam in $FAMILIES npy; do
    k=0
    for kind in $KINDS; do
        ext=$(nth $((f + k)) $EXTS)
        IN=
        [ "$fam" != npy ] && IN=$(hex "$fam")
        if [ "$fam" = npy ]; then
            if [ "$kind" = layers ]; then
                export_fig "$kind" "$ext" "all .npy" "$@"
            else
                export_fig "$kind" "$ext" "npy#$k" "$(nth "$k" "$@")"
            fi
        else
            export_fig "$kind" "$ext" "$fam" "$fam"
        fi
        k=$((k + 1))
    done
    f=$((f + 1))
done
# every .npy file (one name each) through one single-tensor figure
k=0
for f in "$@"; do
    IN=$(hex "$f")
    export_fig "$(nth "$k" histogram sweep bits channels)" "$(nth "$k" $EXTS)" "npy#$k" "$f"
    k=$((k + 1))
done
# compare: every hostile name against the next (the legend names the
# tensors), every hostile file name against its namesake in npy2/ (the
# legend names the files); and the multi-tensor files
IN=
k=0
for a in cmp/*.a.*; do
    export_fig compare "$(nth "$k" $EXTS)" "compare $a" "$a" "${a%%.a.*}.b.gguf"
    k=$((k + 1))
done
k=0
for f in "$@"; do
    export_fig compare "$(nth "$k" $EXTS)" "compare npy#$k npy2/" "$f" "npy2/${f#npy/}"
    k=$((k + 1))
done
export_fig compare pdf "compare npz/pt" hostile.npz hostile.pt
export_fig compare svg "compare safetensors/gguf" hostile.safetensors hostile.gguf
export_fig compare tex "compare sharded/legacy" sharded legacy.pt
# levels needs no file: the hostile places only
for ext in $EXTS; do
    export_fig levels "$ext" "levels"
done

# ---- every saved .gp again, in its directory ------------------------------------
ngp=0
# unhex HEX: the bytes (paths may hold newlines: hence hex in $GPS)
unhex() {
    printf '%b' "$(printf '%s' "$1" | sed 's/../& /g' |
        awk 'BEGIN { for (i = 0; i < 16; i++) v[substr("0123456789abcdef", i + 1, 1)] = i }
             { for (i = 1; i <= NF; i++) printf "\\0%03o", v[substr($i, 1, 1)] * 16 + v[substr($i, 2, 1)] }')"
    printf x
}
while read -r hd && read -r hg && read -r hf; do
    ngp=$((ngp + 1))
    d=$(unhex "$hd")
    d=${d%x}
    g=$(unhex "$hg")
    g=${g%x}
    fig=$(unhex "$hf")
    fig=${fig%x}
    rm -f "$d$fig"
    (cd "$d" && exec timeout 60 gnuplot "$g") >"$T/gpout" 2>&1 </dev/null
    rc=$?
    check_canary "gnuplot $(safe "$g") (in $(safe "$d"))"
    if [ "$rc" -ne 0 ]; then
        fail "gnuplot $(safe "$g") in $(safe "$d"): exit $rc: $(safe "$(tail -c 300 "$T/gpout")")"
    elif [ ! -s "$d$fig" ]; then
        fail "gnuplot $(safe "$g") in $(safe "$d"): did not redraw $(safe "$fig")"
    fi
done <"$GPS"

# ---- leftovers, and the contents of JSON and CSV -----------------------------------
left=$(find "$T" -name '.apotview-*' | wc -l)
[ "$left" -eq 0 ] || fail "$left .apotview-* temporary directories left behind"
check_canary "(the end)"

if command -v python3 >/dev/null 2>&1; then
    cat >"$T/check.py" <<'EOF'
import csv, io, json, os, sys

T, C = sys.argv[1], sys.argv[2]
man = json.load(open(os.path.join(C, "manifest.json")))
files = {}
for e in man["files"]:
    files[e["path"]] = e
H = lambda h: bytes.fromhex(h)
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg)


def show(b):
    return repr(b[:60]) + ("..." if len(b) > 60 else "")


def libzip_keeps(b):
    # libzip (ZIP_FL_ENC_GUESS) passes a member name through unchanged when
    # it is marked UTF-8 (the generator marks valid non-ASCII names) or is
    # ASCII without C0 controls other than \t \n \r; other names it converts
    # from CP437, so their text is libzip's, not the file's.
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(c >= 0x80 for c in b):
        return True
    return all(c >= 0x20 or c in (9, 10, 13) for c in b)


def expected_names(ent):
    """(names as JSON text, exactly known?) for a manifest entry."""
    out = []
    for h in ent["names"]:
        b = H(h)
        known = ent["format"] != "npz" or libzip_keeps(b)
        out.append((b.decode("utf-8", "backslashreplace"), b, known))
    return out


def esc(b):
    """The table/CSV form: control characters and invalid UTF-8 as \\xNN,
    a backslash as \\\\."""
    s = b.decode("utf-8", "surrogateescape")
    o = []
    for ch in s:
        c = ord(ch)
        if 0xDC80 <= c <= 0xDCFF:
            o.append("\\x%02x" % (c - 0xDC00))
        elif ch == "\\":
            o.append("\\\\")
        elif c < 0x20 or c == 0x7F or 0x80 <= c <= 0x9F:
            o.append("".join("\\x%02x" % x for x in ch.encode("utf-8")))
        else:
            o.append(ch)
    return "".join(o)


def inputs(field):
    if field == "-":
        return []
    return [files[h] for h in field.split(",") if h]


def check_json(path, label, ins):
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except Exception as e:
        fail("%s: JSON does not parse: %s" % (label, e))
        return
    if not ins:
        return
    ent = ins[0]
    want = expected_names(ent)
    got = [t.get("name") for t in doc.get("tensors", [])]
    if len(got) != len(want):
        fail("%s: JSON has %d tensors, the file %d" % (label, len(got), len(want)))
    for text, b, known in want:
        if known and text not in got:
            fail("%s: JSON lacks the name %s (as %r)" % (label, show(b), text[:60]))
    if "files" in doc and ent["meta"]:
        md = {}
        for fo in doc["files"]:
            md.update(fo.get("metadata", {}))
        for kh, vh in ent["meta"]:
            k, v = H(kh), H(vh)
            try:
                ks, vs = k.decode("utf-8"), v.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(k) > 255:
                hits = [x for x in md if x.startswith(ks[:200])]
            else:
                hits = [x for x in md if x == ks]
            if not hits:
                fail("%s: JSON metadata lacks the key %s" % (label, show(k)))
                continue
            val = md[hits[0]]
            if ent["format"] == "sharded":
                ok = json.loads(val) == vs
            else:
                ok = vs[:150] in val
            if not ok:
                fail("%s: JSON metadata %s = %r, not %s" % (label, show(k), val[:60], show(v)))


def check_csv(path, label, ins):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # reported by the byte check
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        fail("%s: empty CSV" % label)
        return
    head = rows[0]
    bad = [i for i, r in enumerate(rows) if len(r) != len(head)]
    if bad:
        fail("%s: CSV rows %s have %d fields, the header %d" % (label, bad[:5], len(rows[bad[0]]), len(head)))
        return
    col = "name" if "name" in head else "tensor" if "tensor" in head else None
    if col is None or not ins:
        return
    i = head.index(col)
    got = set(r[i] for r in rows[1:])
    want = []
    for e in ins:
        for text, b, known in expected_names(e):
            if known:
                want.append((b, esc(b)))
    for b, e in want:
        alt = e.replace("\\x09", "\t")  # a tab may stay a tab
        if e not in got and alt not in got:
            if col == "tensor" and ("layers" not in label):
                continue  # a figure's CSV names only the tensor it draws
            fail("%s: CSV lacks the name %s as %r" % (label, show(b), e[:60]))


for kind, fn in (("json", check_json), ("csv", check_csv)):
    ix = os.path.join(T, kind, "index")
    if not os.path.exists(ix):
        continue
    for line in open(ix):
        n, lh, field = line.rstrip("\n").split("\t")
        label = H(lh).decode("utf-8", "replace")
        label = "".join(c if " " <= c <= "~" else "?" for c in label)
        fn(os.path.join(T, kind, n + "." + kind), label, inputs(field))
print("content checks: %d failures" % fails)
sys.exit(1 if fails else 0)
EOF
    python3 "$T/check.py" "$T" "$C" || fails=$((fails + 1))
elif command -v jq >/dev/null 2>&1; then
    echo "python3 missing: JSON only parsed (jq), names not checked"
    for j in "$T"/json/*.json; do
        [ -e "$j" ] || continue
        jq empty "$j" >/dev/null 2>&1 || fail "JSON does not parse: $(basename "$j")"
    done
else
    echo "neither python3 nor jq: JSON and CSV contents not checked"
fi

echo "$nruns apotview runs, $nexp exports, $ngp .gp re-runs"
[ -n "$canary_seen" ] && echo "the canary appeared after:$canary_seen"
[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "ok: hostile corpus"
exit 0
