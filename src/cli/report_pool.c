/*
 * report_pool.c - the report's evaluation (report_rows.h): every selected
 * tensor read, prepared by the engine that can answer what is asked,
 * analyzed and freed, on --jobs threads, the largest first, with peak
 * memory bounded by the largest tensor.
 */
#include "config.h"
#include "cli/report_rows.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/par.h"
#include "quant/analyze.h"
#include "quant/group.h"
#include "quant/prep_group.h"
#include "model/stored_run.h"


typedef struct pool {
    const cli_opts *o;
    session *s;
    report_item *items;
    size_t *order;           /* processing order: largest first */
    size_t n, next;
    const double *alphas;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t *file_mu; /* loaders need not be thread-safe */
    pthread_t main;          /* the thread that runs the report (one worker) */
    uint64_t inflight, budget;
    int failed;
    /* a progress line on a terminal's stderr for long reports */
    int progress;
    double t0, shown;
    size_t done;
    uint64_t values_done, values_total;
} pool;

/* "12/54 tensors, 301.2M of 302.0M values" once the report has run for half
 * a second, refreshed at most every 0.2 s; called with mu held. */
static void progress_tick(pool *pl)
{
    if (!pl->progress)
        return;
    double now = util_now();
    if (now - pl->t0 < 0.5 || now - pl->shown < 0.2)
        return;
    pl->shown = now;
    char a[32], b[32];
    fprintf(stderr, "\r%zu/%zu tensors, %s of %s values ", pl->done, pl->n,
            util_fmt_si(a, sizeof a, (double)pl->values_done, 4),
            util_fmt_si(b, sizeof b, (double)pl->values_total, 4));
    fflush(stderr);
}

/* A message on stderr from a worker: it takes the place of the progress
 * line (cleared first when one is shown), which comes back at the next
 * tick. */
__attribute__((format(printf, 2, 3))) static void pool_error(pool *pl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[2 * UTIL_ERRLEN];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&pl->mu);
    if (pl->shown > 0)
        fprintf(stderr, "\r%60s\r", "");
    util_fput_msg(stderr, msg);   /* names and file strings sanitized */
    pthread_mutex_unlock(&pl->mu);
}

typedef struct held held;
static void process_prep(pool *pl, report_item *it, prep *p, held *hd);

/* What the answers for this tensor need of an engine (prep.h): exact mse
 * curves (--sweep) and quantiles (percentile, kl, aciq), values that are
 * not floats, very many values, the C order (per-channel/group scales, MX
 * blocks). */
static unsigned report_needs(const cli_opts *o, const loader_tensor *lt, int sweep)
{
    unsigned need = 0;
    if (sweep)
        need |= PREP_CAP_EXACT;
    switch (o->cfg.amode) {
    case ALPHA_PERCENTILE:
    case ALPHA_KL:
    case ALPHA_ACIQ:
        need |= PREP_CAP_EXACT;
        break;
    default:
        break;
    }
    if (!dtype_fits_float(lt->dtype))
        need |= PREP_CAP_DOUBLE;
    if (lt->count >= PREP_LARGE)
        need |= PREP_CAP_LARGE;
    if (group_needed(&o->cfg, o->schemes, o->nschemes))
        need |= PREP_CAP_GROUP;
    return need;
}

/* The engine that prepares this tensor: among those that can answer
 * everything asked, the one --engine names, else the one for its size. An
 * unreadable tensor goes to the sorted engine, which reports the error. */
static const prep_ops *report_engine(const cli_opts *o, const loader_tensor *lt, int sweep)
{
    const char *name = strcmp(o->engine, "auto") == 0 ? NULL : o->engine;
    const prep_ops *e = prep_engine_pick(name, report_needs(o, lt, sweep), lt->count);
    /* the histogram engine reads the tensor where it lies */
    if (!e || (e == &prep_hist_ops && !lt->readable))
        e = &prep_sorted_ops;
    return e;
}

/* The group engines start their own threads (group.h): cfg->nthreads
 * threads in all, this one and the returned number of slots taken from
 * the budget (par.h), which the caller releases after the analysis. */
static int group_threads(analyze_cfg *cfg, uint64_t count)
{
    int extra = count >= GROUP_THREAD_MIN ? par_acquire(par_budget() - 1) : 0;
    cfg->nthreads = 1 + extra;
    return extra;
}

/* What a histogram prep reads from, held until it is freed. */
struct held {
    loader_rawview rv;
    int have_raw;
    const loader_tensor *t;
    size_t esz;
    void *buf;
    loader_file *f;        /* a ranged source: tensor index of f */
    size_t index;
};

static void convert_range(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const held *h = ctx;
    loader_read_range(h->f, h->index, first, n, dst);
}

static int64_t weigh_range(void *ctx, uint64_t first, uint64_t n, grid_wpair *out)
{
    const held *h = ctx;
    return loader_weigh(h->f, h->index, first, n, out);
}

static void convert_raw(void *ctx, uint64_t first, uint64_t n, float *dst)
{
    const held *h = ctx;
    loader_tensor tt = *h->t;
    tt.count = n;
    tt.ndim = 1;
    tt.shape[0] = n;
    tt.fortran_order = 0;
    loader_convert(&tt, h->rv.data + first * h->esz, dst, 0);
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The histogram engine's source for it (held in h); 0, or -1 (err set)
 * when the values cannot be read. */
static int histogram_source(pool *pl, report_item *it, held *h, prep_source *srcp, util_err *err)
{
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    prep_source src = { NULL, NULL, NULL, lt->count, NULL, NULL, NULL, 0, 0 };
    memset(h, 0, sizeof *h);
    pthread_mutex_lock(&pl->file_mu[it->file]);
    h->have_raw = loader_raw(f, it->tensor, &h->rv) == 0;
    /* a block-quantized tensor: decoded chunk by chunk as the passes
     * stream it (loader_read_range: no lock, no float copy) */
    int ranged = !h->have_raw && loader_has_range(f, it->tensor);
    if (!h->have_raw && !ranged)
        h->buf = session_read(f, it->tensor, 0, err);
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    unsigned unit, wmax;
    if (ranged && loader_weigh_info(f, it->tensor, &unit, &wmax) == 0) {
        /* its stored codes counted group by group (prep_hist.h) */
        h->f = f;
        h->index = it->tensor;
        src.weigh = weigh_range;
        src.unit = unit;
        src.wmax = wmax;
        src.ctx = h;
    } else if (ranged) {
        h->f = f;
        h->index = it->tensor;
        src.convert = convert_range;
        src.ctx = h;
    } else if (h->have_raw) {
        h->t = lt;
        h->esz = dtype_size(lt->dtype);
        loader_willneed(h->rv.map, h->rv.offset, h->rv.nbytes);
        if (lt->dtype == DT_F32 && !lt->big_endian && host_little_endian())
            src.f32 = h->rv.data;   /* read in place: the host's own floats */
        else if (h->esz == 2) {
            /* bfloat16, float16, int16, uint16: the value of every code */
            src.codes16 = h->rv.data;
            src.code_value = session_code_values(lt->dtype, lt->big_endian);
        } else {
            src.convert = convert_raw;
            src.ctx = h;
        }
    } else if (h->buf)
        src.f32 = h->buf;
    else
        return -1;
    *srcp = src;
    return 0;
}

static prep *prepare_histogram(pool *pl, report_item *it, held *h, util_err *err)
{
    prep_source src;
    if (histogram_source(pl, it, h, &src, err) < 0)
        return NULL;
    return prep_create_summary(&src, it->threads, err);
}

/* Free a prep and let go of what it read. */
static void done_prep(prep *p, held *h)
{
    prep_free(p);
    if (h->have_raw)
        loader_release(h->rv.map, h->rv.offset, h->rv.nbytes);
    if (h->f)
        loader_release_tensor(h->f, h->index);
    free(h->buf);
    memset(h, 0, sizeof *h);
}

/* group_codes.release: the pass is done with these values' pages (they
 * come back from the page cache if read again) */
static void release_codes(void *ctx, uint64_t first, uint64_t n)
{
    const held *h = ctx;
    loader_release(h->rv.map, h->rv.offset + 2 * first, 2 * n);
}

/* Per-group scales of a 2-byte type read in place (gq.h), beside the
 * histogram engine's prep of the same view (codes counted, not sorted);
 * 0 when the tensor has no raw view. */
static int process_codes(pool *pl, report_item *it)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    loader_rawview rv;
    pthread_mutex_lock(&pl->file_mu[it->file]);
    int have = loader_raw(f, it->tensor, &rv) == 0;
    analyze_cfg gcfg = o->cfg;
    int have_alpha = 1;
    if (have && gcfg.amode == ALPHA_FILE)
        have_alpha = loader_sibling_alpha(f, it->tensor, &gcfg.alpha) == 0 && gcfg.alpha > 0;
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    if (!have || lt->count >= PREP_SUMMARY_MAX)   /* (too many for the histogram engine) */
        return 0;
    util_err err = { { 0 } };
    held hd;
    prep_source src;
    if (histogram_source(pl, it, &hd, &src, &err) < 0 || !hd.have_raw || !src.codes16) {
        done_prep(NULL, &hd);
        return 0;
    }
    prep *g = NULL, *p = NULL;
    if (have_alpha) {
        /* the group engine's pass counts the codes for the histogram
         * engine (group_codes.count): one pass over the tensor, not two */
        uint64_t *cnt = util_calloc(65536, sizeof *cnt);
        group_codes cd = { hd.rv.data, session_code_values(lt->dtype, lt->big_endian),
                           lt->dtype == DT_BF16 && !lt->big_endian, cnt, release_codes, &hd };
        group_tensor gt = { NULL, 0, lt->ndim, lt->shape, lt->count };
        int extra = group_threads(&gcfg, lt->count);
        g = prep_create_group(&gt, &cd, &gcfg, o->schemes, o->nschemes);
        par_release(extra);
        uint64_t tot = 0;
        for (size_t c = 0; c < 65536; c++)
            tot += cnt[c];
        if (tot == lt->count)
            p = prep_create_summary_counts(&src, cnt, it->threads, &err);   /* (takes cnt) */
        else
            free(cnt);
    }
    if (!p)
        p = prep_create_summary(&src, it->threads, &err);
    if (!p) {
        prep_free(g);
        done_prep(NULL, &hd);
        return 0;
    }
    if (g) {
        prep_group_attach(g, p);
        p = g;
    }
    process_prep(pl, it, p, &hd);
    return 1;
}

static void process(pool *pl, report_item *it)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    util_err err = { { 0 } };
    held hd;
    memset(&hd, 0, sizeof hd);
    if (it->hist) {
        prep *hp = prepare_histogram(pl, it, &hd, &err);
        if (!hp) {
            pool_error(pl, "apotview: %s\n", err.msg);
            done_prep(NULL, &hd);
            pl->failed = 1;
            return;
        }
        process_prep(pl, it, hp, &hd);
        return;
    }
    const int group = it->engine == &prep_group_ops;
    if (!group) {
        /* a 2-byte type in place: its codes are counted, not sorted */
        int done;
        prep *pc = session_prepare_codes(f, it->tensor, NULL, &err, &done);
        if (done) {
            if (!pc) {
                pool_error(pl, "apotview: %s\n", err.msg);
                pl->failed = 1;
                return;
            }
            process_prep(pl, it, pc, &hd);
            return;
        }
    }
    if (group && dtype_size(lt->dtype) == 2 && dtype_fits_float(lt->dtype) && process_codes(pl, it))
        return;
    pthread_mutex_lock(&pl->file_mu[it->file]);
    int as_double = !dtype_fits_float(lt->dtype);
    void *buf = session_read(f, it->tensor, as_double, &err);
    pthread_mutex_unlock(&pl->file_mu[it->file]);
    /* Per-channel/per-group scales and MX blocks need the C order: the
     * group engine reads the buffer before prep_create_* sorts it in place
     * (prep_group.h). */
    prep *g = NULL;
    if (buf && group) {
        analyze_cfg gcfg = o->cfg;
        int have = 1;
        if (gcfg.amode == ALPHA_FILE) {
            pthread_mutex_lock(&pl->file_mu[it->file]);
            have = loader_sibling_alpha(f, it->tensor, &gcfg.alpha) == 0 && gcfg.alpha > 0;
            pthread_mutex_unlock(&pl->file_mu[it->file]);
        }
        group_tensor gt = { buf, as_double, lt->ndim, lt->shape, lt->count };
        if (have) {
            int extra = group_threads(&gcfg, lt->count);
            g = prep_create_group(&gt, NULL, &gcfg, o->schemes, o->nschemes);
            par_release(extra);
        }
    }
    prep *p = NULL;
    if (buf)
        p = as_double ? prep_create_double(buf, lt->count, NULL, &err)
                      : prep_create_float(buf, lt->count, NULL, &err);
    if (!p) {
        pool_error(pl, "apotview: %s\n", err.msg);
        prep_free(g);
        pl->failed = 1;
        return;
    }
    if (g) {
        prep_group_attach(g, p);
        p = g;
    }
    process_prep(pl, it, p, &hd);
}

/* Analyze a prepared tensor (any engine) into it->res, with one query for
 * all that is asked of it (prep.h): what the analysis resolved serves the
 * rest. */
static void process_prep(pool *pl, report_item *it, prep *p, held *hd)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    const loader_tensor *lt = &f->tensors[it->tensor];
    util_err err = { { 0 } };
    it->st = p->st;
    int nres = o->nschemes;
    analyze_cfg cfg = o->cfg;
    if (cfg.amode == ALPHA_FILE && p->st.n > 0) {
        /* --alpha=file: the alpha stored beside this weight (loader.h). */
        pthread_mutex_lock(&pl->file_mu[it->file]);
        int have = loader_sibling_alpha(f, it->tensor, &cfg.alpha) == 0 && cfg.alpha > 0;
        pthread_mutex_unlock(&pl->file_mu[it->file]);
        if (!have) {
            char *sn = loader_sibling_alpha_name(f, it->tensor);
            char *ep = util_escape_dup(f->path), *en = util_escape_dup(lt->name);
            char *es = sn ? util_escape_dup(sn) : NULL;
            pool_error(pl, "apotview: %s: %s: --alpha=file: no stored alpha (%s%s%s); not quantized\n",
                    ep, en, sn ? "no positive 1-element tensor " : "not a '.weight' tensor",
                    es ? es : "", sn ? " in the file" : "");
            for (int i = 0; i < nres; i++) {
                memset(&it->res[i], 0, sizeof it->res[i]);
                it->res[i].scheme = o->schemes[i];
                snprintf(it->res[i].err, sizeof it->res[i].err, "no stored alpha%s%s",
                         sn ? " " : "", es ? es : "");
            }
            free(sn);
            free(es);
            free(ep);
            free(en);
            done_prep(p, hd);
            it->ok = 1;
            return;
        }
    }
    prep_query *q = prep_query_new(p);
    if (p->st.n == 0) {
        for (int i = 0; i < nres; i++) {
            memset(&it->res[i], 0, sizeof it->res[i]);
            it->res[i].scheme = o->schemes[i];
            snprintf(it->res[i].err, sizeof it->res[i].err, "no finite values");
        }
    } else if ((cfg.gran == GRAN_TENSOR || (p->caps & PREP_CAP_GROUP)) &&
               analyze_tensor_q(p, q, &cfg, o->schemes, nres, 0, it->res, &err) < 0) {
        char *ep = util_escape_dup(f->path), *en = util_escape_dup(lt->name);
        pool_error(pl, "apotview: %s: %s: %s\n", ep, en, err.msg);
        free(ep);
        free(en);
        pl->failed = 1;
        prep_query_free(q);
        done_prep(p, hd);
        return;
    }
    prep_query_free(q);
    if (pl->alphas && p->st.n > 0)
        for (int i = 0; i < nres; i++) {
            levelset ls;
            util_err e2 = { { 0 } };
            if (levels_build(it->res[i].scheme, o->cfg.bits, o->cfg.is_signed, &o->cfg.lprm, &ls, &e2) < 0)
                continue;
            it->sweep[i] = util_mallocarray((size_t)o->sweep_n, sizeof **it->sweep);
            eval_curve(p, &ls, o->cfg.normalize, pl->alphas, o->sweep_n, it->sweep[i]);
            levels_free(&ls);
        }
    done_prep(p, hd);
    it->ok = 1;
}

/* The stored scheme (model/stored_run.h) of a quantized tensor: its own
 * pass over the values, after the others' (a float tensor keeps the
 * scheme's message). */
static void process_stored(pool *pl, report_item *it)
{
    const cli_opts *o = pl->o;
    loader_file *f = pl->s->files[it->file];
    if (!it->ok)
        return;
    for (int i = 0; i < o->nschemes; i++) {
        if (!stored_is(o->schemes[i]))
            continue;
        pthread_mutex_lock(&pl->file_mu[it->file]);
        int have = loader_has_grid(f, it->tensor);
        pthread_mutex_unlock(&pl->file_mu[it->file]);
        if (have && it->st.n > 0)
            stored_run(f, it->tensor, &o->cfg, &it->st, &pl->file_mu[it->file], &it->res[i], NULL);
    }
}

static void *worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        if (pl->next >= pl->n) {
            pthread_mutex_unlock(&pl->mu);
            prep_summary_thread_done();
            if (!pthread_equal(pthread_self(), pl->main))
                par_release(1);   /* its slot, for the passes still running */
            return NULL;
        }
        report_item *it = &pl->items[pl->order[pl->next++]];
        /* Start only when the memory budget allows (the largest tensor
         * always fits alone), so peak memory tracks the largest tensor. */
        while (pl->inflight > 0 && pl->inflight + it->cost > pl->budget)
            pthread_cond_wait(&pl->cv, &pl->mu);
        pl->inflight += it->cost;
        pthread_mutex_unlock(&pl->mu);
        process(pl, it);
        process_stored(pl, it);
        pthread_mutex_lock(&pl->mu);
        pl->done++;
        pl->values_done += pl->s->files[it->file]->tensors[it->tensor].count;
        progress_tick(pl);
        pl->inflight -= it->cost;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
}

/* processing order: the costliest first, so the last ones to finish are
 * small (ties: file order) */
static const report_item *order_items;

static int cmp_cost(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint64_t cx = order_items[x].cost, cy = order_items[y].cost;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return x < y ? -1 : x > y;
}

int report_pool_run(const cli_opts *o, session *s, report_item *items, const double *alphas)
{
    /* Plan: each item's engine and memory cost. */
    uint64_t largest = 0, largest_bytes = 0, hist_total = 0;
    int jobs = o->jobs > 0 ? o->jobs : util_ncpus();
    for (size_t i = 0; i < s->nitems; i++) {
        loader_file *lf = s->files[items[i].file];
        const loader_tensor *lt = &lf->tensors[items[i].tensor];
        uint64_t esz = dtype_fits_float(lt->dtype) ? 4 : 8;
        uint64_t bytes = lt->count * (dtype_size(lt->dtype) ? dtype_size(lt->dtype) : 4);
        items[i].engine = report_engine(o, lt, alphas != NULL);
        items[i].hist = items[i].engine == &prep_hist_ops;
        if (items[i].hist) {
            /* its pages while the passes run (the stored blocks of a
             * ranged, dequantizing source; or a float copy when the
             * format cannot lend them) plus the buckets */
            loader_rawview rv;
            items[i].cost = (loader_raw(lf, items[i].tensor, &rv) == 0 ? bytes
                             : loader_has_range(lf, items[i].tensor) ? lt->nbytes : lt->count * 4) +
                            ((uint64_t)4 << 20);
            hist_total += lt->count;
        } else if (items[i].engine == &prep_group_ops && dtype_size(lt->dtype) == 2 &&
                   dtype_fits_float(lt->dtype) && lt->count < PREP_SUMMARY_MAX &&
                   loader_raw(lf, items[i].tensor, &(loader_rawview){ 0 }) == 0)
            /* the group pass over 2-byte codes in place (process_codes):
             * the pages it reads plus the code counts and buckets */
            items[i].cost = bytes + ((uint64_t)4 << 20);
        else
            /* values + sort scratch + prefix blocks */
            items[i].cost = lt->count * esz * 2 + lt->count + 4096;
        if (items[i].cost > largest)
            largest = items[i].cost;
        if (bytes > largest_bytes)
            largest_bytes = bytes;
    }
    /* A tensor bigger than a fair share of the histogram work gets every
     * thread for its passes; the rest run one per worker, side by side. */
    for (size_t i = 0; i < s->nitems; i++) {
        const loader_tensor *lt = &s->files[items[i].file]->tensors[items[i].tensor];
        items[i].threads = items[i].hist && lt->count * (uint64_t)jobs > hist_total ? jobs : 1;
    }
    size_t *order = util_mallocarray(s->nitems ? s->nitems : 1, sizeof *order);
    for (size_t i = 0; i < s->nitems; i++)
        order[i] = i;
    order_items = items;
    qsort(order, s->nitems, sizeof *order, cmp_cost);
    pool pl = { .o = o, .s = s, .items = items, .order = order, .n = s->nitems, .alphas = alphas };
    pl.progress = s->nitems > 1 && isatty(STDERR_FILENO);
    pl.t0 = util_now();
    for (size_t i = 0; i < s->nitems; i++)
        pl.values_total += s->files[items[i].file]->tensors[items[i].tensor].count;
    /* peak memory: the largest preparation alone, or 2.5x the largest
     * tensor's bytes for several at once */
    pl.budget = largest + largest / 4;
    if (pl.budget < largest_bytes * 5 / 2)
        pl.budget = largest_bytes * 5 / 2;
    /* small tensors (biases, norms) need not wait for each other */
    if (pl.budget < ((uint64_t)64 << 20))
        pl.budget = (uint64_t)64 << 20;
    pl.main = pthread_self();
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    pl.file_mu = util_calloc((size_t)(s->nfiles ? s->nfiles : 1), sizeof *pl.file_mu);
    for (int i = 0; i < s->nfiles; i++)
        pthread_mutex_init(&pl.file_mu[i], NULL);
    /* --jobs=N: N threads in all (par.h). This thread is one of the
     * workers; a worker that runs out of tensors gives its slot back, for
     * the passes of the tensors still running. */
    par_set_budget(jobs);
    int nworkers = (size_t)jobs > s->nitems ? (s->nitems ? (int)s->nitems : 1) : jobs;
    {
        int extra = par_acquire(nworkers - 1);
        pthread_t *th = util_calloc((size_t)(extra ? extra : 1), sizeof *th);
        int started = 0;
        for (int j = 0; j < extra; j++)
            if (pthread_create(&th[j], NULL, worker, &pl) == 0)
                started++;
            else
                break;
        par_release(extra - started);
        worker(&pl);
        for (int j = 0; j < started; j++)
            pthread_join(th[j], NULL);
        free(th);
    }
    free(order);
    for (int i = 0; i < s->nfiles; i++)
        pthread_mutex_destroy(&pl.file_mu[i]);
    free(pl.file_mu);
    pthread_mutex_destroy(&pl.mu);
    pthread_cond_destroy(&pl.cv);
    if (pl.shown > 0)
        fprintf(stderr, "\r%60s\r", "");   /* the progress line goes away */
    return pl.failed;
}
