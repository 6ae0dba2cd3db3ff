/* compare.c - see compare.h: pairing and the metrics. */
#include "config.h"
#include "cli/compare_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/par.h"
#include "model/namemap.h"
#include "model/session.h"
#include "cli/plan_imx.h"

#define CHUNK 4096     /* values fetched and summed at once */
#define MAXPARTS 64
#define MAXEXPERTS 65536 /* a stacked tensor with more "experts" is no stack */

/* ---- one side of a pair: where its values come from ------------------ */

typedef enum { SRC_RAW, SRC_RANGE, SRC_BUF } src_kind;

typedef struct cmp_src {
    loader_file *f;
    size_t t;
    src_kind kind;
    loader_rawview raw;
    void *buf;             /* SRC_BUF: the whole tensor */
    int buf_double;
} cmp_src;

typedef struct cmp_side {
    cmp_src *src;          /* one per stacked tensor */
    int n;
    uint64_t per;          /* values per source */
    double offset;         /* subtracted from every value */
    int perm;              /* rows stored permuted */
} cmp_side;

static int src_open(cmp_src *s, loader_file *f, size_t t, util_err *err)
{
    memset(s, 0, sizeof *s);
    s->f = f;
    s->t = t;
    const loader_tensor *lt = &f->tensors[t];
    if (!lt->readable) {
        util_err_set(err, "%s: %s: %s", f->path, lt->name,
                     lt->type_note ? lt->type_note : "this tensor cannot be read");
        return -1;
    }
    if (!lt->fortran_order && loader_raw(f, t, &s->raw) == 0) {
        s->kind = SRC_RAW;
        loader_willneed(s->raw.map, s->raw.offset, s->raw.nbytes);
        return 0;
    }
    if (loader_has_range(f, t)) {
        s->kind = SRC_RANGE;
        return 0;
    }
    s->kind = SRC_BUF;
    s->buf_double = lt->dtype == DT_F64;
    s->buf = session_read(f, t, s->buf_double, err);
    return s->buf ? 0 : -1;
}

static void src_close(cmp_src *s)
{
    if (!s->f)
        return;
    if (s->kind == SRC_RAW && s->raw.map)
        loader_release(s->raw.map, s->raw.offset, s->raw.nbytes);
    else if (s->kind == SRC_RANGE)
        loader_release_tensor(s->f, s->t);
    free(s->buf);
    s->buf = NULL;
}

/* Values [first, first + n) of the side as double (n <= CHUNK, never
 * across two stacked sources). -1 when the decoder refuses the range. */
static int side_fetch(const cmp_side *sd, uint64_t first, size_t n, double *dst, float *tmp)
{
    const cmp_src *s = &sd->src[first / sd->per];
    uint64_t off = first % sd->per;
    const loader_tensor *lt = &s->f->tensors[s->t];
    switch (s->kind) {
    case SRC_RAW: {
        const unsigned char *src = s->raw.data + off * dtype_size(lt->dtype);
        if (!lt->big_endian && lt->dtype == DT_BF16) {
            for (size_t i = 0; i < n; i++) {
                uint32_t u = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;
                float f;
                memcpy(&f, &u, 4);
                dst[i] = f;
            }
        } else if (!lt->big_endian && lt->dtype == DT_F16) {
            const float *tab = session_code_values(DT_F16, 0);
            for (size_t i = 0; i < n; i++)
                dst[i] = tab[src[2 * i] | src[2 * i + 1] << 8];
        } else
            dtype_to_double(lt->dtype, lt->big_endian, src, n, dst);
        break;
    }
    case SRC_RANGE:
        if (loader_read_range(s->f, s->t, off, n, tmp) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            dst[i] = tmp[i];
        break;
    case SRC_BUF:
        if (s->buf_double)
            memcpy(dst, (const double *)s->buf + off, n * sizeof *dst);
        else
            for (size_t i = 0; i < n; i++)
                dst[i] = ((const float *)s->buf)[off + i];
        break;
    }
    if (sd->offset != 0)
        for (size_t i = 0; i < n; i++)
            dst[i] -= sd->offset;
    return 0;
}

/* ---- the metrics, in parts over rows ---------------------------------- */

typedef struct part_acc {
    dd e2, a2, b2, ab, we2;
    double max;
    uint64_t nonfinite;
    uint64_t bad_first;    /* the first value a decoder refused, or UINT64_MAX */
    int bad_side;
} part_acc;

typedef struct cmp_job {
    const cmp_side *a, *b;
    uint64_t rows, cols, n_head;
    const double *wa;      /* --imatrix: nexp * cols weights, or NULL */
    uint64_t nexp;
    int nparts;
    part_acc acc[MAXPARTS];
} cmp_job;

/* The sums of one chunk, four independent lanes (no value non-finite:
 * the caller checks the result and falls back to chunk_sums_careful). */
static void chunk_sums(const double *va, const double *vb, size_t n, double *e2, double *a2, double *b2,
                       double *ab, double *mx)
{
    double se[4] = { 0 }, sa[4] = { 0 }, sb[4] = { 0 }, sab[4] = { 0 }, m[4] = { 0 };
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            double x = va[i + k], y = vb[i + k], e = x - y;
            se[k] += e * e;
            sa[k] += x * x;
            sb[k] += y * y;
            sab[k] += x * y;
            m[k] = fabs(e) > m[k] ? fabs(e) : m[k];
        }
    for (; i < n; i++) {
        double x = va[i], y = vb[i], e = x - y;
        se[0] += e * e;
        sa[0] += x * x;
        sb[0] += y * y;
        sab[0] += x * y;
        m[0] = fabs(e) > m[0] ? fabs(e) : m[0];
    }
    *e2 = (se[0] + se[1]) + (se[2] + se[3]);
    *a2 = (sa[0] + sa[1]) + (sa[2] + sa[3]);
    *b2 = (sb[0] + sb[1]) + (sb[2] + sb[3]);
    *ab = (sab[0] + sab[1]) + (sab[2] + sab[3]);
    double m01 = m[0] > m[1] ? m[0] : m[1], m23 = m[2] > m[3] ? m[2] : m[3];
    *mx = m01 > m23 ? m01 : m23;
}

/* The same leaving out (and counting) the pairs with a non-finite value. */
static void chunk_sums_careful(const double *va, const double *vb, size_t n, double *e2, double *a2,
                               double *b2, double *ab, double *mx, uint64_t *nonfinite)
{
    *e2 = *a2 = *b2 = *ab = *mx = 0;
    for (size_t i = 0; i < n; i++) {
        double x = va[i], y = vb[i];
        if (!isfinite(x) || !isfinite(y)) {
            ++*nonfinite;
            continue;
        }
        double e = x - y;
        *e2 += e * e;
        *a2 += x * x;
        *b2 += y * y;
        *ab += x * y;
        *mx = fabs(e) > *mx ? fabs(e) : *mx;
    }
}

static void kern(void *ctx, int part)
{
    cmp_job *j = ctx;
    part_acc *p = &j->acc[part];
    memset(p, 0, sizeof *p);
    p->bad_first = UINT64_MAX;
    uint64_t r0 = j->rows * (uint64_t)part / (uint64_t)j->nparts;
    uint64_t r1 = j->rows * (uint64_t)(part + 1) / (uint64_t)j->nparts;
    double *va = util_mallocarray(2 * CHUNK, sizeof *va), *vb = va + CHUNK;
    float *tmp = util_mallocarray(CHUNK, sizeof *tmp);
    for (uint64_t r = r0; r < r1 && p->bad_first == UINT64_MAX; r++) {
        uint64_t ra = j->a->perm ? namemap_unpermute_row(r, j->rows, j->n_head) : r;
        uint64_t rb = j->b->perm ? namemap_unpermute_row(r, j->rows, j->n_head) : r;
        for (uint64_t c = 0; c < j->cols; c += CHUNK) {
            size_t n = (size_t)(j->cols - c < CHUNK ? j->cols - c : CHUNK);
            if (side_fetch(j->a, ra * j->cols + c, n, va, tmp) < 0) {
                p->bad_first = ra * j->cols + c, p->bad_side = 0;
                break;
            }
            if (side_fetch(j->b, rb * j->cols + c, n, vb, tmp) < 0) {
                p->bad_first = rb * j->cols + c, p->bad_side = 1;
                break;
            }
            double e2, a2, b2, ab, mx;
            if (j->wa) {
                const double *w = j->wa + (j->nexp > 1 ? r / (j->rows / j->nexp) * j->cols : 0) + c;
                double s = 0;
                for (size_t i = 0; i < n; i++) {
                    double e = va[i] - vb[i];
                    if (isfinite(e))
                        s += w[i] * e * e;
                }
                p->we2 = dd_add_d(p->we2, s);
            }
            chunk_sums(va, vb, n, &e2, &a2, &b2, &ab, &mx);
            if (!isfinite(e2 + a2 + b2 + ab))
                chunk_sums_careful(va, vb, n, &e2, &a2, &b2, &ab, &mx, &p->nonfinite);
            mx = mx > p->max ? mx : p->max;
            p->e2 = dd_add_d(p->e2, e2);
            p->a2 = dd_add_d(p->a2, a2);
            p->b2 = dd_add_d(p->b2, b2);
            p->ab = dd_add_d(p->ab, ab);
            p->max = mx;
        }
    }
    free(va);
    free(tmp);
}

static void shape_text(const loader_tensor *t, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->ndim && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

/* Shapes agree: the left tensor (or each stacked expert, with the right
 * side's first dimension their number) has the right side's shape. */
static int check_shapes(cmp_run *r, cmp_pair *p)
{
    const loader_tensor *rt = &r->rf->tensors[p->right];
    const loader_tensor *lt = &r->lf->tensors[p->left[0]];
    char ls[160], rs[160];
    shape_text(lt, ls, sizeof ls);
    shape_text(rt, rs, sizeof rs);
    int ok;
    if (p->nleft == 1)
        ok = lt->ndim == rt->ndim && memcmp(lt->shape, rt->shape, (size_t)lt->ndim * sizeof *lt->shape) == 0;
    else
        ok = rt->ndim == lt->ndim + 1 && rt->shape[0] == (uint64_t)p->nleft &&
             memcmp(lt->shape, rt->shape + 1, (size_t)lt->ndim * sizeof *lt->shape) == 0;
    if (!ok) {
        p->error = util_asprintf("shape mismatch: %s: %s %s%s against %s: %s %s", r->lf->path, lt->name, ls,
                                 p->nleft > 1 ? " (per expert)" : "", r->rf->path, rt->name, rs);
        return -1;
    }
    return 0;
}

/* The permutation's n_head for pair p, or an error. */
static int setup_perm(cmp_run *r, cmp_pair *p, uint64_t rows)
{
    long h = p->perm == 1 ? r->head_count : r->head_count_kv;
    const loader_tensor *rt = &r->rf->tensors[p->right];
    if (h <= 0 || rows % (2 * (uint64_t)h) != 0) {
        p->error = util_asprintf("%s: %s: cannot undo llama.cpp's row permutation: %s %ld, %llu rows "
                                 "(needs a multiple of 2 x the head count)",
                                 p->gguf_side == 2 ? r->rf->path : r->lf->path, rt->name,
                                 p->perm == 1 ? "head_count" : "head_count_kv", h,
                                 (unsigned long long)rows);
        return -1;
    }
    p->n_head = (uint64_t)h;
    return 0;
}

/* The imatrix weights of pair p (--imatrix): *wa, or NULL with p->w_note
 * when the imatrix has no entry for it; -1 with p->error when the entry
 * does not fit the tensor. Looked up under the GGUF side's name, else the
 * original's (mapped). */
static int pair_weights(cmp_run *r, cmp_pair *p, uint64_t cols, const double **wa)
{
    util_err err = { { 0 } };
    const char *rn = r->rf->tensors[p->right].name, *ln = r->lf->tensors[p->left[0]].name;
    const double *a = NULL;
    uint64_t nexp = (uint64_t)p->nleft;
    int k = imx_weights(r->im, rn, r->arch, cols, nexp, &a, &err);
    if (k == 0 && p->nleft == 1)
        k = imx_weights(r->im, ln, r->arch, cols, 1, &a, &err);
    if (k < 0) {
        p->error = util_strdup(err.msg);
        return -1;
    }
    *wa = NULL;
    if (k == 0) {
        p->w_note = "no imatrix entry";
        return 0;
    }
    uint64_t rows_per = (p->count / cols) / nexp;
    double den = 0;
    for (uint64_t e = 0; e < nexp; e++)
        den += (double)rows_per * imx_sum(a + e * cols, cols);
    p->sum_wden = den;
    p->have_w = 1;
    *wa = a;
    return 0;
}

/* Compute pair p's metrics. 0, or -1 with p->error set. */
static int compute_pair(cmp_run *r, cmp_pair *p)
{
    const loader_tensor *rt = &r->rf->tensors[p->right];
    const loader_tensor *lt = &r->lf->tensors[p->left[0]];
    if (check_shapes(r, p) < 0)
        return -1;
    p->count = rt->count;
    uint64_t cols = rt->ndim > 0 ? rt->shape[rt->ndim - 1] : 1;
    uint64_t rows = cols ? rt->count / cols : 0;
    if (p->perm && setup_perm(r, p, rows) < 0)
        return -1;
    cmp_side a = { 0 }, b = { 0 };
    util_err err = { { 0 } };
    a.src = util_calloc((size_t)p->nleft, sizeof *a.src);
    a.n = p->nleft;
    a.per = lt->count ? lt->count : 1;
    b.src = util_calloc(1, sizeof *b.src);
    b.n = 1;
    b.per = rt->count ? rt->count : 1;
    cmp_side *g = p->gguf_side == 1 ? &a : p->gguf_side == 2 ? &b : NULL;
    if (g) {
        g->perm = p->perm != 0;
        g->offset = p->plus_one ? 1.0 : 0.0;
    }
    int rc = 0;
    for (int e = 0; e < p->nleft && rc == 0; e++)
        rc = src_open(&a.src[e], r->lf, p->left[e], &err);
    if (rc == 0)
        rc = src_open(&b.src[0], r->rf, p->right, &err);
    if (rc < 0)
        p->error = util_strdup(err.msg);
    else if (rows > 0) {
        cmp_job *j = util_calloc(1, sizeof *j);
        j->a = &a, j->b = &b, j->rows = rows, j->cols = cols, j->n_head = p->n_head;
        if (r->im && pair_weights(r, p, cols, &j->wa) < 0)
            rc = -1;
        j->nexp = (uint64_t)p->nleft;
        uint64_t np = p->count / 65536 + 1;
        np = np > MAXPARTS ? MAXPARTS : np;
        j->nparts = (int)(np > rows ? rows : np);
        if (rc == 0)
            par_run(j->nparts, kern, j);
        else
            j->nparts = 0;
        dd e2 = { 0, 0 }, a2 = { 0, 0 }, b2 = { 0, 0 }, ab = { 0, 0 }, we2 = { 0, 0 };
        for (int k = 0; k < j->nparts; k++) {
            part_acc *q = &j->acc[k];
            if (q->bad_first != UINT64_MAX && !p->error) {
                const cmp_side *sd = q->bad_side ? &b : &a;
                const cmp_src *s = &sd->src[q->bad_first / sd->per];
                p->error = util_asprintf("%s: %s: the values from index %llu could not be decoded "
                                         "(the stored data is damaged or cut short)",
                                         s->f->path, s->f->tensors[s->t].name,
                                         (unsigned long long)(q->bad_first % sd->per));
            }
            e2 = dd_add(e2, q->e2), a2 = dd_add(a2, q->a2), b2 = dd_add(b2, q->b2), ab = dd_add(ab, q->ab);
            we2 = dd_add(we2, q->we2);
            p->max_abs_err = q->max > p->max_abs_err ? q->max : p->max_abs_err;
            p->nonfinite += q->nonfinite;
        }
        if (j->wa) {
            p->sum_we2 = dd_to_d(we2);
            p->weighted_mse = p->sum_wden > 0 ? p->sum_we2 / p->sum_wden : NAN;
        }
        free(j);
        p->sum_e2 = dd_to_d(e2), p->sum_a2 = dd_to_d(a2), p->sum_b2 = dd_to_d(b2), p->sum_ab = dd_to_d(ab);
        rc = p->error ? -1 : 0;
    }
    for (int e = 0; e < p->nleft; e++)
        src_close(&a.src[e]);
    src_close(&b.src[0]);
    free(a.src);
    free(b.src);
    if (rc < 0)
        return -1;
    uint64_t n = p->count - p->nonfinite;
    p->mse = n ? p->sum_e2 / (double)n : NAN;
    p->sqnr_db = 10.0 * log10(p->sum_a2 / p->sum_e2);
    p->cosine = p->sum_ab / sqrt(p->sum_a2 * p->sum_b2);
    return 0;
}

/* ---- pairing ------------------------------------------------------------ */

static const char *meta(const loader_file *f, const char *key)
{
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

static long meta_long(const loader_file *f, const char *arch, const char *what)
{
    char key[160];
    snprintf(key, sizeof key, "%s.attention.%s", arch ? arch : "", what);
    const char *v = meta(f, key);
    char *end;
    long n = v ? strtol(v, &end, 10) : -1;
    return v && end != v && *end == '\0' ? n : -1;
}

static int is_gguf(const loader_file *f)
{
    return strcmp(f->fmt->name, "gguf") == 0;
}

/* The key a name is matched by (the GGUF form when the table knows it). */
static char *key_of(const char *name, const char *arch, int *expert)
{
    char buf[512];
    *expert = -1;
    if (namemap_to_gguf(name, arch, buf, sizeof buf, expert))
        return util_strdup(buf);
    return util_strdup(name);
}

/* The display name of stacked experts: the per-expert name with its
 * expert number as '*' (model.layers.0.mlp.experts.*.up_proj.weight). */
static char *expert_glob(const char *name, int ex)
{
    char pat[32];
    snprintf(pat, sizeof pat, ".%d.", ex);
    const char *e = strstr(name, ".experts.");
    const char *at = e ? strstr(e + 8, pat) : NULL;
    if (!at)
        return util_asprintf("%s (experts stacked)", name);
    return util_asprintf("%.*s.*.%s", (int)(at - name), name, at + strlen(pat));
}

static cmp_pair *new_pair(cmp_run *r, size_t right)
{
    r->pairs = util_realloc(r->pairs, (r->npairs + 1) * sizeof *r->pairs);
    cmp_pair *p = &r->pairs[r->npairs++];
    memset(p, 0, sizeof *p);
    p->right = right;
    return p;
}

/* The transforms the converter made, when one side is GGUF under its own
 * names and the other carries mapped (Hugging Face) names. */
static void set_transforms(cmp_run *r, cmp_pair *p, const char *lname, int lmapped, int rmapped)
{
    const char *rname = r->rf->tensors[p->right].name;
    if (is_gguf(r->rf) && lmapped && !rmapped)
        p->gguf_side = 2;
    else if (is_gguf(r->lf) && rmapped && !lmapped)
        p->gguf_side = 1;
    if (!p->gguf_side)
        return;
    const char *gname = p->gguf_side == 2 ? rname : lname;
    p->perm = namemap_permutation(gname, r->arch);
    p->plus_one = namemap_plus_one(gname, r->arch);
}

static int pair_all(cmp_run *r)
{
    loader_file *lf = r->lf, *rf = r->rf;
    char **rkey = util_calloc(rf->ntensors + 1, sizeof *rkey);
    int *rexp = util_calloc(rf->ntensors + 1, sizeof *rexp);
    unsigned char *rused = util_calloc(rf->ntensors + 1, 1);
    loader_names ix = { 0 };
    for (size_t i = 0; i < rf->ntensors; i++) {
        rkey[i] = key_of(rf->tensors[i].name, r->arch, &rexp[i]);
        if (rexp[i] >= 0) {
            char *x = util_asprintf("%s#%d", rkey[i], rexp[i]);
            free(rkey[i]);
            rkey[i] = x;
        }
        loader_names_put(&ix, rkey[i], i);
    }
    /* stacked experts: right tensor -> pair index */
    long *stack = util_calloc(rf->ntensors + 1, sizeof *stack);
    for (size_t i = 0; i < rf->ntensors; i++)
        stack[i] = -1;
    r->unmatched_left = util_calloc(lf->ntensors + 1, sizeof *r->unmatched_left);
    for (size_t i = 0; i < lf->ntensors; i++) {
        const char *name = lf->tensors[i].name;
        if (!options_selects(r->o, 0, name))
            continue;
        int ex;
        char *k = key_of(name, r->arch, &ex);
        int lmapped = strcmp(k, name) != 0;
        long j = -1;
        char xk[600];
        if (ex >= 0) {
            /* a per-expert tensor: the same expert by name, else the stack */
            snprintf(xk, sizeof xk, "%s#%d", k, ex);
            j = loader_names_get(&ix, xk);
            if (j >= 0 && !rused[j]) {
                cmp_pair *p = new_pair(r, (size_t)j);
                rused[j] = 1;
                p->left = util_calloc(1, sizeof *p->left);
                p->left[0] = i, p->nleft = 1, p->left_name = util_strdup(name);
                set_transforms(r, p, name, 0, 0);
                free(k);
                continue;
            }
            j = loader_names_get(&ix, k);
            if (j >= 0 && rexp[j] >= 0)
                j = -1;
            if (j >= 0 && rf->tensors[j].ndim >= 2 && rf->tensors[j].shape[0] <= MAXEXPERTS &&
                (uint64_t)ex < rf->tensors[j].shape[0] &&
                       (stack[j] >= 0 || !rused[j])) {
                if (stack[j] < 0) {
                    cmp_pair *p = new_pair(r, (size_t)j);
                    rused[j] = 1;
                    stack[j] = (long)(r->npairs - 1);
                    p->nleft = (int)rf->tensors[j].shape[0];
                    p->left = util_calloc((size_t)p->nleft, sizeof *p->left);
                    for (int e = 0; e < p->nleft; e++)
                        p->left[e] = SIZE_MAX;
                    p->left_name = expert_glob(name, ex);
                    r->nstacked++;
                }
                cmp_pair *p = &r->pairs[stack[j]];
                if (p->left[ex] == SIZE_MAX)
                    p->left[ex] = i;
                else
                    r->unmatched_left[r->nul++] = i;
            } else
                r->unmatched_left[r->nul++] = i;
            free(k);
            continue;
        }
        j = loader_names_get(&ix, k);
        if (j >= 0 && !rused[j]) {
            cmp_pair *p = new_pair(r, (size_t)j);
            rused[j] = 1;
            p->left = util_calloc(1, sizeof *p->left);
            p->left[0] = i, p->nleft = 1, p->left_name = util_strdup(name);
            set_transforms(r, p, name, lmapped, strcmp(rkey[j], rf->tensors[j].name) != 0);
        } else
            r->unmatched_left[r->nul++] = i;
        free(k);
    }
    r->unmatched_right = util_calloc(rf->ntensors + 1, sizeof *r->unmatched_right);
    for (size_t i = 0; i < rf->ntensors; i++)
        if (!rused[i] && (r->o->nglobs == 0 || options_selects(r->o, 1, rf->tensors[i].name)))
            r->unmatched_right[r->nur++] = i;
    for (size_t i = 0; i < rf->ntensors; i++)
        free(rkey[i]);
    free(rkey);
    free(rexp);
    free(rused);
    free(stack);
    loader_names_free(&ix);
    return 0;
}

/* A stacked pair with an expert missing: its error. */
static int stacked_complete(cmp_run *r, cmp_pair *p)
{
    for (int e = 0; e < p->nleft; e++)
        if (p->left[e] == SIZE_MAX) {
            p->error = util_asprintf("%s: %s: expert %d of %d is missing from %s", r->rf->path,
                                     r->rf->tensors[p->right].name, e, p->nleft, r->lf->path);
            /* keep the pair printable: point at any present expert */
            for (int k = 0; k < p->nleft; k++)
                if (p->left[k] != SIZE_MAX) {
                    for (int m = 0; m < p->nleft; m++)
                        if (p->left[m] == SIZE_MAX)
                            p->left[m] = p->left[k];
                    break;
                }
            return -1;
        }
    return 0;
}

static int damage_cmp(const void *x, const void *y)
{
    const cmp_pair *a = x, *b = y;
    if (!a->error != !b->error)
        return a->error ? 1 : -1;  /* pairs without metrics last */
    if (a->error)
        return 0;
    double sa = isnan(a->sqnr_db) ? INFINITY : a->sqnr_db, sb = isnan(b->sqnr_db) ? INFINITY : b->sqnr_db;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return strcmp(a->left_name, b->left_name);
}

static int compare_do(const cli_opts *o, compare_sink sink, void *ctx);
/* Open both files, pair and measure (best_at_same_bpw when best). -1 when
 * a file cannot be opened (said on stderr), else the status (0, or 1 when
 * a pair failed). The pairs sorted by damage when sort, else in pairing
 * order. */
static int compare_compute(const cli_opts *o, cmp_run *r, int best, int sort)
{
    if (o->jobs > 0)
        par_set_budget(o->jobs);
    loader_opts lo = { .dtype_override = o->dtype_override };
    util_err err = { { 0 } };
    memset(r, 0, sizeof *r);
    r->o = o;
    r->lf = loader_open(o->files[0].path, &lo, &err);
    if (!r->lf) {
        util_warn("%s", err.msg);
        return -1;
    }
    r->rf = loader_open(o->files[1].path, &lo, &err);
    if (!r->rf) {
        util_warn("%s", err.msg);
        loader_close(r->lf);
        return -1;
    }
    const loader_file *g = is_gguf(r->rf) ? r->rf : is_gguf(r->lf) ? r->lf : NULL;
    if (g) {
        r->arch = meta(g, "general.architecture");
        r->head_count = meta_long(g, r->arch, "head_count");
        r->head_count_kv = meta_long(g, r->arch, "head_count_kv");
        if (r->head_count_kv <= 0)
            r->head_count_kv = r->head_count;
    }
    if (o->imatrix) {
        r->im = imatrix_load(o->imatrix, &err);
        if (!r->im) {
            util_warn("%s", err.msg);
            loader_close(r->lf);
            loader_close(r->rf);
            return -1;
        }
    }
    pair_all(r);
    int status = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        cmp_pair *p = &r->pairs[i];
        const loader_tensor *rt = &r->rf->tensors[p->right];
        p->right_bpw = rt->stored_bpw > 0 ? rt->stored_bpw : rt->readable ? 8.0 * (double)dtype_size(rt->dtype) : NAN;
        if ((p->nleft > 1 && stacked_complete(r, p) < 0) || compute_pair(r, p) < 0) {
            util_warn("%s", p->error);
            status = 1;
            continue;
        }
        r->nperm += p->perm != 0;
        r->nplus += p->plus_one;
        compare_stored(r, p);
        r->nweighted += p->have_w;
        if (best && compare_best(r, p, &p->best, &err) < 0) {
            util_warn("%s", err.msg);
            status = 1;
        }
    }
    if (sort)
        qsort(r->pairs, r->npairs, sizeof *r->pairs, damage_cmp);
    return status;
}

static void compare_free(cmp_run *r)
{
    for (size_t i = 0; i < r->npairs; i++) {
        free(r->pairs[i].left);
        free(r->pairs[i].left_name);
        free(r->pairs[i].error);
    }
    free(r->pairs);
    free(r->unmatched_left);
    free(r->unmatched_right);
    loader_close(r->lf);
    loader_close(r->rf);
    imatrix_free(r->im);
}

int compare_run(const cli_opts *o)
{
    return compare_do(o, NULL, NULL);
}

/* the pairs that have metrics, in pairing order, to sink */
static int hand_on(const cmp_run *r, compare_sink sink, void *ctx)
{
    compare_row *rows = util_calloc(r->npairs ? r->npairs : 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        const cmp_pair *p = &r->pairs[i];
        if (p->error)
            continue;
        rows[n++] = (compare_row){ p->left_name, loader_dtype_name(&r->rf->tensors[p->right]), p->count,
                                   p->right_bpw, p->mse, p->sqnr_db };
    }
    for (size_t i = 0; i < r->nul; i++)
        util_warn("%s: %s: unmatched (not in the figure)", r->lf->path, r->lf->tensors[r->unmatched_left[i]].name);
    for (size_t i = 0; i < r->nur; i++)
        util_warn("%s: %s: unmatched (not in the figure)", r->rf->path, r->rf->tensors[r->unmatched_right[i]].name);
    int rc = sink(ctx, rows, n);
    free(rows);
    return rc;
}

int compare_collect(const cli_opts *o, compare_sink sink, void *ctx)
{
    return compare_do(o, sink, ctx);
}

static int compare_do(const cli_opts *o, compare_sink sink, void *ctx)
{
    if (o->nfiles != 2) {
        fprintf(stderr, "apotview: --compare needs two files, ORIGINAL and QUANTIZED (got %d)\n", o->nfiles);
        return 2;
    }
    cmp_run r;
    int status = compare_compute(o, &r, !o->no_best && !sink, !sink);
    if (status < 0)
        return 1;
    if (sink) {
        int rc = hand_on(&r, sink, ctx);
        status = rc ? rc : status;
    } else
        compare_print(&r);
    compare_free(&r);
    return status;
}

static int file_quantized(const loader_file *f)
{
    for (size_t i = 0; i < f->ntensors; i++)
        if (f->tensors[i].stored_bpw > 0)
            return 1;
    return 0;
}

int compare_is_quantized(const cli_opts *o)
{
    if (o->nfiles != 2)
        return 0;
    loader_opts lo = { .dtype_override = o->dtype_override };
    int q = 0;
    for (int k = 0; k < 2 && !q; k++) {
        util_err err = { { 0 } };
        loader_file *f = loader_open(o->files[k].path, &lo, &err);
        if (!f)
            return 0; /* the viewer says why */
        q = file_quantized(f);
        loader_close(f);
    }
    return q;
}

int compare_pairs(const cli_opts *o, model_pairs *out)
{
    memset(out, 0, sizeof *out);
    if (o->nfiles != 2)
        return -1;
    cmp_run r;
    int status = compare_compute(o, &r, 0, 1);
    if (status < 0)
        return -1;
    out->quantized = file_quantized(r.lf) || file_quantized(r.rf);
    out->p = util_calloc(r.npairs ? r.npairs : 1, sizeof *out->p);
    out->n = r.npairs;
    for (size_t i = 0; i < r.npairs; i++) {
        const cmp_pair *p = &r.pairs[i];
        model_pair *q = &out->p[i];
        q->left_name = util_strdup(p->left_name);
        q->right_name = util_strdup(r.rf->tensors[p->right].name);
        q->left = p->left[0];
        q->right = p->right;
        q->stacked = p->nleft > 1;
        q->count = p->count;
        q->right_dtype = util_strdup(loader_dtype_name(&r.rf->tensors[p->right]));
        q->right_bpw = p->right_bpw;
        q->error = p->error ? util_strdup(p->error) : NULL;
        q->mse = p->error ? NAN : p->mse;
        q->sqnr_db = p->error ? NAN : p->sqnr_db;
        q->cosine = p->error ? NAN : p->cosine;
        q->max_abs_err = p->error ? NAN : p->max_abs_err;
        q->perm = p->perm;
        q->n_head = p->n_head;
        q->plus_one = p->plus_one;
        q->gguf_side = p->gguf_side;
    }
    compare_free(&r);
    return status;
}
