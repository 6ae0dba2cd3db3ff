#!/bin/sh
# fig-damage.sh - the layers figure of a few tensors and the damage figure
# of a compare (issues 13 and 15):
#  - damage: each pair's SQNR in the figure's CSV equals the generator's
#    own number (tests/data/compare/expected.json, q.gguf), lossless pairs
#    (inf) are marked, not drawn; rows grouped by block in the test's own
#    order (block number, then type by first appearance; tensors without
#    a block last); block labels and short type names in the script; the
#    stored types in the key with their count-weighted bpw, computed here;
#    one FILE refused;
#  - layers of a 4-block model: SQNR (as --report gives it, per scheme),
#    grouped by block with the shortest distinguishing end of the type
#    (q_proj), a dot per scheme beyond three; --sort=error: not grouped.
#
# Needs: APOTVIEW, abs_top_srcdir, gnuplot, python3 (stdlib only).
set -u
: "${APOTVIEW:?}" "${abs_top_srcdir:?}"
command -v gnuplot >/dev/null 2>&1 || { echo "FAIL: gnuplot is not installed (./bootstrap installs it)"; exit 1; }
C="$abs_top_srcdir/tests/data/compare"
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-damage.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
nf=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; nf=$((nf + 1)); }

# ---- damage -------------------------------------------------------------------
if "$APOTVIEW" --export="$T/d.gp" --figure=damage --format=csv "$C/orig.safetensors" "$C/q.gguf" \
    >"$T/d.csv" 2>"$T/d.err"; then
    ok "damage exported"
else
    fail "damage: $(cat "$T/d.err")"
fi
grep -q "rotary_emb.inv_freq: unmatched" "$T/d.err" && grep -q "rope_freqs.weight: unmatched" "$T/d.err" &&
    ok "damage: unmatched tensors named" || fail "damage: unmatched tensors not named: $(cat "$T/d.err")"
python3 - "$C/expected.json" "$T/d.csv" "$T/d.gp" <<'EOF' || nf=$((nf + 1))
import csv, json, math, re, sys
exp = json.load(open(sys.argv[1]))["q.gguf"]["pairs"]
rows = list(csv.DictReader(open(sys.argv[2])))
gp = open(sys.argv[3]).read()
bad = 0
def fail(m):
    global bad
    print("FAIL: damage: " + m)
    bad = 1
drawn = {r["tensor"]: r for r in rows if r["series"] == "sqnr_db"}
lossless = {r["tensor"] for r in rows if r["series"] == "lossless"}
if set(drawn) != set(exp):
    fail("pairs %s, expected %s" % (sorted(drawn), sorted(exp)))
for n, e in exp.items():
    r = drawn.get(n)
    if r is None:
        continue
    y = float(r["y"])
    if math.isinf(e["sqnr_db"]):
        if not (math.isinf(y) and n in lossless):
            fail("%s: lossless (inf) expected, got %s" % (n, r["y"]))
    elif abs(y - e["sqnr_db"]) > 1e-6 * abs(e["sqnr_db"]):
        fail("%s: sqnr %r, generator %r" % (n, y, e["sqnr_db"]))
    if r["scheme"] != e["right_dtype"]:
        fail("%s: stored type %s, expected %s" % (n, r["scheme"], e["right_dtype"]))
if lossless != {n for n, e in exp.items() if math.isinf(e["sqnr_db"])}:
    fail("lossless rows %s" % sorted(lossless))
# the order: blocks ascending, types by first appearance in the original
# (the safetensors header's order), then the tensors without a block
order = sorted(drawn, key=lambda n: int(drawn[n]["x"]))
hdr = open(sys.argv[1].replace("expected.json", "orig.safetensors"), "rb").read()
hl = int.from_bytes(hdr[:8], "little")
names = [k for k in json.loads(hdr[8:8 + hl]) if k != "__metadata__" and k in exp]
names.sort(key=lambda k: json.loads(hdr[8:8 + hl])[k]["data_offsets"][0])
types, key = [], {}
for k in names:
    m = re.match(r"(.*?\.)?(\d+)\.(.*?)(\.weight|\.bias)?$", k)
    if m:
        if m.group(3) not in types:
            types.append(m.group(3))
        key[k] = (0, int(m.group(2)), types.index(m.group(3)), 0)
    else:
        key[k] = (1, 0, 0, names.index(k))
want = sorted(names, key=lambda k: key[k])
if order != want:
    fail("row order %s, expected %s" % (order, want))
else:
    print("ok: damage rows grouped by block, types in file order, the rest last")
# the labels: blocks at the left, short types as tics, no full names
for lab in ("'layers.0'", "'layers.1'", "'q_proj'", "'down_proj'", "'lm_head'"):
    if lab not in gp:
        fail("no label %s in the script" % lab)
if "self_attn.q_proj" in gp.split("EOD")[-1]:
    fail("a long name in the labels")
# the key: each stored type with its count-weighted bits per weight
for t in sorted({e["right_dtype"] for e in exp.values()}):
    c = sum(e["count"] for e in exp.values() if e["right_dtype"] == t)
    b = sum(e["count"] * e["right_bpw"] for e in exp.values() if e["right_dtype"] == t) / c
    txt = "%s, %s bpw" % (t.replace("_", "\\_"), ("%#.3g" % b).rstrip("."))
    if txt not in gp:
        fail("key entry %r missing" % txt)
sys.exit(bad)
EOF
"$APOTVIEW" --export="$T/one.pdf" --figure=damage "$C/orig.safetensors" 2>"$T/one.err"
rc=$?
[ $rc -eq 2 ] && grep -q 'two FILEs' "$T/one.err" && [ ! -e "$T/one.pdf" ] && ok "damage of one FILE refused" ||
    fail "damage of one FILE: rc $rc, $(cat "$T/one.err")"

# ---- damage of 49 pairs: the heatmap, SQNR computed here ------------------------------
python3 - "$T/a.npz" "$T/b.npz" "$T/want" <<'EOF' || exit 99
import math, random, struct, sys, zipfile
random.seed(11)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 16), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
f32 = lambda v: struct.unpack("<128f", struct.pack("<128f", *v))
with zipfile.ZipFile(sys.argv[1], "w") as za, zipfile.ZipFile(sys.argv[2], "w") as zb, \
        open(sys.argv[3], "w") as w:
    for blk in range(7):
        for t in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                  "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
            n = "model.layers.%d.%s.weight" % (blk, t)
            a = f32([random.gauss(0, 0.02) for _ in range(128)])
            b = f32([x + random.gauss(0, 0.001 * (1 + blk)) for x in a])
            za.writestr(n + ".npy", head + struct.pack("<128f", *a))
            zb.writestr(n + ".npy", head + struct.pack("<128f", *b))
            s = 10 * math.log10(math.fsum(x * x for x in a) / math.fsum((x - y) ** 2 for x, y in zip(a, b)))
            w.write("%s %.12g\n" % (n, s))
EOF
if "$APOTVIEW" --export="$T/h.gp" --figure=damage --format=csv "$T/a.npz" "$T/b.npz" >"$T/h.csv" 2>"$T/h.err"; then
    grep -q 'a row per tensor type, a column per block' "$T/h.gp" && grep -q "SQNR, quantized" "$T/h.gp" &&
        ok "damage of 49 pairs: a heatmap, block x type" || fail "damage of 49 pairs: not the heatmap"
    awk -F, '$7 == "sqnr_db" { print $2, $9 }' "$T/h.csv" | sort >"$T/got"
    sort "$T/want" | paste -d' ' - "$T/got" | awk 'NF != 4 || $1 != $3 { bad = 1 }
        { d = $2 - $4; if (d < 0) d = -d; if (d > 1e-6) bad = 1 } END { exit bad || NR != 49 }' &&
        ok "damage heatmap: each cell's SQNR = the one computed here" ||
        { fail "damage heatmap SQNRs"; sort "$T/want" | paste -d' ' - "$T/got" | head -3; }
else
    fail "damage of 49 pairs: $(cat "$T/h.err")"
fi

# ---- layers of a 4-block model ------------------------------------------------------
python3 - "$T/m.npz" <<'EOF' || exit 99
import random, struct, sys, zipfile
random.seed(3)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 16), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
head = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for blk in range(4):
        for t in ("self_attn.q_proj", "self_attn.k_proj", "mlp.up_proj", "mlp.down_proj"):
            v = [random.gauss(0, 0.01 * (1 + blk)) for _ in range(256)]
            z.writestr("model.layers.%d.%s.weight.npy" % (blk, t), head + struct.pack("<256f", *v))
EOF
"$APOTVIEW" --export="$T/l.gp" --figure=layers --format=csv -s uniform,pot,apot,nf4 "$T/m.npz" >"$T/l.csv" 2>"$T/l.err" ||
    fail "layers: $(cat "$T/l.err")"
"$APOTVIEW" --report --format=csv -s uniform,pot,apot,nf4 "$T/m.npz" >"$T/r.csv" 2>/dev/null || fail "report"
python3 - "$T/l.csv" "$T/r.csv" "$T/l.gp" <<'EOF' || nf=$((nf + 1))
import csv, sys
lay = list(csv.DictReader(open(sys.argv[1])))
rep = {(r["name"], r["scheme"]): float(r["sqnr_db"]) for r in csv.DictReader(open(sys.argv[2]))}
gp = open(sys.argv[3]).read()
bad = 0
if len(lay) != 16 * 4:
    print("FAIL: layers: %d rows, not 64" % len(lay)); bad = 1
for r in lay:
    want = rep.get((r["tensor"], r["scheme"]))
    if r["series"] != "sqnr_db" or want is None or abs(float(r["y"]) - want) > 1e-9 * abs(want):
        print("FAIL: layers: %s %s: %s, report %s" % (r["tensor"], r["scheme"], r["y"], want)); bad = 1
        break
# row numbers: block-major, types in file order
for r in lay:
    parts = r["tensor"].split(".")
    want = int(parts[2]) * 4 + ["q_proj", "k_proj", "up_proj", "down_proj"].index(parts[4])
    if int(float(r["x"])) != want:
        print("FAIL: layers: %s drawn in row %s, not %d" % (r["tensor"], r["x"], want)); bad = 1
        break
for lab in ("'layers.0'", "'layers.3'", "'q_proj'", "'up_proj'"):
    if lab not in gp:
        print("FAIL: layers: no label %s" % lab); bad = 1
if "with points" not in gp:
    print("FAIL: layers: four schemes are not drawn as dots"); bad = 1
if not bad:
    print("ok: layers: SQNR as --report gives it, grouped by block, short type names, dots")
sys.exit(bad)
EOF
"$APOTVIEW" --export="$T/s.gp" --figure=layers --sort=error -s uniform "$T/m.npz" 2>/dev/null
if [ -e "$T/s.gp" ] && ! grep -q "'layers.0'" "$T/s.gp" && grep -q "'0.self_attn.q_proj'" "$T/s.gp"; then
    ok "layers --sort=error: not grouped, names without their common prefix"
else
    fail "layers --sort=error: grouped or no script"
fi
"$APOTVIEW" --export="$T/b.gp" --figure=layers -s uniform "$T/m.npz" 2>/dev/null
grep -q "with boxxyerror" "$T/b.gp" && ok "layers of one scheme: bars" || fail "layers of one scheme: no bars"
echo "$nf failure(s)"
[ "$nf" -eq 0 ]
