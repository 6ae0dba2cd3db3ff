# fig-bbox.awk - read `pdftotext -bbox` output of a one-page figure and
# check its text: the point size, every word on the page, no two words
# overlapping. Prints one line per problem; exits 1 when there is one.
#
# Variables: pt (the requested point size), name (shown in messages).
#
# The point size of a word is its box height over 1.164: poppler's box is
# the font's ascent + descent, which for DejaVu Sans (fontconfig's Sans)
# are 1901 + 483 units of 2048 = 1.1641 em. A word is rotated (a y axis
# label) when its height is not the font box of the size asked for (or of
# a superscript, 0.8 of it) and its width is; its size is then its width
# over 1.164. A word at any other size is taken as upright, so its size
# shows as it is. Superscripts are set at 0.8 of the
# size: every word must be at least 6 pt and at most pt (+ 0.3), and the
# median word the requested size (+- 0.3).
function num(s, key,    i, r) {
    i = index(s, key "=\"")
    r = substr(s, i + length(key) + 2)
    return substr(r, 1, index(r, "\"") - 1) + 0
}
function near(len, size) { return len > 1.164 * size - 0.05 && len < 1.164 * size + 0.05 }
/<page / { W = num($0, "width"); H = num($0, "height") }
/<word / {
    x0 = num($0, "xMin"); y0 = num($0, "yMin"); x1 = num($0, "xMax"); y1 = num($0, "yMax")
    t = $0; sub(/.*">/, "", t); sub(/<\/word>.*/, "", t)
    n++
    X0[n] = x0; Y0[n] = y0; X1[n] = x1; Y1[n] = y1; T[n] = t
    w = x1 - x0; h = y1 - y0
    # rotated: its width, not its height, is a font box of a size in use
    rot = !(near(h, pt) || near(h, 0.8 * pt)) && (near(w, pt) || near(w, 0.8 * pt))
    R[n] = rot
    sz = (rot ? w : h) / 1.164
    S[n] = sz
}
# is j a superscript or subscript right after word i ("10" then "-7",
# "α" then "g")? (or punctuation right after one: "10^{-5})")
function sup(i, j) {
    return !R[i] && !R[j] && X0[j] >= X1[i] - 0.3 && X0[j] <= X1[i] + 0.3 &&
        (S[j] < 0.9 * S[i] || (S[i] < 0.9 * S[j] && T[j] ~ /^[),;:]/))
}
function hits(i, j,    mi, mj, gx, ax0, ax1, ay0, ay1, bx0, bx1, by0, by1) {
    mi = (R[i] ? X1[i] - X0[i] : Y1[i] - Y0[i]) * 0.12
    mj = (R[j] ? X1[j] - X0[j] : Y1[j] - Y0[j]) * 0.12
    # across the text: 0.25 pt added on each side (0.5 pt apart), or 0.4
    # pt taken off for a superscript that starts where its base ends
    gx = (sup(i, j) || sup(j, i)) ? -0.4 : 0.25
    ax0 = X0[i] - (R[i] ? -mi : gx); ax1 = X1[i] + (R[i] ? -mi : gx)
    ay0 = Y0[i] - (R[i] ? gx : -mi); ay1 = Y1[i] + (R[i] ? gx : -mi)
    bx0 = X0[j] - (R[j] ? -mj : gx); bx1 = X1[j] + (R[j] ? -mj : gx)
    by0 = Y0[j] - (R[j] ? gx : -mj); by1 = Y1[j] + (R[j] ? gx : -mj)
    return ax0 < bx1 && bx0 < ax1 && ay0 < by1 && by0 < ay1
}
END {
    bad = 0
    if (n == 0) { print name ": no text at all"; exit 1 }
    for (i = 1; i <= n; i++) {
        if (S[i] < 6 - 0.05) { printf "%s: '%s' is %.2f pt (< 6)\n", name, T[i], S[i]; bad = 1 }
        if (S[i] > pt + 0.3) { printf "%s: '%s' is %.2f pt (> %g)\n", name, T[i], S[i], pt; bad = 1 }
        if (X0[i] < -0.3 || Y0[i] < -0.3 || X1[i] > W + 0.3 || Y1[i] > H + 0.3) {
            printf "%s: '%s' [%.1f,%.1f - %.1f,%.1f] is off the %gx%g page\n", name, T[i], X0[i], Y0[i], X1[i], Y1[i], W, H
            bad = 1
        }
    }
    # median size
    for (i = 1; i <= n; i++) srt[i] = S[i]
    for (i = 2; i <= n; i++) { v = srt[i]; for (j = i - 1; j >= 1 && srt[j] > v; j--) srt[j + 1] = srt[j]; srt[j + 1] = v }
    med = srt[int((n + 1) / 2)]
    if (med < pt - 0.3 || med > pt + 0.3) { printf "%s: median text size %.2f pt, not %g\n", name, med, pt; bad = 1 }
    # overlaps: upright words on one line must keep 0.5 pt apart (a space
    # is 2.5 pt at 8 pt), except a superscript right after its "10"; boxes
    # are shrunk by 12 % of their height along the text's up direction
    # (the font box includes the line gap that neighbouring lines share)
    for (i = 1; i <= n; i++) {
        for (j = 1; j <= n; j++) {
            if (j == i) continue
            if (j < i && !(sup(i, j) || sup(j, i))) continue
            if (hits(i, j)) {
                printf "%s: '%s' and '%s' overlap\n", name, T[i], T[j]
                bad = 1
            }
        }
    }
    exit bad
}
