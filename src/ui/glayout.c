/* glayout.c - see glayout.h. */
#include "config.h"
#include "ui/glayout.h"

#include <math.h>
#include <string.h>

int glayout_bin(double u, int nbins)
{
    if (isnan(u) || nbins < 1)
        return -1;
    double b = floor((u + 1) / 2 * nbins);
    if (b < 0)
        return 0;
    if (b > nbins - 1)
        return nbins - 1;
    return (int)b;
}

void glayout_resample(const uint64_t *h, int nb, double *out, int W)
{
    for (int c = 0; c < W; c++)
        out[c] = 0;
    if (nb < 1 || W < 1)
        return;
    if (nb == W) {
        for (int c = 0; c < W; c++)
            out[c] = (double)h[c];
        return;
    }
    /* in units of 1 / (nb W): bin b covers [b W, (b + 1) W), column c
     * covers [c nb, (c + 1) nb) */
    for (int b = 0; b < nb; b++) {
        if (!h[b])
            continue;
        long long b0 = (long long)b * W, b1 = b0 + W;
        int c = (int)(b0 / nb);
        for (; c < W; c++) {
            long long c0 = (long long)c * nb, c1 = c0 + nb;
            long long lo = b0 > c0 ? b0 : c0, hi = b1 < c1 ? b1 : c1;
            if (hi <= lo)
                break;
            out[c] += (double)h[b] * (double)(hi - lo) / (double)W;
        }
    }
}

int glayout_strip(const float *v, const uint32_t *count, size_t n, int W, double *out)
{
    if (W < 1 || n == 0)
        return 0;
    int cells = n < (size_t)W ? (int)n : W;
    for (int c = 0; c < cells; c++) {
        size_t g0 = (size_t)((unsigned long long)c * n / (unsigned long long)cells);
        size_t g1 = (size_t)((unsigned long long)(c + 1) * n / (unsigned long long)cells);
        double m = NAN;
        for (size_t g = g0; g < g1; g++) {
            if (count && !count[g])
                continue;
            if (isnan(m) || v[g] > m)
                m = v[g];
        }
        out[c] = m;
    }
    return cells;
}

int glayout_make(int rows, int cols, glayout *L)
{
    memset(L, 0, sizeof *L);
    if (rows < LAYOUT_MIN_ROWS - 1 || cols < LAYOUT_MIN_COLS)
        return -1;
    int M = LAYOUT_MARGIN;
    int side = cols >= GLAYOUT_SIDE_COLS;
    int sidew = side ? cols / 3 : 0;
    /* fixed rows: header 2, title 1, axis 2, rug 1, note 1, scales row
     * (no side panel) 1, strip 2, results header 1 */
    int fixed = 2 + 1 + 2 + 1 + 1 + (side ? 0 : 1) + 2 + 1;
    int res = rows - fixed - 3;  /* at least 3 histogram rows */
    if (res > GLAYOUT_RESULT_ROWS)
        res = GLAYOUT_RESULT_ROWS;
    if (res < 1)
        res = 1;
    int H = rows - fixed - res;
    if (H < 3)
        return -1;
    int y = 0;
    L->header = (ui_rect){ y, 0, 2, cols };
    y += 2;
    L->title = (ui_rect){ y++, 0, 1, cols };
    int hw = cols - M - 1 - (side ? sidew + 1 : 0);
    L->hist = (ui_rect){ y, M, H, hw };
    if (side) {
        L->side = 1;
        L->scales = (ui_rect){ y, cols - sidew, H + 2, sidew };
    }
    y += H;
    L->axis = (ui_rect){ y, M, 2, hw };
    y += 2;
    L->rug = (ui_rect){ y++, M, 1, hw };
    L->note = (ui_rect){ y++, 0, 1, cols };
    if (!side)
        L->scales = (ui_rect){ y++, 0, 1, cols };
    L->strip = (ui_rect){ y, 0, 2, cols };
    y += 2;
    L->results = (ui_rect){ y, 0, res + 1, cols };
    return 0;
}
