/*
 * gq.c - group-wise quantization in one streaming pass (gq.h): the
 * slicing into groups, gathering a group's values where they are (floats,
 * 2-byte codes, doubles), units of consecutive groups over the threads,
 * per-unit sums combined in unit order (determinism), the results and the
 * view sink. The per-group work is in gq_eval.c (quantizers), gq_opt.c
 * (the exact mse optimum) and gq_kern.c (vector kernels).
 */
#include "config.h"
#include "quant/gq_int.h"
#include "quant/schemes.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_VALUES 32768  /* values per unit of work (fixed: determinism) */
#define GQ_MAXJOBS 64      /* schemes in one gq_run */
#define RELEASE_UNITS 32   /* group_codes.release: windows of this many units */

static double natmax_of(const levelset *ls)
{
    const char *n = ls->scheme;
    if (strcmp(n, "uniform") == 0)
        return ls->is_signed ? (double)((ls->n - 1) / 2) : (double)(ls->n - 1);
    if (strcmp(n, "fp4-e2m1") == 0 || strcmp(n, "mxfp4") == 0)
        return 6;
    if (strcmp(n, "fp6-e2m3") == 0)
        return 7.5;
    if (strcmp(n, "fp6-e3m2") == 0)
        return 28;
    if (strcmp(n, "fp8-e4m3") == 0)
        return 448;
    if (strcmp(n, "fp8-e5m2") == 0)
        return 57344;
    return 1;
}

static void gsch_init(gsch *g, gq_job *job, const analyze_cfg *cfg)
{
    memset(g, 0, sizeof *g);
    g->job = job;
    const levelset *ls = &job->ls;
    const char *n = ls->scheme;
    g->L = ls->n;
    g->v = ls->v;
    g->natmax = natmax_of(ls);
    g->sd = cfg->sdtype != SCALE_DEFAULT ? cfg->sdtype
                                         : strcmp(n, "nf4") == 0 ? SCALE_FP32 : SCALE_FP16;
    if (strcmp(n, "mxfp4") == 0) {
        g->kind = GK_MXFP4;
        g->sd = SCALE_E8M0;
    } else if (strcmp(n, "q4_0") == 0) {
        g->kind = GK_Q4_0;
        g->sd = SCALE_FP16;
    } else if (strcmp(n, "q8_0") == 0) {
        g->kind = GK_Q8_0;
        g->sd = SCALE_FP16;
    } else if (ls->asym)
        g->kind = GK_INTASYM;
    else if (strcmp(n, "nf4") == 0 && cfg->amode == ALPHA_MAX)
        g->kind = GK_NF4;
    else if (strcmp(n, "uniform") == 0)
        g->kind = GK_UNIFORM;
    else
        g->kind = GK_GENERIC;
    g->maxq = (int)ls->n - 1;
    size_t L = g->L;
    g->nat = util_mallocarray(L, sizeof *g->nat);
    for (size_t k = 0; k < L; k++) {
        double w = ls->v[k] * g->natmax;
        if (g->natmax != 1)        /* integers and dyadic minifloat values */
            w = ldexp(nearbyint(ldexp(w, 24)), -24);
        g->nat[k] = w;
    }
    levels_lut_init(&g->lut, g->nat, L, L <= 16 ? 64 : 4096);
    g->has_natf = L <= 16;
    for (size_t k = 0; k < 16; k++) {
        g->natf[k] = k < L ? (float)g->nat[k] : 0;
        if (k < L && (double)g->natf[k] != g->nat[k])
            g->has_natf = 0;
    }
    g->mid = g->lut.mid;
    g->qmin = (long)g->nat[0];
    g->qmax = (long)g->nat[L - 1];
    size_t z = 0;
    for (size_t k = 1; k < L; k++)
        if (fabs(g->nat[k]) < fabs(g->nat[z]))
            z = k;
    g->zero_idx = z;
    gq_side_build(&g->sp, ls->v, L, 0);
    gq_side_build(&g->sn, ls->v, L, 1);
    gq_side_sym(&g->sp, &g->sn);
    if (g->kind == GK_NF4)
        for (int j = 0; j < 15; j++)
            g->nf4thr[j] = (float)(0.5 * (schemes_nf4_values[j] + schemes_nf4_values[j + 1]));
}

static void gsch_free(gsch *g)
{
    free(g->nat);
    levels_lut_free(&g->lut);
    gq_side_free(&g->sp);
    gq_side_free(&g->sn);
}

int gq_handles(const analyze_cfg *cfg, const scheme_def *d)
{
    if (d && (d->flags & SCHEME_MX))
        return 1;
    if (d && (d->flags & SCHEME_DATA))
        return 0;
    switch (cfg->amode) {
    case ALPHA_MAX:
    case ALPHA_VALUE:
    case ALPHA_FILE:
    case ALPHA_MSE:
        return 1;
    default:
        return 0;
    }
}

static void shape_str(const group_tensor *t, char *buf, size_t len)
{
    size_t j = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->ndim && j < len; i++)
        j += (size_t)snprintf(buf + j, len - j, "%s%llu", i ? ", " : "",
                              (unsigned long long)t->shape[i]);
    if (j < len)
        snprintf(buf + j, len - j, "]");
}

static int make_slicing(const group_tensor *t, const analyze_cfg *cfg, int fixed, slicing *sl,
                        char *msg, size_t mlen)
{
    memset(sl, 0, sizeof *sl);
    if (t->count == 0) {
        snprintf(msg, mlen, "empty tensor");
        return -1;
    }
    uint64_t rows = t->ndim > 1 ? t->shape[0] : 1;
    uint64_t R = rows ? t->count / rows : 0;
    if (!fixed && cfg->gran == GRAN_BLOCK) {
        if (cfg->block_r < 1 || cfg->block_c < 1) {
            snprintf(msg, mlen, "block:RxC needs R, C >= 1");
            return -1;
        }
        sl->kind = 1;
        sl->M = rows;
        sl->N = R;
        sl->TR = cfg->block_r < rows ? cfg->block_r : rows;
        sl->TC = cfg->block_c < R ? cfg->block_c : R;
        sl->tpr = (R + sl->TC - 1) / sl->TC;
        sl->ngroups = ((rows + sl->TR - 1) / sl->TR) * sl->tpr;
        sl->maxlen = sl->TR * sl->TC;
        return 0;
    }
    uint64_t G = fixed ? 32 : cfg->group;
    if (G < 1) {
        snprintf(msg, mlen, "group:G needs G >= 1");
        return -1;
    }
    if (!fixed && cfg->group_along_axis) {
        int nd = t->ndim > 0 ? t->ndim : 1;
        if (cfg->axis < 0 || cfg->axis >= nd) {
            char sh[160];
            shape_str(t, sh, sizeof sh);
            snprintf(msg, mlen, "--axis=%d is out of range for shape %s (%d dimension%s)", cfg->axis,
                     sh, t->ndim, t->ndim == 1 ? "" : "s");
            return -1;
        }
        sl->outer = sl->inner = 1;
        for (int i = 0; i < cfg->axis; i++)
            sl->outer *= t->shape[i];
        for (int i = cfg->axis + 1; i < t->ndim; i++)
            sl->inner *= t->shape[i];
        sl->A = t->ndim > 0 ? t->shape[cfg->axis] : 1;
    } else {
        sl->outer = rows;
        sl->A = R;
        sl->inner = 1;
    }
    sl->G = G < sl->A ? G : sl->A;
    if (sl->G < 1)
        sl->G = 1;
    sl->gpa = (sl->A + sl->G - 1) / sl->G;
    sl->ngroups = sl->outer * sl->gpa * sl->inner;
    sl->maxlen = sl->G;
    return 0;
}

static inline float bf16_val(const unsigned char *p)
{
    uint32_t b = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 24;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* Count the len codes at c (stride in codes) into cc (group_codes.count):
 * two tables in turn, so that a run of equal codes does not wait on one
 * counter's store. The codes were just read by the gathering (in cache). */
static void count_codes(uint32_t *cc, const unsigned char *c, uint64_t len, uint64_t stride)
{
    uint32_t *c1 = cc + 65536;
    uint64_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (stride == 1)
        for (; i + 4 <= len; i += 4) {
            uint64_t v;
            memcpy(&v, c + 2 * i, 8);
            cc[v & 0xFFFF]++;
            c1[(v >> 16) & 0xFFFF]++;
            cc[(v >> 32) & 0xFFFF]++;
            c1[v >> 48]++;
        }
#else
    (void)c1;
#endif
    for (; i < len; i++) {
        const unsigned char *p = c + 2 * i * stride;
        cc[(unsigned)p[0] | (unsigned)p[1] << 8]++;
    }
}

/* gather len values from base with stride into x (finite, normalized);
 * cc: count the codes (NULL: not) */
static size_t gather_run(const run *r, uint64_t base, uint64_t len, uint64_t stride, double *x,
                         size_t n, uint32_t *cc)
{
    const group_tensor *t = r->t;
    double m = r->m, s = r->s;
    if (r->cd) {
        const unsigned char *c = r->cd->codes16 + 2 * base;
        if (cc)
            count_codes(cc, c, len, stride);
        double d1, d2;
        if (r->cd->bf16 && stride == 1 && !r->norm && r->K->bf16(c, len, x + n, &d1, &d2))
            return n + len;
        if (r->cd->bf16) {
            for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
                float f = bf16_val(c);
                x[n] = r->norm ? ((double)f - m) / s : (double)f;
                n += isfinite(f) != 0;
            }
        } else {
            const float *cv = r->cd->code_value;
            for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
                float f = cv[(unsigned)c[0] | (unsigned)c[1] << 8];
                x[n] = r->norm ? ((double)f - m) / s : (double)f;
                n += isfinite(f) != 0;
            }
        }
    } else if (t->is_double) {   /* any alignment (a file mapped in place) */
        const unsigned char *v = (const unsigned char *)t->vals + 8 * base;
        for (uint64_t i = 0; i < len; i++, v += 8 * stride) {
            double f;
            memcpy(&f, v, sizeof f);
            x[n] = r->norm ? (f - m) / s : f;
            n += isfinite(f) != 0;
        }
    } else {
        const unsigned char *v = (const unsigned char *)t->vals + 4 * base;
        for (uint64_t i = 0; i < len; i++, v += 4 * stride) {
            float f;
            memcpy(&f, v, sizeof f);
            x[n] = r->norm ? ((double)f - m) / s : (double)f;
            n += isfinite(f) != 0;
        }
    }
    return n;
}

/* gather_run for fpath: the values as floats */
static size_t gather_runf(const run *r, uint64_t base, uint64_t len, uint64_t stride, float *x,
                          size_t n, uint32_t *cc)
{
    if (r->cd) {
        const unsigned char *c = r->cd->codes16 + 2 * base;
        if (cc)
            count_codes(cc, c, len, stride);
        if (r->cd->bf16 && stride == 1 && r->K->bf16f(c, len, x + n))
            return n + len;
        const float *cv = r->cd->bf16 ? NULL : r->cd->code_value;
        for (uint64_t i = 0; i < len; i++, c += 2 * stride) {
            float f = cv ? cv[(unsigned)c[0] | (unsigned)c[1] << 8] : bf16_val(c);
            x[n] = f;
            n += isfinite(f) != 0;
        }
    } else {
        const unsigned char *v = (const unsigned char *)r->t->vals + 4 * base;
        for (uint64_t i = 0; i < len; i++, v += 4 * stride) {
            float f;
            memcpy(&f, v, sizeof f);
            x[n] = f;
            n += isfinite(f) != 0;
        }
    }
    return n;
}

static size_t gather_groupf(const run *r, uint64_t gi, ws *w)
{
    const slicing *sl = &r->sl;
    if (sl->kind == 1) {
        uint64_t tr = gi / sl->tpr, tc = gi % sl->tpr;
        uint64_t r0 = tr * sl->TR, c0 = tc * sl->TC;
        uint64_t r1 = r0 + sl->TR < sl->M ? r0 + sl->TR : sl->M;
        uint64_t cl = c0 + sl->TC < sl->N ? sl->TC : sl->N - c0;
        size_t n = 0;
        for (uint64_t rr = r0; rr < r1; rr++)
            n = gather_runf(r, rr * sl->N + c0, cl, 1, w->xf, n, w->cc);
        return n;
    }
    uint64_t i = gi % sl->inner, q = gi / sl->inner;
    uint64_t ga = q % sl->gpa, o = q / sl->gpa;
    uint64_t a0 = ga * sl->G;
    uint64_t len = a0 + sl->G <= sl->A ? sl->G : sl->A - a0;
    uint64_t base = (o * sl->A + a0) * sl->inner + i;
    if (r->direct && sl->inner == 1 && len % 16 == 0 &&
        r->K->bf16max(r->cd->codes16 + 2 * base, len, &w->famax)) {
        w->cod = r->cd->codes16 + 2 * base;
        w->fS2 = 0;
        w->fused = 1;
        if (w->cc && r->uniunit) {   /* (counted by the uniform kernel, else one_group) */
            w->pend = w->cod;
            w->pendn = len;
        } else if (w->cc)
            count_codes(w->cc, w->cod, len, 1);
        return len;
    }
    if (r->bf16x && sl->inner == 1 &&
        (r->s2c ? (w->fS2 = 0, r->K->bf16m(r->cd->codes16 + 2 * base, len, w->xf, &w->famax))
                : r->K->bf16s(r->cd->codes16 + 2 * base, len, w->xf, &w->famax, &w->fS2))) {
        w->fused = 1;
        if (w->cc)
            count_codes(w->cc, r->cd->codes16 + 2 * base, len, 1);
        return len;
    }
    return gather_runf(r, base, len, sl->inner, w->xf, 0, w->cc);
}

static size_t gather_group(const run *r, uint64_t gi, ws *w)
{
    double *x = w->x;
    const slicing *sl = &r->sl;
    if (sl->kind == 1) {
        uint64_t tr = gi / sl->tpr, tc = gi % sl->tpr;
        uint64_t r0 = tr * sl->TR, c0 = tc * sl->TC;
        uint64_t r1 = r0 + sl->TR < sl->M ? r0 + sl->TR : sl->M;
        uint64_t cl = c0 + sl->TC < sl->N ? sl->TC : sl->N - c0;
        size_t n = 0;
        for (uint64_t rr = r0; rr < r1; rr++)
            n = gather_run(r, rr * sl->N + c0, cl, 1, x, n, w->cc);
        return n;
    }
    uint64_t i = gi % sl->inner, q = gi / sl->inner;
    uint64_t ga = q % sl->gpa, o = q / sl->gpa;
    uint64_t a0 = ga * sl->G;
    uint64_t len = a0 + sl->G <= sl->A ? sl->G : sl->A - a0;
    uint64_t base = (o * sl->A + a0) * sl->inner + i;
    /* one run of bfloat16 codes: converted with the group's stats */
    if (r->cd && r->cd->bf16 && sl->inner == 1 && !r->norm &&
        r->K->bf16(r->cd->codes16 + 2 * base, len, x, &w->famax, &w->fS2)) {
        w->fused = 1;
        if (w->cc)
            count_codes(w->cc, r->cd->codes16 + 2 * base, len, 1);
        return len;
    }
    return gather_run(r, base, len, sl->inner, x, 0, w->cc);
}

/* the view sink (gq.h) for group gi: u of every value into the thread's
 * histogram, the group's alpha, sse, count (own entries: no race) */
static void view_group(gq_view *v, tacc *ta, uint64_t gi, const double *x, size_t n, double amax,
                       const gout *o)
{
    double a = amax > 0 || o->has_alpha ? o->alpha : 0, c = a > 0 ? o->vc : 0;
    v->alpha[gi] = (float)a;
    v->sse[gi] = (float)o->sse;
    v->count[gi] = (uint32_t)n;
    if (!ta->vh)
        return;
    int nb = v->nbins;
    double h = 0.5 * nb;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - c;
        double u = d == 0 ? 0 : d / a;
        double f = (u + 1) * h;
        long b = f <= 0 ? 0 : f >= nb ? nb - 1 : (long)f;
        ta->vh[b]++;
        ta->vclip += fabs(u) > 1;
    }
}

void gq_view_free(gq_view *v)
{
    if (!v)
        return;
    free(v->alpha);
    free(v->sse);
    free(v->count);
    v->alpha = v->sse = NULL;
    v->count = NULL;
}

/* The threads' code count tables (2 x 65536 each), kept for the next
 * gq_run (all zero between runs): no page faults per tensor. */
static pthread_mutex_t cc_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *cc_pool[64];
static int cc_n;

static uint32_t *cc_get(void)
{
    uint32_t *c = NULL;
    pthread_mutex_lock(&cc_mu);
    if (cc_n > 0)
        c = cc_pool[--cc_n];
    pthread_mutex_unlock(&cc_mu);
    return c ? c : util_calloc(2 * 65536, sizeof *c);
}

/* add c's counts to count, zero c and keep it */
static void cc_put(uint32_t *c, uint64_t *count)
{
    for (size_t i = 0; i < 2 * 65536; i++) {
        count[i & 0xFFFF] += c[i];
        c[i] = 0;
    }
    pthread_mutex_lock(&cc_mu);
    if (cc_n < 64) {
        cc_pool[cc_n++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&cc_mu);
    free(c);
}

typedef struct targ {
    run *r;
    tacc *ta;              /* ng */
    uint32_t *cc;          /* the thread's code counts (NULL: not counting) */
} targ;

/* the first value of unit u (groups along the rows: contiguous) */
static uint64_t unit_first_value(const run *r, uint64_t u)
{
    uint64_t g = u * r->upg;
    return (g / r->sl.gpa) * r->sl.A + (g % r->sl.gpa) * r->sl.G;
}

/* group gi of the unit into ua (the worker's loop body) */
static void one_group(run *r, targ *A, ws *w, uint64_t gi, uacc *ua)
{
    w->fused = 0;
    w->cod = NULL;
    w->have_x = !r->fpath;
    w->pend = NULL;
    size_t n = r->fpath ? gather_groupf(r, gi, w) : gather_group(r, gi, w);
    if (n == 0)
        return;
    double mn = INFINITY, mx = -INFINITY, S2 = 0, amax = 0;
    if (r->fpath && (r->need_prep || r->need_minmax || r->need_view))
        need_x(r, w, n);
    if (r->fpath && !r->need_prep && w->fused) {
        amax = w->famax;
        S2 = w->fS2;
    } else if (r->fpath && !r->need_prep) {
        need_xf(r, w, n);
        r->K->statsf(w->xf, n, &amax, &S2);
    }
    else if (r->need_prep)
        amax = gq_group_prep(r->K, w, n, &S2);
    else if (w->fused) {      /* the same bits as K->stats */
        amax = w->famax;
        S2 = w->fS2;
    } else
        r->K->stats(w->x, n, &amax, &S2);
    w->S2 = S2;
    if (r->need_minmax)
        for (size_t i = 0; i < n; i++) {
            double v = w->x[i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
    for (int k = 0; k < r->ng; k++) {
        gout o;
        tacc *ta = &A->ta[k];
        gq_group_scheme(r, &r->g[k], w, n, amax, mn, mx, ta->counts, &o);
        if (r->g[k].job->view)
            view_group(r->g[k].job->view, ta, gi, w->x, n, amax, &o);
        ua[k].sse += o.sse;
        ua[k].sumsq += r->s2c ? 0 : S2;
        ta->n += n;
        ta->clipped += o.clipped;
        if (o.maxerr > ta->maxerr)
            ta->maxerr = o.maxerr;
        if (o.has_alpha) {
            ua[k].asum += o.alpha;
            ta->nalpha++;
        }
    }
    if (w->pend) {
        count_codes(w->cc, w->pend, w->pendn, 1);
        w->pend = NULL;
    }
}

/* run.mxunit: the unit's groups g0 .. g1 - 1, each row's whole groups
 * (contiguous codes) by K->mxu, counting the codes as it goes; a row's
 * ragged last group, or a group the codes do not decide, by one_group */
static void mx_unit(run *r, targ *A, ws *w, uint64_t g0, uint64_t g1, uacc *ua)
{
    const slicing *sl = &r->sl;
    uint64_t G = sl->G, whole = sl->A / G;
    const unsigned char *c = r->cd->codes16;
    for (uint64_t gi = g0; gi < g1;) {
        uint64_t ga = gi % sl->gpa, o = gi / sl->gpa;
        if (ga < whole) {
            uint64_t m = whole - ga < g1 - gi ? whole - ga : g1 - gi;
            size_t d = r->K->mxu(c + 2 * (o * sl->A + ga * G), (size_t)m, (size_t)G, ua, A->ta, w->cc);
            gi += d;
            if (d == m)
                continue;
        }
        one_group(r, A, w, gi++, ua);
    }
}

/* run.uniunit with --alpha=max, groups along the rows: gq_uni_group
 * straight from the codes, else one_group */
static void uni_unit(run *r, targ *A, ws *w, uint64_t g0, uint64_t g1, uacc *ua)
{
    const slicing *sl = &r->sl;
    const unsigned char *c = r->cd->codes16;
    for (uint64_t gi = g0; gi < g1; gi++) {
        uint64_t ga = gi % sl->gpa, o = gi / sl->gpa, a0 = ga * sl->G;
        uint64_t len = a0 + sl->G <= sl->A ? sl->G : sl->A - a0;
        if (len % 16 == 0 && gq_uni_group(r, &r->g[0], w, c + 2 * (o * sl->A + a0), (size_t)len, ua, A->ta))
            continue;
        one_group(r, A, w, gi, ua);
    }
}

static void *worker(void *arg)
{
    targ *A = arg;
    run *r = A->r;
    ws w;
    gq_ws_init(&w, r->sl.maxlen);
    w.cc = A->cc;
    if (r->uniunit)
        w.uidx = util_malloc(UNIT_VALUES + 64);
    for (;;) {
        uint64_t u = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
        if (u >= r->nunits)
            break;
        uint64_t g0 = u * r->upg, g1 = g0 + r->upg < r->sl.ngroups ? g0 + r->upg : r->sl.ngroups;
        /* the unit's sums kept here and stored once (the next unit's
         * entries share its cache lines and another thread writes them) */
        uacc ua[GQ_MAXJOBS];
        memset(ua, 0, (size_t)r->ng * sizeof *ua);
        if (r->mxunit)
            mx_unit(r, A, &w, g0, g1, ua);
        else if (r->uniunit && r->cfg->amode == ALPHA_MAX && r->sl.kind == 0 && r->sl.inner == 1)
            uni_unit(r, A, &w, g0, g1, ua);
        else
            for (uint64_t gi = g0; gi < g1; gi++)
                one_group(r, A, &w, gi, ua);
        if (w.un) {
            r->K->hist16(w.uidx, w.un, r->g[0].L, A->ta[0].counts);
            w.un = 0;
        }
        memcpy(&r->ua[u * (uint64_t)r->ng], ua, (size_t)r->ng * sizeof *ua);
        /* every RELEASE_UNITS units: the codes of the window of units
         * RELEASE_UNITS .. 2 RELEASE_UNITS - 1 back, done by now unless a
         * thread stalled (then its reads fault the pages back in) */
        if (r->cd && r->cd->release && r->sl.kind == 0 && r->sl.inner == 1 &&
            u % RELEASE_UNITS == RELEASE_UNITS - 1 && u >= 2 * RELEASE_UNITS - 1) {
            uint64_t a = unit_first_value(r, u + 1 - 2 * RELEASE_UNITS);
            uint64_t b = unit_first_value(r, u + 1 - RELEASE_UNITS);
            r->cd->release(r->cd->release_ctx, a, b - a);
        }
    }
    free(w.uidx);
    gq_ws_free(&w);
    return NULL;
}

static void fill_result(const gsch *g, const tacc *ta, dd sse, dd sumsq, dd asum,
                        const group_tensor *t, const slicing *sl, analyze_result *out,
                        const analyze_cfg *cfg)
{
    const levelset *ls = &g->job->ls;
    eval_result *r = &out->r;
    r->alpha = ta->nalpha ? dd_to_d(asum) / (double)ta->nalpha
                          : cfg->amode == ALPHA_VALUE ? cfg->alpha : NAN;
    eval_result_from_totals(ls, ta->n, dd_to_d(sse), dd_to_d(sumsq), ta->maxerr, ta->clipped, ta->counts, r);
    out->ok = 1;
    out->nscales = sl->ngroups;
    out->scale_dtype = analyze_scale_dtype_name(g->sd);
    double per = gq_scale_bits(g->sd) + (g->kind == GK_INTASYM ? ls->bits : 0);
    out->bpw = t->count ? (double)ls->bits + per * (double)sl->ngroups / (double)t->count : NAN;
}

int gq_run(const group_tensor *t, const group_codes *codes, const analyze_cfg *cfg, int fixed, double m, double s,
           gq_job *jobs, int njobs, char *msg, size_t mlen)
{
    if (njobs > GQ_MAXJOBS) {  /* (the results do not depend on the grouping) */
        for (int k0 = 0; k0 < njobs; k0 += GQ_MAXJOBS)
            if (gq_run(t, codes, cfg, fixed, m, s, jobs + k0,
                       njobs - k0 < GQ_MAXJOBS ? njobs - k0 : GQ_MAXJOBS, msg, mlen) < 0)
                return -1;
        return 0;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.cd = codes && codes->codes16 ? codes : NULL;
    r.cfg = cfg;
    r.m = m;
    r.s = s;
    r.norm = cfg->normalize;
    r.K = gq_kern_pick();
    r.fpath = !r.norm && (r.cd || !t->is_double);
    r.bf16x = r.cd && r.cd->bf16;
    for (int k = 0; k < njobs; k++)
        r.need_view |= jobs[k].view != NULL;
    for (int k = 0; k < njobs; k++)
        if (jobs[k].view) {
            gq_view *v = jobs[k].view;
            v->nclip = 0;
            v->ngroups = v->gcols = 0;
            v->alpha = v->sse = NULL;
            v->count = NULL;
        }
    if (make_slicing(t, cfg, fixed, &r.sl, msg, mlen) < 0)
        return -1;
    for (int k = 0; k < njobs; k++)
        if (jobs[k].view) {
            gq_view *v = jobs[k].view;
            size_t ng = (size_t)r.sl.ngroups;
            v->ngroups = ng;
            v->gcols = (size_t)(r.sl.kind == 1 ? r.sl.tpr : r.sl.inner > 1 ? r.sl.inner : r.sl.gpa);
            v->alpha = util_calloc(ng ? ng : 1, sizeof *v->alpha);
            v->sse = util_calloc(ng ? ng : 1, sizeof *v->sse);
            v->count = util_calloc(ng ? ng : 1, sizeof *v->count);
            if (v->hist && v->nbins > 0)
                memset(v->hist, 0, (size_t)v->nbins * sizeof *v->hist);
        }
    r.ng = njobs;
    r.g = util_calloc((size_t)njobs, sizeof *r.g);
    for (int k = 0; k < njobs; k++)
        gsch_init(&r.g[k], &jobs[k], cfg);
    for (int k = 0; k < njobs; k++) {
        if (r.g[k].kind == GK_INTASYM)
            r.need_minmax = 1;
        if ((r.g[k].kind == GK_GENERIC || r.g[k].kind == GK_UNIFORM) && cfg->amode == ALPHA_MSE)
            r.need_prep = 1;
    }
    r.upg = UNIT_VALUES / (r.sl.maxlen ? r.sl.maxlen : 1);
    if (r.upg < 1)
        r.upg = 1;
    r.nunits = (r.sl.ngroups + r.upg - 1) / r.upg;
    r.ua = util_calloc((size_t)(r.nunits * (uint64_t)njobs) + 1, sizeof *r.ua);
    int nth = cfg->nthreads > 0 ? cfg->nthreads : util_ncpus();
    if (cfg->nthreads <= 0 && t->count < GROUP_THREAD_MIN)
        nth = 1;
    if (nth > 64)
        nth = 64;
    if ((uint64_t)nth > r.nunits)
        nth = (int)r.nunits;
    if (nth < 1)
        nth = 1;
    tacc *ta = util_calloc((size_t)nth * (size_t)njobs, sizeof *ta);
    for (int i = 0; i < nth * njobs; i++) {
        ta[i].cbase = util_calloc(4 * r.g[i % njobs].L + 16, sizeof *ta[i].counts);
        ta[i].counts = ta[i].cbase + 8;
        gq_view *v = jobs[i % njobs].view;
        if (v && v->hist && v->nbins > 0)
            ta[i].vh = util_calloc((size_t)v->nbins, sizeof *ta[i].vh);
    }
    targ *args = util_calloc((size_t)nth, sizeof *args);
    pthread_t *th = util_calloc((size_t)nth, sizeof *th);
    int started = 0;
    /* the codes' counts (group_codes.count): in this pass when nothing
     * has counted them yet (the first pass over the tensor) */
    int counting = r.cd && r.cd->count && t->count < ((uint64_t)1 << 32);
    for (size_t c = 0; counting && c < 65536; c++)
        counting = r.cd->count[c] == 0;
    /* --alpha=max etc. over bfloat16 codes while counting them: the sum
     * of squares of the finite values from the counts (exact: dd), not
     * per group (a pass over the values saved) */
    r.s2c = counting && r.fpath && r.bf16x && !r.need_prep && !r.need_minmax && !r.need_view;
    r.direct = r.s2c;
    for (int k = 0; k < njobs; k++) {
        const gsch *g = &r.g[k];
        r.direct &= g->kind == GK_MXFP4 ||
                    (g->kind == GK_UNIFORM && cfg->amode == ALPHA_MAX &&
                     (g->sd == SCALE_FP16 || g->sd == SCALE_BF16 || g->sd == SCALE_E8M0));
    }
    r.uniunit = r.direct && njobs == 1 && r.g[0].kind == GK_UNIFORM && r.g[0].L <= 16 &&
                r.sl.maxlen <= UNIT_VALUES;
    r.mxunit = r.direct && njobs == 1 && r.g[0].kind == GK_MXFP4 && r.sl.kind == 0 &&
               r.sl.inner == 1 && r.sl.G % 16 == 0 && r.sl.G <= UNIT_VALUES;
    for (int i = 0; i < nth; i++) {
        args[i].r = &r;
        args[i].ta = &ta[i * njobs];
        args[i].cc = counting ? cc_get() : NULL;
    }
    for (int i = 1; i < nth; i++) {
        if (pthread_create(&th[i], NULL, worker, &args[i]) != 0)
            break;
        started = i;
    }
    worker(&args[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < nth; i++)
        if (args[i].cc)
            cc_put(args[i].cc, r.cd->count);
    dd s2c = { 0, 0 };
    if (r.s2c)
        for (size_t c = 0; c < 65536; c++)
            if (r.cd->count[c]) {
                uint32_t b = (uint32_t)c << 16;   /* bfloat16 (r.bf16x) */
                float f;
                memcpy(&f, &b, sizeof f);
                double v = (double)f;
                if (isfinite(v))   /* v^2 of <= 16 bits times a count < 2^32: exact */
                    s2c = dd_add_d(s2c, (double)r.cd->count[c] * (v * v));
            }
    for (int k = 0; k < njobs; k++) {
        tacc tot;
        memset(&tot, 0, sizeof tot);
        tot.counts = util_calloc(r.g[k].L, sizeof *tot.counts);
        for (int i = 0; i < nth; i++) {
            tacc *a = &ta[i * njobs + k];
            tot.n += a->n;
            gq_view *v = jobs[k].view;
            if (a->vh) {
                for (int b = 0; b < v->nbins; b++)
                    v->hist[b] += a->vh[b];
                v->nclip += a->vclip;
            }
            tot.clipped += a->clipped;
            tot.nalpha += a->nalpha;
            if (a->maxerr > tot.maxerr)
                tot.maxerr = a->maxerr;
            size_t L = r.g[k].L;
            for (size_t l = 0; l < L; l++)
                tot.counts[l] += a->counts[l] + a->counts[L + l] + a->counts[2 * L + l] +
                                 a->counts[3 * L + l];
        }
        dd sse = { 0, 0 }, sq = s2c, as = { 0, 0 };
        for (uint64_t u = 0; u < r.nunits; u++) {
            const uacc *a = &r.ua[u * (uint64_t)njobs + (uint64_t)k];
            sse = dd_add_d(sse, a->sse);
            sq = dd_add_d(sq, a->sumsq);
            as = dd_add_d(as, a->asum);
        }
        analyze_result tmp;
        analyze_result *out = jobs[k].out ? jobs[k].out : &tmp;
        fill_result(&r.g[k], &tot, sse, sq, as, t, &r.sl, out, cfg);
        jobs[k].adds_mean = out->r.adds_mean;
        free(tot.counts);
    }
    for (int i = 0; i < nth * njobs; i++) {
        free(ta[i].cbase);
        free(ta[i].vh);
    }
    for (int k = 0; k < njobs; k++)
        gsch_free(&r.g[k]);
    free(ta);
    free(args);
    free(th);
    free(r.ua);
    free(r.g);
    return 0;
}
