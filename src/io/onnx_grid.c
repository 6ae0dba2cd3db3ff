/*
 * onnx_grid.c - the stored grid (io/grid.h) of the ONNX quantized weights
 * onnx.c recognises (onnx_int.h).
 */
#include "config.h"
#include "io/onnx_int.h"
#include "io/grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The stored grid (grid.h) of a DequantizeLinear or MatMulNBits weight:
 * the codes of x's type, each group's scale and zero point, each level
 * rounded to the scale's type as the decoders above round the values.
 * DequantizeLinear per tensor, along the first or last axis, or blocked
 * along either; MatMulNBits, with g_idx (act-order: row k of [K, N] is in
 * block g_idx[k], grid.h's rmap) or without. Other layouts: no grid. */
int onnx_grid(loader_file *f, size_t i, loader_grid *g, util_err *err)
{
    ox_priv *p = f->priv;
    const loader_tensor *t = &f->tensors[i];
    const ox_ent *e = &p->ents[(uintptr_t)t->priv - 1];
    if (!t->readable || e->role != R_QUANT)
        return -1;
    const ox_quant *q = &p->qs[e->q];
    ox_ent *x = &p->ents[q->x], *se = &p->ents[q->scale];
    ox_ent *ze = q->zp != NONE ? &p->ents[q->zp] : NULL;
    const ox_type *xt = ox_type_of(x->src.dt);
    int fp8 = x->src.dt >= OX_F8E4M3FN && x->src.dt <= OX_F8E5M2FNUZ;
    uint64_t rows, cols, tr, tc, dim = 1, inner = 1, bs = 1;
    if (q->op == 'M') {
        rows = (uint64_t)q->K, cols = (uint64_t)q->N, tr = (uint64_t)q->bs, tc = 1;
    } else {
        int nd = (int)x->tp->n_dims;
        uint64_t last = nd ? (uint64_t)x->tp->dims[nd - 1] : 1;
        if (se->count > 1) {
            for (int k = (int)q->axis + 1; k < nd; k++)
                inner *= (uint64_t)x->tp->dims[k];
            dim = (uint64_t)x->tp->dims[q->axis];
            bs = q->block > 0 ? (uint64_t)q->block : 1;
        }
        if (se->count == 1)
            rows = t->count / (last ? last : 1), cols = last, tr = rows, tc = cols;
        else if (q->axis == 0)
            rows = dim, cols = inner, tr = q->block > 0 ? bs : 1, tc = q->block > 0 ? 1 : cols;
        else if (inner == 1)
            rows = t->count / dim, cols = dim, tr = q->block > 0 ? 1 : rows, tc = bs;
        else
            return -1;   /* an axis in the middle: groups no tile describes */
        if (q->block <= 0 && se->count > 1 && q->axis != 0)
            tc = 1;      /* one scale per column */
    }
    if (!g)
        return 0;
    if (!xt || !xt->bits || (xt->bits > 16 && !fp8))
        return -1;
    size_t ncb = (size_t)1 << (q->op == 'M' ? q->bits : xt->bits);
    loader_grid_init(g, t->stored_type, ncb, rows, cols, tr, tc, 1, 0);
    for (size_t k = 0; k < ncb; k++) {
        double v;
        ox_decode(&(ox_src){ .dt = q->op == 'M' ? OX_UINT8 : x->src.dt, .raw = (const unsigned char *)&(uint16_t){ (uint16_t)k } },
                  0, 1, &v);
        g->cb[k] = q->op == 'M' ? (double)k : xt->bits == 4 ? (x->src.dt == OX_INT4 ? (double)((int)k - (k & 8 ? 16 : 0))
                                                                 : x->src.dt == OX_UINT4 ? (double)k : ox_f4e2m1((uint8_t)k))
                                                 : v;
    }
    loader_grid_finish_cb(g);
    double *s = ent_all(f, p, se, err), *z = NULL;
    if (!s)
        return -1;
    unsigned char *zown = NULL;
    const unsigned char *zb = NULL;
    int packed = q->op == 'M' && ze && ze->src.dt == OX_UINT8 && ze->src.dt != se->src.dt;
    if (ze && packed && !(zb = ent_bytes(f, p, ze, &zown, err))) {
        free(s);
        return -1;
    }
    if (ze && !packed && !(z = ent_all(f, p, ze, err))) {
        free(s);
        return -1;
    }
    if (q->op == 'M' && q->gidx != NONE) {
        /* act-order: the block of each row of K, checked as the read does */
        uint64_t K = (uint64_t)q->K, nb = (K + (uint64_t)q->bs - 1) / (uint64_t)q->bs;
        double *gv = ent_all(f, p, &p->ents[q->gidx], err);
        if (!gv) {
            free(s), free(z), free(zown);
            return -1;
        }
        g->rmap = util_mallocarray((size_t)K, sizeof *g->rmap);
        for (uint64_t k = 0; k < K; k++) {
            if (!(gv[k] >= 0 && gv[k] < (double)nb)) {
                util_err_set(err, "%s: %s: g_idx[%llu] = %g is not a block of 0..%llu", f->path, t->name,
                             (unsigned long long)k, gv[k], (unsigned long long)(nb - 1));
                free(gv), free(s), free(z), free(zown);
                return -1;
            }
            g->rmap[k] = (uint32_t)gv[k];
        }
        free(gv);
    }
    if (q->op == 'M') {
        uint64_t K = (uint64_t)q->K, N = (uint64_t)q->N, nb = (K + (uint64_t)q->bs - 1) / (uint64_t)q->bs;
        uint64_t zrow = (nb * (uint64_t)q->bits + 7) / 8;
        unsigned mask = (1u << q->bits) - 1;
        for (uint64_t blk = 0; blk < nb; blk++)
            for (uint64_t n = 0; n < N; n++) {
                uint64_t gi = blk * N + n;
                double zv = (double)(1u << (q->bits - 1));
                if (zb) {
                    uint64_t zp = blk * (uint64_t)q->bits;
                    zv = (zb[n * zrow + zp / 8] >> (zp % 8)) & mask;
                } else if (z)
                    zv = z[n * nb + blk];
                g->scale[gi] = (float)s[n * nb + blk];
                g->zero[gi] = (float)zv;
            }
    } else {
        for (uint64_t gi = 0; gi < g->ngroups && gi < se->count; gi++) {
            g->scale[gi] = (float)s[gi];
            g->zero[gi] = z && !fp8 ? (float)z[gi] : 0.0f;
        }
    }
    free(s);
    free(z);
    free(zown);
    g->round = ox_round_to;
    g->round_arg = se->src.dt;
    g->scale_dtype = ox_type_of(se->src.dt)->name;
    loader_grid_set_bytes(g, (uint64_t)llround(t->stored_bpw * (double)t->count / 8.0));
    snprintf(g->params, sizeof g->params, "%s: %s, %s codes q, %s scales s%s per %s: w = (q - z) * s",
             t->stored_type, q->op == 'M' ? "com.microsoft MatMulNBits" : "DequantizeLinear",
             q->op == 'M' ? "packed unsigned" : xt->name, ox_type_of(se->src.dt)->name,
             ze || q->op == 'M' ? " and zero points z" : "",
             q->op == 'M' ? (q->gidx != NONE ? "block of K (act-order: row k in block g_idx[k])" : "block of K")
                          : se->count == 1 ? "tensor" : q->block > 0 ? "block" : "channel");
    return 0;
}

