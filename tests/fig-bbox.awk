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
    # overlaps: boxes shrunk by 0.4 pt across and 12% of their height
    # along the text's up direction (the font box includes the line gap of
    # accents and descenders that neighbouring lines may share)
    for (i = 1; i <= n; i++) {
        mi = (R[i] ? X1[i] - X0[i] : Y1[i] - Y0[i]) * 0.12
        ax0 = X0[i] + (R[i] ? mi : 0.4); ax1 = X1[i] - (R[i] ? mi : 0.4)
        ay0 = Y0[i] + (R[i] ? 0.4 : mi); ay1 = Y1[i] - (R[i] ? 0.4 : mi)
        for (j = i + 1; j <= n; j++) {
            mj = (R[j] ? X1[j] - X0[j] : Y1[j] - Y0[j]) * 0.12
            bx0 = X0[j] + (R[j] ? mj : 0.4); bx1 = X1[j] - (R[j] ? mj : 0.4)
            by0 = Y0[j] + (R[j] ? 0.4 : mj); by1 = Y1[j] - (R[j] ? 0.4 : mj)
            if (ax0 < bx1 && bx0 < ax1 && ay0 < by1 && by0 < ay1) {
                printf "%s: '%s' and '%s' overlap\n", name, T[i], T[j]
                bad = 1
            }
        }
    }
    exit bad
}
