/*
 * stquant.c - quantized safetensors: recognition (stquant.h); the
 * decoding is in stquant_decode.c.
 *
 * stquant_apply walks the tensor list once, and for each quantized weight
 * it finds (by the name of its main part: `.qweight`, `.weight_packed`,
 * `_scale_inv`, `.weight_scale`, `.quant_state.bitsandbytes__*`,
 * `_blocks`) gathers its parts, checks their dtypes and shapes against
 * each other, and fills an stq_tensor: the parts as views into the
 * mappings plus the geometry of the codes and scales. The main part's
 * entry is renamed to the logical name and the other parts are dropped
 * (loader_compact), all at once at the end so the name index never sees a
 * freed name.
 */
#include "config.h"
#include "io/stquant_priv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define cf stq_cf
#define ci stq_ci
#define rd32 stq_rd32

struct stq_model {
    stq_tensor **t;
    size_t n, cap;
    char **notes;
    size_t nnotes, ncap;
};

/* ---- configuration ------------------------------------------------------ */

typedef struct qcfg {
    char method[32];         /* quant_method: "awq", "gptq", "fp8", ... ("" none) */
    int bits;                /* awq / gptq bits (0: not given) */
    long group;              /* awq / gptq group_size (0: not given, -1: whole input) */
    int v2;                  /* gptq checkpoint_format "gptq_v2" */
    uint64_t blk[2];         /* fp8 weight_block_size / compressed-tensors block_structure */
    int ct_bits;             /* compressed-tensors weights num_bits (0: not given) */
    long ct_group;
    char *text;              /* the configuration as compact JSON (for the metadata) */
} qcfg;

static long jint(json_t *o, const char *k, long dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static void cfg_from(qcfg *c, json_t *q)
{
    json_t *m = json_object_get(q, "quant_method");
    if (json_is_string(m))
        snprintf(c->method, sizeof c->method, "%s", json_string_value(m));
    c->bits = (int)jint(q, "bits", c->bits);
    c->group = jint(q, "group_size", c->group);
    json_t *fmt = json_object_get(q, "checkpoint_format");
    if (json_is_string(fmt))
        c->v2 = strcmp(json_string_value(fmt), "gptq_v2") == 0;
    json_t *bs = json_object_get(q, "weight_block_size");
    if (json_is_array(bs) && json_array_size(bs) == 2 && json_integer_value(json_array_get(bs, 0)) > 0 &&
        json_integer_value(json_array_get(bs, 1)) > 0) {
        c->blk[0] = (uint64_t)json_integer_value(json_array_get(bs, 0));
        c->blk[1] = (uint64_t)json_integer_value(json_array_get(bs, 1));
    }
    /* compressed-tensors: the first config group's weights */
    json_t *groups = json_object_get(q, "config_groups");
    const char *gk;
    json_t *gv;
    if (json_is_object(groups))
        json_object_foreach(groups, gk, gv) {
            json_t *w = json_object_get(gv, "weights");
            if (!json_is_object(w))
                continue;
            c->ct_bits = (int)jint(w, "num_bits", 0);
            c->ct_group = jint(w, "group_size", 0);
            json_t *bl = json_object_get(w, "block_structure");
            if (json_is_array(bl) && json_array_size(bl) == 2 && json_integer_value(json_array_get(bl, 0)) > 0 &&
                json_integer_value(json_array_get(bl, 1)) > 0) {
                c->blk[0] = (uint64_t)json_integer_value(json_array_get(bl, 0));
                c->blk[1] = (uint64_t)json_integer_value(json_array_get(bl, 1));
            }
            break;
        }
}

/* config.json's quantization_config (or compression_config), else
 * AutoGPTQ's quantize_config.json; a file that is missing or not JSON
 * leaves the names alone to decide. */
static void cfg_load(qcfg *c, const char *dir)
{
    memset(c, 0, sizeof *c);
    const char *files[] = { "config.json", "quantize_config.json" };
    for (int k = 0; k < 2 && !c->method[0]; k++) {
        char *path = util_asprintf("%s%s", dir, files[k]);
        size_t len;
        util_err e = { { 0 } };
        char *text = file_read_regular(path, 64u << 20, &len, &e);
        free(path);
        if (!text)
            continue;
        json_t *root = json_loadb(text, len, 0, NULL);
        free(text);
        if (!json_is_object(root)) {
            json_decref(root);
            continue;
        }
        json_t *q = k == 0 ? json_object_get(root, "quantization_config") : root;
        if (k == 0 && !json_is_object(q))
            q = json_object_get(root, "compression_config");
        if (json_is_object(q)) {
            cfg_from(c, q);
            if (!c->text)
                c->text = json_dumps(q, JSON_COMPACT);
        }
        if (k == 1 && !c->method[0] && c->bits)
            snprintf(c->method, sizeof c->method, "gptq");
        json_decref(root);
    }
}

/* ---- gathering the parts ------------------------------------------------ */

typedef struct ctx {
    loader_file *f;
    const loader_map *const *maps;
    stq_model *m;
    qcfg cfg;
    unsigned char *drop;
    char **rename;           /* new name of tensor k, or NULL */
} ctx;

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Part `base + suffix`: filled and marked for dropping when present. */
static long part(ctx *x, const char *base, const char *suffix, comp *c)
{
    char *nm = util_asprintf("%s%s", base, suffix);
    long k = loader_find(x->f, nm);
    free(nm);
    memset(c, 0, sizeof *c);
    if (k < 0 || x->rename[k] || x->drop[k])
        return -1;
    const loader_tensor *t = &x->f->tensors[k];
    if (t->stored_type || t->dtype == DT_INVALID)
        return -1;
    const loader_map *mp = x->maps[(uintptr_t)t->priv];
    c->p = mp->data + t->offset;
    c->map = mp;
    c->off = t->offset;
    c->nbytes = t->nbytes;
    c->count = t->count;
    c->dt = t->dtype;
    c->ndim = t->ndim;
    memcpy(c->shape, t->shape, sizeof c->shape);
    c->present = 1;
    return k;
}

static const char *keep(stq_model *m, char *s)
{
    if (m->nnotes == m->ncap) {
        m->ncap = m->ncap ? 2 * m->ncap : 16;
        m->notes = util_realloc(m->notes, m->ncap * sizeof *m->notes);
    }
    m->notes[m->nnotes++] = s;
    return s;
}

static stq_tensor *new_q(ctx *x, int kind)
{
    stq_model *m = x->m;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->t = util_realloc(m->t, m->cap * sizeof *m->t);
    }
    stq_tensor *q = util_calloc(1, sizeof *q);
    q->kind = kind;
    m->t[m->n++] = q;
    return q;
}

static int is_float(dtype_id d)
{
    return d == DT_F32 || d == DT_F16 || d == DT_BF16 || d == DT_F64;
}

static char *shape_str(const comp *c)
{
    char buf[256];
    size_t o = 0;
    buf[o++] = '[';
    for (int k = 0; k < c->ndim && o < sizeof buf - 24; k++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%llu", k ? ", " : "", (unsigned long long)c->shape[k]);
    snprintf(buf + o, sizeof buf - o, "]");
    return util_strdup(buf);
}

/* Tensor k becomes the logical tensor `name` of q (or, with why set, a
 * listed tensor that cannot be read); the parts found are dropped. */
static void finish(ctx *x, long k, const char *name, stq_tensor *q, int ndim, const uint64_t *shape,
                   char *why, const comp *const *parts, size_t nparts, long *idx)
{
    loader_tensor *t = &x->f->tensors[k];
    for (size_t j = 0; j < nparts; j++)
        if (idx[j] >= 0 && idx[j] != k)
            x->drop[idx[j]] = 1;
    x->rename[k] = util_strdup(name);
    uint64_t bytes = 0;
    for (size_t j = 0; j < nparts; j++)
        if (parts[j]->present)
            bytes += parts[j]->nbytes;
    t->dtype = DT_F32;
    t->big_endian = 0;
    t->fortran_order = 0;
    if (loader_set_shape(t, ndim, shape) < 0 && !why)
        why = util_strdup("the logical shape overflows");
    t->stored_type = q->type;
    t->stored_bpw = t->count ? (double)bytes * 8.0 / (double)t->count : 0;
    t->priv = q;
    if (why) {
        t->readable = 0;
        t->type_note = keep(x->m, util_asprintf("%s: %s", q->type, why));
        free(why);
    }
}

/* The scale tiling of a [R, C] tensor from its scale's shape: one per
 * tensor, per row ([R] or [R, 1]), per group ([R, C/G]), or per tile
 * ([ceil(R/b0), ceil(C/b1)]). NULL, or why it does not fit. */
static char *tiling(stq_tensor *q, const comp *s, uint64_t R, uint64_t C, uint64_t group,
                    const uint64_t blk[2], const char *sname)
{
    uint64_t a = s->ndim >= 1 ? s->shape[0] : 1, b = s->ndim >= 2 ? s->shape[1] : 1;
    if (s->ndim > 2 || (s->ndim == 1 && a != R && a != 1)) {
        char *ss = shape_str(s), *r = util_asprintf("%s has shape %s: no scale layout of [%llu, %llu]", sname, ss,
                                                    (unsigned long long)R, (unsigned long long)C);
        free(ss);
        return r;
    }
    if (s->count == 1) {
        q->tr = R ? R : 1, q->tc = C ? C : 1, q->sc = 1;
        return NULL;
    }
    if (a == R && (s->ndim == 1 || b == 1)) {
        q->tr = 1, q->tc = C ? C : 1, q->sc = 1;
        return NULL;
    }
    if (a == R && s->ndim == 2) {
        uint64_t G = group ? group : (C + b - 1) / b;
        if (G && (C + G - 1) / G == b) {
            q->tr = 1, q->tc = G, q->sc = b;
            return NULL;
        }
    }
    uint64_t b0 = blk[0] ? blk[0] : 128, b1 = blk[1] ? blk[1] : 128;
    if (s->ndim == 2 && a == (R + b0 - 1) / b0 && b == (C + b1 - 1) / b1) {
        q->tr = b0, q->tc = b1, q->sc = b;
        return NULL;
    }
    char *ss = shape_str(s);
    char *r = util_asprintf("%s has shape %s, which fits neither one scale per row or group nor %llux%llu tiles of [%llu, %llu]",
                            sname, ss, (unsigned long long)b0, (unsigned long long)b1,
                            (unsigned long long)R, (unsigned long long)C);
    free(ss);
    return r;
}

static void tile_name(stq_tensor *q, const char *what)
{
    if (q->tr > 1 && q->tc > 1 && q->sc > 1)
        snprintf(q->type, sizeof q->type, "%s-b%llux%llu", what, (unsigned long long)q->tr, (unsigned long long)q->tc);
    else if (q->tr == 1 && q->sc > 1)
        snprintf(q->type, sizeof q->type, "%s-g%llu", what, (unsigned long long)q->tc);
    else if (q->tr == 1)
        snprintf(q->type, sizeof q->type, "%s-ch", what);
    else
        snprintf(q->type, sizeof q->type, "%s", what);
}

/* Scale and zero point dtypes a tile tensor can use. */
static char *check_scale_zero(stq_tensor *q, const char *base, const char *sfx, const char *zsfx, uint64_t R)
{
    if (!is_float(q->s.dt))
        return util_asprintf("%s%s has dtype %s, not a float type", base, sfx, dtype_name(q->s.dt));
    if (!q->z.present)
        return NULL;
    uint64_t rows = (R + q->tr - 1) / q->tr;
    if (q->z.count == q->s.count && (q->z.ndim == q->s.ndim || q->z.count == 1))
        return NULL;
    if (q->vcode == V_PACKED && q->z.dt == DT_I32 && q->z.ndim == 2 &&
        q->z.shape[0] == (rows * q->bits + 31) / 32 && q->z.shape[1] == q->sc) {
        q->zpacked = 1;
        return NULL;
    }
    char *zs = shape_str(&q->z), *ss = shape_str(&q->s);
    char *r = util_asprintf("%s%s has shape %s, which does not match the scales %s", base, zsfx, zs, ss);
    free(zs);
    free(ss);
    return r;
}

/* ---- the formats -------------------------------------------------------- */

static int is_f8(dtype_id d)
{
    return d == DT_F8_E4M3 || d == DT_F8_E5M2;
}

/* `X.weight` F8 + `X.weight_scale_inv` (DeepSeek-V3), or `X.weight` F8/I8
 * + `X.weight_scale` (compressed-tensors float-/int-quantized). */
static void do_scaled(ctx *x, long ks, const char *sname, int inv)
{
    const char *sfx = inv ? "_scale_inv" : "_scale";
    size_t bl = strlen(sname) - strlen(sfx);
    char *base = util_asprintf("%.*s", (int)bl, sname);   /* X.weight */
    stq_tensor tmp;
    memset(&tmp, 0, sizeof tmp);
    long kw = part(x, base, "", &tmp.w);
    if (kw < 0 || tmp.w.ndim != 2 || !(is_f8(tmp.w.dt) || (!inv && tmp.w.dt == DT_I8))) {
        free(base);
        return;
    }
    stq_tensor *q = new_q(x, K_TILE);
    *q = tmp;
    q->kind = K_TILE;
    long idx[3] = { kw, ks, -1 };
    part(x, base, sfx, &q->s);
    idx[2] = inv ? -1 : part(x, base, "_zero_point", &q->z);
    q->R = q->w.shape[0], q->C = q->w.shape[1];
    q->vcode = q->w.dt == DT_F8_E4M3 ? V_E4M3 : q->w.dt == DT_F8_E5M2 ? V_E5M2 : V_I8;
    char *why = NULL;
    if (inv) {
        uint64_t b0 = x->cfg.blk[0] ? x->cfg.blk[0] : 128, b1 = x->cfg.blk[1] ? x->cfg.blk[1] : 128;
        q->tr = b0, q->tc = b1;
        q->sc = (q->C + b1 - 1) / b1;
        if (q->s.ndim != 2 || q->s.shape[0] != (q->R + b0 - 1) / b0 || q->s.shape[1] != q->sc) {
            char *ss = shape_str(&q->s);
            why = util_asprintf("%s has shape %s but %llux%llu tiles of [%llu, %llu] need [%llu, %llu]",
                                sname, ss, (unsigned long long)b0, (unsigned long long)b1,
                                (unsigned long long)q->R, (unsigned long long)q->C,
                                (unsigned long long)((q->R + b0 - 1) / b0), (unsigned long long)q->sc);
            free(ss);
        }
    } else
        why = tiling(q, &q->s, q->R, q->C, x->cfg.ct_group > 0 ? (uint64_t)x->cfg.ct_group : 0, x->cfg.blk, sname);
    if (!why)
        why = check_scale_zero(q, base, sfx, "_zero_point", q->R);
    const char *what = q->vcode == V_E4M3 ? "fp8_e4m3" : q->vcode == V_E5M2 ? "fp8_e5m2" : "int8";
    if (inv) {
        snprintf(q->type, sizeof q->type, "%s-b%llux%llu", what, (unsigned long long)q->tr,
                 (unsigned long long)q->tc);
    } else
        tile_name(q, what);
    const comp *parts[] = { &q->w, &q->s, &q->z };
    finish(x, kw, base, q, 2, q->w.shape, why, parts, 3, idx);
    free(base);
}

/* compressed-tensors pack-quantized: `X.weight_packed` + `X.weight_shape`
 * + `X.weight_scale` (+ `X.weight_zero_point`). */
static void do_packed(ctx *x, long kp, const char *pname)
{
    size_t bl = strlen(pname) - strlen("_packed");
    char *base = util_asprintf("%.*s", (int)bl, pname);   /* X.weight */
    stq_tensor *q = new_q(x, K_TILE);
    q->vcode = V_PACKED;
    comp shp;
    long idx[5] = { kp, -1, -1, -1, -1 };
    part(x, base, "_packed", &q->w);
    idx[1] = part(x, base, "_shape", &shp);
    idx[2] = part(x, base, "_scale", &q->s);
    idx[3] = part(x, base, "_zero_point", &q->z);
    idx[4] = part(x, base, "_g_idx", &q->g);
    char *why = NULL;
    uint64_t shape[2] = { q->w.ndim >= 1 ? q->w.shape[0] : 0, 0 };
    if (!shp.present || shp.count != 2 || (shp.dt != DT_I64 && shp.dt != DT_I32))
        why = util_asprintf("%s_shape (the logical [out, in], 2 integers) is %s", base,
                            shp.present ? "not 2 integers" : "missing");
    else {
        int64_t a = ci(&shp, 0), b = ci(&shp, 1);
        if (a < 0 || b < 0)
            why = util_asprintf("%s_shape holds a negative size", base);
        shape[0] = (uint64_t)(a < 0 ? 0 : a), shape[1] = (uint64_t)(b < 0 ? 0 : b);
    }
    q->R = shape[0], q->C = shape[1];
    if (!why && (q->w.dt != DT_I32 || q->w.ndim != 2 || q->w.shape[0] != q->R))
        why = util_asprintf("%s has dtype %s and %d dimensions: pack_to_int32 stores int32 [%llu, words]",
                            pname, dtype_name(q->w.dt), q->w.ndim, (unsigned long long)q->R);
    if (!why) {
        int B = x->cfg.ct_bits;
        if (!B)
            for (int b = 8; b >= 2 && !B; b /= 2)
                if ((q->C * (uint64_t)b + 31) / 32 == q->w.shape[1])
                    B = b;
        q->bits = (unsigned)B;
        q->wstride = q->w.shape[1];
        if (!B) {
            char *ws = shape_str(&q->w);
            why = util_asprintf("%s has shape %s: no code width of 2, 4 or 8 bits packs [%llu, %llu] into it",
                                pname, ws, (unsigned long long)q->R, (unsigned long long)q->C);
            free(ws);
        } else if (B != 2 && B != 4 && B != 8)
            why = util_asprintf("%d-bit codes (only 2, 4 and 8 are decoded)", B);
        else if ((q->C * (uint64_t)B + 31) / 32 != q->w.shape[1]) {
            char *ws = shape_str(&q->w);
            why = util_asprintf("%s has shape %s but [%llu, %llu] %d-bit codes pack into [%llu, %llu]", pname, ws,
                                (unsigned long long)q->R, (unsigned long long)q->C, B, (unsigned long long)q->R,
                                (unsigned long long)((q->C * (uint64_t)B + 31) / 32));
            free(ws);
        }
    }
    if (!why && !q->s.present)
        why = util_asprintf("%s_scale is missing", base);
    if (!why)
        why = tiling(q, &q->s, q->R, q->C, x->cfg.ct_group > 0 ? (uint64_t)x->cfg.ct_group : 0, x->cfg.blk,
                     "weight_scale");
    if (!why)
        why = check_scale_zero(q, base, "_scale", "_zero_point", q->R);
    int act = 0;
    if (!why && q->g.present) {
        if ((q->g.dt != DT_I32 && q->g.dt != DT_I64) || q->g.count != q->C || q->tr != 1)
            why = util_asprintf("%s_g_idx has %llu elements of %s: one int32 group per input column (%llu) of "
                                "per-group scales expected", base, (unsigned long long)q->g.count,
                                dtype_name(q->g.dt), (unsigned long long)q->C);
        for (uint64_t i = 0; !why && i < q->C; i++) {
            int64_t g = ci(&q->g, i);
            if (g < 0 || (uint64_t)g >= q->sc)
                why = util_asprintf("%s_g_idx[%llu] = %lld names no group (there are %llu)", base,
                                    (unsigned long long)i, (long long)g, (unsigned long long)q->sc);
            act |= (uint64_t)g != i / q->tc;
        }
    }
    char what[24];
    snprintf(what, sizeof what, "int%u-pack", q->bits ? q->bits % 100 : 4);
    tile_name(q, what);
    if (act && strlen(q->type) + 4 < sizeof q->type)
        strcat(q->type, "-act");
    const comp *parts[] = { &q->w, &shp, &q->s, &q->z, &q->g };
    finish(x, kp, base, q, 2, shape, why, parts, 5, idx);
    free(base);
}

/* AutoAWQ GEMM / AutoGPTQ: `X.qweight` + `X.qzeros` + `X.scales`
 * (+ `X.g_idx`), logical `X.weight` [out, in]. */
static void do_qweight(ctx *x, long kq, const char *qname)
{
    size_t bl = strlen(qname) - strlen(".qweight");
    char *mod = util_asprintf("%.*s", (int)bl, qname);
    char *lname = util_asprintf("%s.weight", mod);
    long kl = loader_find(x->f, lname);
    if (kl >= 0 && kl != kq) {
        /* a plain weight of that name too: leave both as they are */
        free(mod);
        free(lname);
        return;
    }
    stq_tensor tmp;
    memset(&tmp, 0, sizeof tmp);
    long idx[4] = { kq, -1, -1, -1 };
    part(x, mod, ".qweight", &tmp.w);
    idx[1] = part(x, mod, ".qzeros", &tmp.z);
    idx[2] = part(x, mod, ".scales", &tmp.s);
    idx[3] = part(x, mod, ".g_idx", &tmp.g);
    const char *m = x->cfg.method;
    int awq;
    if (strcmp(m, "awq") == 0)
        awq = 1;
    else if (strcmp(m, "gptq") == 0)
        awq = 0;
    else if (tmp.s.present && tmp.s.ndim == 2 && tmp.w.ndim == 2 && tmp.w.shape[1] == tmp.s.shape[1])
        awq = 0;
    else
        awq = !tmp.g.present;
    stq_tensor *q = new_q(x, awq ? K_AWQ : K_GPTQ);
    int kind = q->kind;
    *q = tmp;
    q->kind = kind;
    q->bits = x->cfg.bits ? (unsigned)x->cfg.bits : 4;
    q->v1 = !x->cfg.v2;
    char *why = NULL;
    /* codes packed as a bit stream along the input (AutoGPTQ: 32 / B per
     * word for B = 2, 4, 8; 3 bits: 32 codes in 3 words, code k at bit 3k
     * of the 96, crossing word boundaries), zeros along the output */
    const unsigned B = q->bits, per = B ? 32 / B : 1;
    const uint64_t wrows = q->w.ndim == 2 ? q->w.shape[0] : 0;
#define CODES_OF(words) (B ? (words) * 32 / B : 0)
    uint64_t shape[2] = { 0, 0 };
    if (q->w.ndim == 2) {
        /* the logical shape from the codes alone (listed even if the rest is broken) */
        shape[0] = awq ? q->w.shape[1] * 8 : q->w.shape[1];
        shape[1] = awq ? q->w.shape[0] : CODES_OF(wrows);
    }
    if (q->w.dt != DT_I32 || q->w.ndim != 2)
        why = util_asprintf("%s has dtype %s and %d dimensions (int32 [rows, cols] expected)", qname,
                            dtype_name(q->w.dt), q->w.ndim);
    else if (awq ? B != 4 : (B != 2 && B != 3 && B != 4 && B != 8))
        why = util_asprintf("%u-bit codes (%s decodes %s)", B, awq ? "awq" : "gptq", awq ? "4 bits" : "2, 3, 4 and 8 bits");
    else if (!awq && B == 3 && wrows % 3)
        why = util_asprintf("%s has %llu rows: 3-bit codes come in 3 words per 32 input rows", qname,
                            (unsigned long long)wrows);
    else if (!q->s.present)
        why = util_asprintf("%s.scales is missing", mod);
    else if (!q->z.present)
        why = util_asprintf("%s.qzeros is missing", mod);
    else if (!is_float(q->s.dt) || q->s.ndim != 2)
        why = util_asprintf("%s.scales has dtype %s and %d dimensions (float [groups, out] expected)", mod,
                            dtype_name(q->s.dt), q->s.ndim);
    else if (q->z.dt != DT_I32 || q->z.ndim != 2)
        why = util_asprintf("%s.qzeros has dtype %s and %d dimensions (int32 [groups, out/%u] expected)", mod,
                            dtype_name(q->z.dt), q->z.ndim, per);
    if (!why) {
        uint64_t out = awq ? q->w.shape[1] * 8 : q->w.shape[1];
        uint64_t in = awq ? q->w.shape[0] : CODES_OF(wrows);
        q->R = out, q->C = in;
        q->ng = q->s.shape[0];
        shape[0] = out, shape[1] = in;
        long cg = x->cfg.group;
        if (q->g.present && (q->g.dt != DT_I32 || q->g.count != in))
            why = util_asprintf("%s.g_idx has %llu elements of %s but the input has %llu rows (int32 expected)",
                                mod, (unsigned long long)q->g.count, dtype_name(q->g.dt), (unsigned long long)in);
        else if (q->s.shape[1] != out || q->z.shape[0] != q->ng || (awq ? q->z.shape[1] * per : CODES_OF(q->z.shape[1])) != out || !q->ng) {
            char *ws = shape_str(&q->w), *ss = shape_str(&q->s), *zs = shape_str(&q->z);
            why = util_asprintf("shapes do not fit: qweight %s (out %llu, in %llu), scales %s, qzeros %s", ws,
                                (unsigned long long)out, (unsigned long long)in, ss, zs);
            free(ws);
            free(ss);
            free(zs);
        } else {
            q->G = cg > 0 ? (uint64_t)cg : cg < 0 ? in : (in + q->ng - 1) / q->ng;
            if (!q->g.present && (!q->G || (in + q->G - 1) / q->G != q->ng))
                why = util_asprintf("%llu groups of scales do not fit %llu input rows in groups of %llu", 
                                    (unsigned long long)q->ng, (unsigned long long)in, (unsigned long long)q->G);
        }
    }
    int act = 0;
    if (!why && q->g.present)
        for (uint64_t i = 0; i < q->C; i++) {
            uint32_t g = rd32(q->g.p + 4 * i);
            if (g >= q->ng) {
                why = util_asprintf("%s.g_idx[%llu] = %d names no group (there are %llu)", mod,
                                    (unsigned long long)i, (int32_t)g, (unsigned long long)q->ng);
                break;
            }
            act |= g != i / (q->G ? q->G : 1);
        }
    if (!why && q->g.present && !act)
        q->g.present = 2;   /* i / G: decoded without it (bytes still counted) */
    if (q->G)
        snprintf(q->type, sizeof q->type, "%s-int%u-g%llu%s", awq ? "awq" : "gptq", B % 100,
                 (unsigned long long)q->G, act ? "-act" : "");
    else
        snprintf(q->type, sizeof q->type, "%s-int%u", awq ? "awq" : "gptq", B % 100);
    const comp *parts[] = { &q->w, &q->z, &q->s, &q->g };
    finish(x, kq, lname, q, 2, shape, why, parts, 4, idx);
    if (q->g.present == 2)
        q->g.present = 0;
    free(mod);
    free(lname);
}
#undef CODES_OF

/* bitsandbytes 4-bit: `W.quant_state.bitsandbytes__nf4` (JSON bytes)
 * beside `W` (packed codes), `W.absmax`, `W.quant_map` and, nested,
 * `W.nested_absmax`, `W.nested_quant_map`. */
static void do_bnb(ctx *x, long ks, const char *sname)
{
    const char *dot = strstr(sname, ".quant_state.bitsandbytes__");
    char *base = util_asprintf("%.*s", (int)(dot - sname), sname);
    stq_tensor tmp;
    memset(&tmp, 0, sizeof tmp);
    long kw = part(x, base, "", &tmp.w);
    if (kw < 0) {
        free(base);
        return;
    }
    comp js;
    part(x, sname, "", &js);
    stq_tensor *q = new_q(x, K_BNB);
    *q = tmp;
    q->kind = K_BNB;
    long idx[6] = { kw, ks, -1, -1, -1, -1 };
    idx[2] = part(x, base, ".absmax", &q->s);
    idx[3] = part(x, base, ".quant_map", &q->qm);
    idx[4] = part(x, base, ".nested_absmax", &q->nam);
    idx[5] = part(x, base, ".nested_quant_map", &q->nqm);
    char *why = NULL;
    uint64_t shape[LOADER_MAXDIM] = { 0 };
    int nd = 1;
    json_error_t je;
    memset(&je, 0, sizeof je);
    json_t *root = js.dt == DT_U8 ? json_loadb((const char *)js.p, (size_t)js.count, 0, &je) : NULL;
    json_t *jt = json_object_get(root, "quant_type"), *jb = json_object_get(root, "blocksize"),
           *jsh = json_object_get(root, "shape");
    const char *qt = json_is_string(jt) ? json_string_value(jt) : "nf4";
    if (json_is_integer(jb) && json_integer_value(jb) > 0)
        snprintf(q->type, sizeof q->type, "%s-b%lld", strcmp(qt, "fp4") == 0 ? "fp4" : "nf4",
                 (long long)json_integer_value(jb));
    else
        snprintf(q->type, sizeof q->type, "%s", strcmp(qt, "fp4") == 0 ? "fp4" : "nf4");
    uint64_t n = 1;
    if (!json_is_object(root))
        why = util_asprintf("%s is not a JSON object%s%s", sname, root ? "" : ": ", root ? "" : je.text);
    else if (!json_is_integer(jb) || json_integer_value(jb) <= 0 || !json_is_array(jsh) ||
             json_array_size(jsh) > LOADER_MAXDIM)
        why = util_asprintf("%s needs a positive \"blocksize\" and a \"shape\" array", sname);
    else {
        q->bs = (uint64_t)json_integer_value(jb);
        nd = (int)json_array_size(jsh);
        for (int k = 0; k < nd && !why; k++) {
            json_t *v = json_array_get(jsh, (size_t)k);
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                why = util_asprintf("%s: shape[%d] is not a size", sname, k);
            else {
                shape[k] = (uint64_t)json_integer_value(v);
                if (util_mul_u64(n, shape[k], &n) < 0 || n > (UINT64_MAX >> 8))
                    why = util_asprintf("%s: the shape overflows", sname);
            }
        }
    }
    if (!why && (q->w.dt != DT_U8 || q->w.count != (n + 1) / 2))
        why = util_asprintf("%s holds %llu bytes of %s but the quant_state shape needs %llu packed bytes", base,
                            (unsigned long long)q->w.count, dtype_name(q->w.dt), (unsigned long long)((n + 1) / 2));
    uint64_t nb = q->bs ? (n + q->bs - 1) / q->bs : 0;
    if (!why && !q->s.present)
        why = util_asprintf("%s.absmax is missing", base);
    if (!why && (!q->qm.present || q->qm.count != 16 || !is_float(q->qm.dt)))
        why = util_asprintf("%s.quant_map (16 float values) is %s", base, q->qm.present ? "not 16 floats" : "missing");
    if (!why && q->s.count != nb)
        why = util_asprintf("%s.absmax has %llu elements but %llu elements in blocks of %llu need %llu", base,
                            (unsigned long long)q->s.count, (unsigned long long)n, (unsigned long long)q->bs,
                            (unsigned long long)nb);
    q->nested = q->s.dt == DT_U8;
    if (!why && !q->nested && !is_float(q->s.dt))
        why = util_asprintf("%s.absmax has dtype %s", base, dtype_name(q->s.dt));
    if (!why && q->nested) {
        json_t *jn = json_object_get(root, "nested_blocksize"), *jo = json_object_get(root, "nested_offset");
        q->nbs = json_is_integer(jn) && json_integer_value(jn) > 0 ? (uint64_t)json_integer_value(jn) : 0;
        q->noff = json_is_number(jo) ? (float)json_number_value(jo) : 0.0f;
        if (!q->nbs || !json_is_number(jo))
            why = util_asprintf("%s has U8 (nested) absmax but no \"nested_blocksize\"/\"nested_offset\"", sname);
        else if (!q->nam.present || !is_float(q->nam.dt) || q->nam.count != (nb + q->nbs - 1) / q->nbs)
            why = util_asprintf("%s.nested_absmax is %s (%llu floats needed)", base,
                                q->nam.present ? "the wrong size" : "missing",
                                (unsigned long long)((nb + q->nbs - 1) / q->nbs));
        else if (!q->nqm.present || !is_float(q->nqm.dt) || q->nqm.count != 256)
            why = util_asprintf("%s.nested_quant_map (256 floats) is %s", base,
                                q->nqm.present ? "the wrong size" : "missing");
    }
    json_decref(root);
    const comp *parts[] = { &q->w, &js, &q->s, &q->qm, &q->nam, &q->nqm };
    finish(x, kw, base, q, nd, shape, why, parts, 6, idx);
    free(base);
}

/* gpt-oss MXFP4: `X_blocks` U8 [..., G, 16] + `X_scales` U8 [..., G]. */
static void do_mxfp4(ctx *x, long kb, const char *bname)
{
    size_t bl = strlen(bname) - strlen("_blocks");
    char *base = util_asprintf("%.*s", (int)bl, bname);
    stq_tensor tmp;
    memset(&tmp, 0, sizeof tmp);
    part(x, bname, "", &tmp.w);
    if (tmp.w.dt != DT_U8 || tmp.w.ndim < 2 || tmp.w.shape[tmp.w.ndim - 1] != 16 || loader_find(x->f, base) >= 0) {
        free(base);
        return;
    }
    stq_tensor *q = new_q(x, K_MXFP4);
    *q = tmp;
    q->kind = K_MXFP4;
    snprintf(q->type, sizeof q->type, "mxfp4");
    long idx[2] = { kb, -1 };
    idx[1] = part(x, base, "_scales", &q->s);
    char *why = NULL;
    int nd = q->w.ndim - 1;
    uint64_t shape[LOADER_MAXDIM];
    memcpy(shape, q->w.shape, sizeof shape);
    shape[nd - 1] *= 32;
    int fits = q->s.present && q->s.dt == DT_U8 && q->s.ndim == nd;
    for (int k = 0; fits && k < nd; k++)
        fits = q->s.shape[k] == q->w.shape[k];
    if (!q->s.present)
        why = util_asprintf("%s_scales is missing", base);
    else if (!fits) {
        char *bs = shape_str(&q->w), *ss = shape_str(&q->s);
        why = util_asprintf("%s_scales is %s %s but the blocks %s need uint8 %.*s]", base,
                            dtype_name(q->s.dt), ss, bs, (int)(strrchr(bs, ',') - bs), bs);
        free(bs);
        free(ss);
    }
    const comp *parts[] = { &q->w, &q->s };
    finish(x, kb, base, q, nd, shape, why, parts, 2, idx);
    free(base);
}

/* A weight the config says is quantized but which has none of its parts. */
static void do_missing(ctx *x, long k, const char *name)
{
    const char *m = x->cfg.method;
    loader_tensor *t = &x->f->tensors[k];
    if (!is_f8(t->dtype) || !has_suffix(name, ".weight") || strcmp(m, "fp8") != 0)
        return;
    stq_tensor *q = new_q(x, K_TILE);
    snprintf(q->type, sizeof q->type, "%s-b%llux%llu", t->dtype == DT_F8_E4M3 ? "fp8_e4m3" : "fp8_e5m2",
             (unsigned long long)(x->cfg.blk[0] ? x->cfg.blk[0] : 128),
             (unsigned long long)(x->cfg.blk[1] ? x->cfg.blk[1] : 128));
    part(x, name, "", &q->w);
    long idx[1] = { k };
    const comp *parts[] = { &q->w };
    uint64_t shape[LOADER_MAXDIM];
    memcpy(shape, t->shape, sizeof shape);
    finish(x, k, name, q, t->ndim, shape,
           util_asprintf("%s_scale_inv is missing (config.json: quant_method fp8)", name), parts, 1, idx);
}

/* compressed-tensors nvfp4-pack-quantized: `X.weight_packed` U8 [out,
 * in/2] (E2M1 codes, the EVEN element in the LOW nibble, sign in bit 3),
 * `X.weight_scale` F8_E4M3 [out, in/16], `X.weight_global_scale` F32 (one
 * value); w = e2m1 * (scale / global_scale) (compressed-tensors
 * dequantize: the fp8 scale divided by the global scale in float32). */
static void do_nvfp4(ctx *x, long kp, const char *pname)
{
    size_t bl = strlen(pname) - strlen("_packed");
    char *base = util_asprintf("%.*s", (int)bl, pname);   /* X.weight */
    stq_tensor *q = new_q(x, K_NVFP4);
    comp gs;
    long idx[3] = { kp, -1, -1 };
    part(x, base, "_packed", &q->w);
    idx[1] = part(x, base, "_scale", &q->s);
    idx[2] = part(x, base, "_global_scale", &gs);
    snprintf(q->type, sizeof q->type, "nvfp4-g16");
    char *why = NULL;
    uint64_t shape[2] = { q->w.ndim == 2 ? q->w.shape[0] : 0, q->w.ndim == 2 ? 2 * q->w.shape[1] : 0 };
    q->R = shape[0], q->C = shape[1], q->tc = 16;
    if (q->w.ndim != 2)
        why = util_asprintf("%s_packed has %d dimensions (uint8 [out, in/2] expected)", base, q->w.ndim);
    else if (!q->s.present || q->s.dt != DT_F8_E4M3 || q->s.ndim != 2 || q->s.shape[0] != q->R ||
             q->s.shape[1] != (q->C + 15) / 16)
        why = util_asprintf("%s_scale is %s (float8_e4m3 [%llu, %llu] expected)", base,
                            q->s.present ? "of the wrong type or shape" : "missing", (unsigned long long)q->R,
                            (unsigned long long)((q->C + 15) / 16));
    else if (!gs.present || gs.count != 1 || !is_float(gs.dt))
        why = util_asprintf("%s_global_scale (one float) is %s", base, gs.present ? "not one float" : "missing");
    else
        q->gscale = cf(&gs, 0);
    const comp *parts[] = { &q->w, &q->s, &gs };
    finish(x, kp, base, q, 2, shape, why, parts, 3, idx);
    free(base);
}

/* bitsandbytes LLM.int8 (Linear8bitLt state dict): `X.weight` I8 [out,
 * in] and `X.SCB` F32 [out] (each row's absmax; `X.weight_format` beside
 * them is dropped); w = q * SCB / 127 (bitsandbytes' CB * SCB / 127: the
 * product, then the division, in float32). */
static void do_int8(ctx *x, long ks, const char *sname)
{
    size_t bl = strlen(sname) - strlen(".SCB");
    char *mod = util_asprintf("%.*s", (int)bl, sname);
    char *wname = util_asprintf("%s.weight", mod);
    stq_tensor tmp;
    memset(&tmp, 0, sizeof tmp);
    long kw = part(x, wname, "", &tmp.w);
    if (kw < 0 || tmp.w.dt != DT_I8 || tmp.w.ndim != 2) {
        free(mod);
        free(wname);
        return;
    }
    stq_tensor *q = new_q(x, K_INT8ROW);
    *q = tmp;
    q->kind = K_INT8ROW;
    snprintf(q->type, sizeof q->type, "llm-int8");
    comp fmt;
    long idx[3] = { kw, ks, -1 };
    part(x, mod, ".SCB", &q->s);
    idx[2] = part(x, wname, "_format", &fmt);
    uint64_t shape[2] = { q->w.shape[0], q->w.shape[1] };
    q->R = shape[0], q->C = shape[1], q->tr = 1, q->tc = q->C;
    char *why = NULL;
    if (!is_float(q->s.dt) || q->s.count != q->R)
        why = util_asprintf("%s.SCB has %llu elements of %s (one float per row, %llu, expected)", mod,
                            (unsigned long long)q->s.count, dtype_name(q->s.dt), (unsigned long long)q->R);
    const comp *parts[] = { &q->w, &q->s, &fmt };
    finish(x, kw, wname, q, 2, shape, why, parts, 3, idx);
    free(mod);
    free(wname);
}

stq_model *stquant_apply(loader_file *f, const loader_map *const *maps, const char *dir)
{
    stq_tables_init();
    ctx x;
    memset(&x, 0, sizeof x);
    x.f = f, x.maps = maps, x.m = util_calloc(1, sizeof(stq_model));
    cfg_load(&x.cfg, dir);
    size_t n = f->ntensors;
    x.drop = util_calloc(n ? n : 1, 1);
    x.rename = util_calloc(n ? n : 1, sizeof *x.rename);
    for (size_t k = 0; k < n; k++) {
        if (x.drop[k] || x.rename[k])
            continue;
        const char *nm = f->tensors[k].name;
        if (has_suffix(nm, ".qweight") && strlen(nm) > 8)
            do_qweight(&x, (long)k, nm);
        else if (has_suffix(nm, ".weight_packed") && f->tensors[k].dtype == DT_U8)
            do_nvfp4(&x, (long)k, nm);
        else if (has_suffix(nm, ".weight_packed"))
            do_packed(&x, (long)k, nm);
        else if (has_suffix(nm, ".SCB") && strlen(nm) > 4)
            do_int8(&x, (long)k, nm);
        else if (has_suffix(nm, "_blocks") && strlen(nm) > 7)
            do_mxfp4(&x, (long)k, nm);
        else if (strstr(nm, ".quant_state.bitsandbytes__") && strstr(nm, ".quant_state.bitsandbytes__") != nm)
            do_bnb(&x, (long)k, nm);
    }
    /* scales beside plain-looking weights, once the packed forms have
     * claimed theirs */
    for (size_t k = 0; k < n; k++) {
        if (x.drop[k] || x.rename[k])
            continue;
        const char *nm = f->tensors[k].name;
        if (has_suffix(nm, "_scale_inv") && strlen(nm) > 10)
            do_scaled(&x, (long)k, nm, 1);
        else if (has_suffix(nm, ".weight_scale"))
            do_scaled(&x, (long)k, nm, 0);
    }
    for (size_t k = 0; k < n; k++)
        if (!x.drop[k] && !x.rename[k])
            do_missing(&x, (long)k, f->tensors[k].name);
    stq_model *m = x.m;
    if (m->n == 0) {
        free(x.drop);
        free(x.rename);
        free(x.cfg.text);
        stquant_free(m);
        return NULL;
    }
    /* the file's own description of its quantization, for `i` and --list */
    if (x.cfg.text)
        loader_add_meta(f, "quantization_config", x.cfg.text);
    free(x.cfg.text);
    for (size_t k = 0; k < n; k++)
        if (x.rename[k]) {
            free(f->tensors[k].name);
            f->tensors[k].name = x.rename[k];
        }
    loader_compact(f, x.drop);
    free(x.drop);
    free(x.rename);
    return m;
}

void stquant_free(stq_model *m)
{
    if (!m)
        return;
    for (size_t k = 0; k < m->n; k++)
        free(m->t[k]);
    free(m->t);
    for (size_t k = 0; k < m->nnotes; k++)
        free(m->notes[k]);
    free(m->notes);
    free(m);
}
