/* worker.c - see worker.h. */
#include "config.h"
#include "ui/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/loader.h"
#include "model/stored_run.h"

typedef struct slot {
    prep_state st;
    prep *p;
    uint64_t bytes;
    double seconds;
    char *err;
} slot;

/* a raw (C-order) read */
typedef struct raw_slot {
    long item;             /* -1: unused */
    prep_state st;
    void *vals;
    int is_double;
    char *err;
} raw_slot;

/* the group job's values in C order: one item at a time */
typedef struct gvals {
    long item;             /* -1: none */
    void *buf;             /* read (float or double) */
    int is_double;
    int have_raw;          /* 2-byte codes in place */
    loader_rawview rv;
    group_codes codes;
    char *err;             /* the item could not be read */
} gvals;

/* a stored-scheme job (worker_want_stored) */
typedef struct stored_slot {
    int used;
    worker_sjob job;
    prep_state st;
    uint64_t tick;         /* last asked for */
    stored_detail d;
} stored_slot;

struct ui_worker {
    raw_slot raw[WORKER_RAW];
    stored_slot sto[WORKER_STORED];
    uint64_t sto_tick;
    /* the group job: asked for (gwant), running (grun), finished and not
     * taken (gdone) */
    int gwant_set, grun;
    worker_gjob gwant, gcur;
    worker_gres *gdone;
    gvals gv;              /* worker thread only */
    /* the numbers of the last group job (under mu): a job that differs
     * only in focus or width computes the view alone */
    int gnum_ok;
    worker_gjob gnum_job;
    analyze_result gnum_res[WORKER_GSCHEMES];
    int gnum_handled[WORKER_GSCHEMES];
    long raw_cur;          /* item being read raw, or -1 */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    session *s;
    slot *slots;
    size_t n;
    size_t want[4];
    int nwant;
    long cur;              /* item being prepared, or -1 */
    prep_progress pg;
    int quit, exited;
    uint64_t gen;
    uint64_t used, budget;
};

static uint64_t estimate(const session *s, size_t item)
{
    const loader_file *f = s->files[s->items[item].file];
    const loader_tensor *t = &f->tensors[s->items[item].tensor];
    uint64_t esz = dtype_fits_float(t->dtype) ? 4 : 8;
    uint64_t block = t->count <= PREP_SMALL_N ? 1 : t->count <= ((uint64_t)1 << 20) ? 8 : PREP_BLOCK;
    return t->count * esz + t->count / block * 32 + 64;
}

static long pick(ui_worker *w)
{
    for (int i = 0; i < w->nwant; i++)
        if (w->slots[w->want[i]].st == PS_NONE)
            return (long)w->want[i];
    for (size_t i = 0; i < w->n; i++)
        if (w->slots[i].st == PS_NONE && w->used + estimate(w->s, i) <= w->budget)
            return (long)i;
    return -1;
}

static int pick_raw(ui_worker *w)
{
    for (int i = 0; i < WORKER_RAW; i++)
        if (w->raw[i].item >= 0 && w->raw[i].st == PS_NONE)
            return i;
    return -1;
}

/* Read one raw slot (called and returning with the mutex held). */
static void read_raw(ui_worker *w, int k)
{
    raw_slot *r = &w->raw[k];
    long it = r->item;
    r->st = PS_RUNNING;
    r = NULL; /* worker_want_raw may move the slot while we read */
    w->raw_cur = it;
    loader_file *f = w->s->files[w->s->items[it].file];
    size_t t = w->s->items[it].tensor;
    int dbl = !dtype_fits_float(f->tensors[t].dtype);
    pthread_mutex_unlock(&w->mu);
    util_err err = { { 0 } };
    void *v = session_read(f, t, dbl, &err);
    pthread_mutex_lock(&w->mu);
    w->raw_cur = -1;
    w->gen++;
    for (int i = 0; i < WORKER_RAW; i++)
        if (w->raw[i].item == it && w->raw[i].st == PS_RUNNING)
            r = &w->raw[i];
    if (!r) { /* nobody wants it any more */
        free(v);
        return;
    }
    if (v) {
        r->vals = v;
        r->is_double = dbl;
        r->st = PS_DONE;
    } else {
        r->st = PS_FAILED;
        free(r->err);
        r->err = util_strdup(util_err_isset(&err) ? err.msg : "cannot read the tensor");
    }
}

static int cfg_same(const analyze_cfg *x, const analyze_cfg *y)
{
    int alpha_used = x->amode != ALPHA_MAX && x->amode != ALPHA_MSE && x->amode != ALPHA_KL &&
                     x->amode != ALPHA_ACIQ;
    return x->bits == y->bits && x->is_signed == y->is_signed && x->normalize == y->normalize &&
           x->amode == y->amode && (!alpha_used || x->alpha == y->alpha) &&
           x->lprm.apot_k == y->lprm.apot_k &&
           (x->lprm.arg == y->lprm.arg || (x->lprm.arg && y->lprm.arg && strcmp(x->lprm.arg, y->lprm.arg) == 0)) &&
           x->gran == y->gran && x->axis == y->axis && x->sdtype == y->sdtype &&
           (x->gran != GRAN_GROUP || (x->group == y->group && x->group_along_axis == y->group_along_axis)) &&
           (x->gran != GRAN_BLOCK || (x->block_r == y->block_r && x->block_c == y->block_c));
}

int worker_gjob_same(const worker_gjob *a, const worker_gjob *b)
{
    if (a->item != b->item || a->nschemes != b->nschemes || a->focus != b->focus || a->nbins != b->nbins ||
        !cfg_same(&a->cfg, &b->cfg))
        return 0;
    for (int i = 0; i < a->nschemes; i++)
        if (strcmp(a->schemes[i], b->schemes[i]) != 0)
            return 0;
    return 1;
}

static int same_numbers(const worker_gjob *a, const worker_gjob *b)
{
    worker_gjob x = *b;
    x.focus = a->focus;
    x.nbins = a->nbins;
    return worker_gjob_same(a, &x);
}

void worker_gres_free(worker_gres *r)
{
    if (!r)
        return;
    gq_view_free(&r->view);
    free(r->view.hist);
    gview_scales_free(&r->scales);
    free(r);
}

static void gvals_drop(gvals *g)
{
    free(g->buf);
    if (g->have_raw)
        loader_release(g->rv.map, g->rv.offset, g->rv.nbytes);
    free(g->err);
    memset(g, 0, sizeof *g);
    g->item = -1;
}

/* The values of item in C order (worker thread, mutex not held). */
static int gvals_get(ui_worker *w, size_t item, group_tensor *t, const group_codes **cd, char *err, size_t elen)
{
    gvals *g = &w->gv;
    loader_file *f = w->s->files[w->s->items[item].file];
    size_t ti = w->s->items[item].tensor;
    const loader_tensor *lt = &f->tensors[ti];
    if (g->item != (long)item) {
        gvals_drop(g);
        g->item = (long)item;
        if (dtype_size(lt->dtype) == 2 && dtype_fits_float(lt->dtype) && loader_raw(f, ti, &g->rv) == 0) {
            /* as the report reads it (report.c, process_codes) */
            g->have_raw = 1;
            g->codes.codes16 = g->rv.data;
            g->codes.code_value = session_code_values(lt->dtype, lt->big_endian);
            g->codes.bf16 = lt->dtype == DT_BF16 && !lt->big_endian;
        } else {
            util_err e = { { 0 } };
            g->is_double = !dtype_fits_float(lt->dtype);
            g->buf = session_read(f, ti, g->is_double, &e);
            if (!g->buf)
                g->err = util_strdup(util_err_isset(&e) ? e.msg : "cannot read the tensor");
        }
    }
    if (g->err) {
        snprintf(err, elen, "%s", g->err);
        return -1;
    }
    t->vals = g->buf;
    t->is_double = g->is_double;
    t->ndim = lt->ndim;
    t->shape = lt->shape;
    t->count = lt->count;
    *cd = g->have_raw ? &g->codes : NULL;
    return 0;
}

/* The stored scheme in a group job (quant/stored.h): its numbers from the
 * file's own grid and, when it is the focus, the view of the file's own
 * groups (u over each group's level range). Worker thread, mutex not
 * held. Without normalization (the grid is the file's, in w units). */
static void group_stored(ui_worker *w, const worker_gjob *job, worker_gres *r)
{
    int si = -1;
    for (int i = 0; i < job->nschemes; i++)
        if (stored_is(job->schemes[i]))
            si = i;
    loader_file *f = w->s->files[w->s->items[job->item].file];
    size_t ti = w->s->items[job->item].tensor;
    if (si < 0 || !loader_has_grid(f, ti))
        return;
    analyze_cfg c = job->cfg;
    c.normalize = 0;
    int focus = job->focus == si;
    if (focus) {
        gq_view_free(&r->view);
        r->view_msg[0] = '\0';
    }
    r->handled[si] = 1;
    if (stored_run(f, ti, &c, NULL, NULL, &r->res[si], focus ? &r->view : NULL) == 0 && focus)
        r->view_ok = 1;
    else if (focus) {
        r->view_ok = 0;
        snprintf(r->view_msg, sizeof r->view_msg, "%s", r->res[si].err);
    }
}

static int sjob_same(const worker_sjob *a, const worker_sjob *b)
{
    return a->item == b->item && a->ref == b->ref && a->normalize == b->normalize && a->axis == b->axis &&
           (!a->normalize || (a->mean == b->mean && a->std == b->std));
}

static stored_slot *sto_find(ui_worker *w, const worker_sjob *job)
{
    for (int i = 0; i < WORKER_STORED; i++)
        if (w->sto[i].used && sjob_same(&w->sto[i].job, job))
            return &w->sto[i];
    return NULL;
}

/* Compute one asked-for stored job (called and returning with the mutex
 * held; its slot is not reused while it runs: PS_RUNNING slots are not
 * evicted). */
static int run_stored(ui_worker *w)
{
    stored_slot *sl = NULL;
    for (int i = 0; i < WORKER_STORED && !sl; i++)
        if (w->sto[i].used && w->sto[i].st == PS_NONE)
            sl = &w->sto[i];
    if (!sl)
        return 0;
    sl->st = PS_RUNNING;
    w->gen++;
    worker_sjob job = sl->job;
    pthread_mutex_unlock(&w->mu);
    const session_item *gi = &w->s->items[job.item];
    const session_item *vi = job.ref >= 0 ? &w->s->items[job.ref] : NULL;
    stored_detail d;
    stored_run_detail(w->s->files[gi->file], gi->tensor, vi ? w->s->files[vi->file] : NULL, vi ? vi->tensor : 0,
                      job.normalize, job.mean, job.std, job.axis, &d);
    pthread_mutex_lock(&w->mu);
    sl->d = d;
    sl->st = PS_DONE;
    w->gen++;
    return 1;
}

void worker_want_stored(ui_worker *w, const worker_sjob *job)
{
    if (job->item >= w->n || (job->ref >= 0 && (size_t)job->ref >= w->n))
        return;
    pthread_mutex_lock(&w->mu);
    stored_slot *sl = sto_find(w, job);
    if (!sl) {
        /* a free slot, else the least recently asked for that is not running */
        for (int i = 0; i < WORKER_STORED; i++)
            if (w->sto[i].st != PS_RUNNING && (!sl || !w->sto[i].used || (sl->used && w->sto[i].tick < sl->tick)))
                sl = &w->sto[i];
        if (sl) {
            stored_detail_free(&sl->d);
            sl->used = 1;
            sl->job = *job;
            sl->st = PS_NONE;
            pthread_cond_signal(&w->cv);
        }
    }
    if (sl)
        sl->tick = ++w->sto_tick;
    pthread_mutex_unlock(&w->mu);
}

prep_state worker_get_stored(ui_worker *w, const worker_sjob *job, const stored_detail **d)
{
    pthread_mutex_lock(&w->mu);
    stored_slot *sl = sto_find(w, job);
    prep_state st = !sl ? PS_NONE : sl->st == PS_DONE ? PS_DONE : PS_RUNNING;
    *d = st == PS_DONE ? &sl->d : NULL;
    if (sl)
        sl->tick = ++w->sto_tick;
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* Run the group job w->gcur (called and returning with the mutex held). */
static void run_group(ui_worker *w)
{
    worker_gjob job = w->gcur;
    pthread_mutex_unlock(&w->mu);
    worker_gres *r = util_calloc(1, sizeof *r);
    r->job = job;
    double t0 = util_now();
    group_tensor t;
    const group_codes *cd = NULL;
    if (gvals_get(w, job.item, &t, &cd, r->msg, sizeof r->msg) == 0) {
        util_err e = { { 0 } };
        r->view.nbins = job.nbins;
        r->view.hist = util_calloc((size_t)(job.nbins > 0 ? job.nbins : 1), sizeof *r->view.hist);
        pthread_mutex_lock(&w->mu);
        int have = w->gnum_ok && same_numbers(&w->gnum_job, &job);
        if (have) {
            memcpy(r->res, w->gnum_res, sizeof r->res);
            memcpy(r->handled, w->gnum_handled, sizeof r->handled);
        }
        pthread_mutex_unlock(&w->mu);
        if (!have) {
            /* the report's numbers and the focused scheme's view (one pass
             * where gview.c can, else the report's pass and a view pass) */
            if (gview_analyze(&t, cd, &job.cfg, job.schemes, job.nschemes, r->handled, r->res, job.focus,
                              &r->view, &r->view_ok, r->view_msg, sizeof r->view_msg, &e) == 0) {
                pthread_mutex_lock(&w->mu);
                w->gnum_ok = 1;
                w->gnum_job = job;
                memcpy(w->gnum_res, r->res, sizeof r->res);
                memcpy(w->gnum_handled, r->handled, sizeof r->handled);
                pthread_mutex_unlock(&w->mu);
                r->ok = 1;
            } else
                snprintf(r->msg, sizeof r->msg, "%s", e.msg);
        } else {
            /* the same numbers (another focus or width): the view only */
            r->ok = 1;
            if (job.focus < job.nschemes && r->handled[job.focus] && !r->res[job.focus].ok)
                snprintf(r->view_msg, sizeof r->view_msg, "%s", r->res[job.focus].err);
            else if (gview_view(&t, cd, &job.cfg, job.schemes[job.focus], &r->view, r->view_msg,
                                sizeof r->view_msg) == 0)
                r->view_ok = 1;
        }
        if (r->ok)
            group_stored(w, &job, r);
        if (!r->ok && !r->view_msg[0])
            snprintf(r->view_msg, sizeof r->view_msg, "%s", r->msg);
        if (r->view_ok)
            gview_summary(&r->view, WORKER_SCALE_BINS, &r->scales);
    } else
        snprintf(r->view_msg, sizeof r->view_msg, "%s", r->msg);
    r->seconds = util_now() - t0;
    pthread_mutex_lock(&w->mu);
    w->grun = 0;
    w->gen++;
    if (w->gwant_set && worker_gjob_same(&w->gwant, &job)) {
        worker_gres_free(w->gdone);
        w->gdone = r;
        w->gwant_set = 0;  /* done: nothing more to run for it */
    } else
        worker_gres_free(r);
}

void worker_want_group(ui_worker *w, const worker_gjob *job)
{
    pthread_mutex_lock(&w->mu);
    if (!job) {
        w->gwant_set = 0;
    } else if (!(w->gdone && worker_gjob_same(&w->gdone->job, job)) &&
               !(w->grun && worker_gjob_same(&w->gcur, job)) &&
               !(w->gwant_set && worker_gjob_same(&w->gwant, job))) {
        w->gwant = *job;
        w->gwant_set = 1;
        pthread_cond_signal(&w->cv);
    } else if (w->grun && worker_gjob_same(&w->gcur, job)) {
        w->gwant = *job;   /* the running one is wanted again */
        w->gwant_set = 1;
    }
    pthread_mutex_unlock(&w->mu);
}

int worker_group_numbers(ui_worker *w, const worker_gjob *job, analyze_result *res, int *handled)
{
    pthread_mutex_lock(&w->mu);
    int have = w->gnum_ok && same_numbers(&w->gnum_job, job);
    if (have) {
        memcpy(res, w->gnum_res, (size_t)job->nschemes * sizeof *res);
        memcpy(handled, w->gnum_handled, (size_t)job->nschemes * sizeof *handled);
    }
    pthread_mutex_unlock(&w->mu);
    return have;
}

prep_state worker_take_group(ui_worker *w, const worker_gjob *job, worker_gres **res)
{
    pthread_mutex_lock(&w->mu);
    prep_state st = PS_NONE;
    *res = NULL;
    if (w->gdone && worker_gjob_same(&w->gdone->job, job)) {
        *res = w->gdone;
        w->gdone = NULL;
        st = PS_DONE;
    } else if (w->grun && worker_gjob_same(&w->gcur, job))
        st = PS_RUNNING;
    pthread_mutex_unlock(&w->mu);
    return st;
}

static void *run(void *arg)
{
    ui_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        int wanted_first = 0;
        for (int i = 0; i < w->nwant; i++)
            if (w->slots[w->want[i]].st == PS_NONE)
                wanted_first = 1;
        if (!wanted_first && run_stored(w))
            continue;
        if (!wanted_first && w->gwant_set && !w->grun) {
            w->gcur = w->gwant;
            w->grun = 1;
            w->gen++;
            run_group(w);
            continue;
        }
        int rk = wanted_first ? -1 : pick_raw(w);
        if (rk >= 0) {
            read_raw(w, rk);
            continue;
        }
        long it = pick(w);
        if (it < 0) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        w->cur = it;
        w->slots[it].st = PS_RUNNING;
        w->pg.cancel = 0;
        w->pg.frac = 0;
        w->gen++;
        loader_file *f = w->s->files[w->s->items[it].file];
        size_t t = w->s->items[it].tensor;
        pthread_mutex_unlock(&w->mu);

        util_err err = { { 0 } };
        double t0 = util_now();
        prep *p = session_prepare(f, t, &w->pg, &err);
        double dt = util_now() - t0;

        pthread_mutex_lock(&w->mu);
        slot *sl = &w->slots[it];
        if (p) {
            sl->st = PS_DONE;
            sl->p = p;
            sl->seconds = dt;
            sl->bytes = estimate(w->s, (size_t)it);
            w->used += sl->bytes;
        } else if (w->pg.cancel) {
            sl->st = PS_NONE;
        } else {
            sl->st = PS_FAILED;
            free(sl->err);
            sl->err = util_strdup(util_err_isset(&err) ? err.msg : "cannot prepare the tensor");
        }
        w->cur = -1;
        w->gen++;
    }
    w->exited = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

ui_worker *worker_start(session *s, uint64_t budget)
{
    ui_worker *w = util_calloc(1, sizeof *w);
    w->s = s;
    w->n = s->nitems;
    w->slots = util_calloc(w->n ? w->n : 1, sizeof *w->slots);
    w->cur = -1;
    w->raw_cur = -1;
    w->gv.item = -1;
    for (int i = 0; i < WORKER_RAW; i++)
        w->raw[i].item = -1;
    w->budget = budget;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w->slots);
        free(w);
        return NULL;
    }
    return w;
}

void worker_want(ui_worker *w, const size_t *items, int n)
{
    pthread_mutex_lock(&w->mu);
    if (n > 4)
        n = 4;
    w->nwant = 0;
    for (int i = 0; i < n; i++)
        if (items[i] < w->n)
            w->want[w->nwant++] = items[i];
    if (w->cur >= 0) {
        int wanted = 0;
        for (int i = 0; i < w->nwant; i++)
            if ((long)w->want[i] == w->cur)
                wanted = 1;
        /* a wanted item waits behind a prefetch or a stale request: cancel it */
        if (!wanted && w->nwant > 0 && w->slots[w->want[0]].st == PS_NONE)
            w->pg.cancel = 1;
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_want_raw(ui_worker *w, const size_t *items, int n)
{
    pthread_mutex_lock(&w->mu);
    if (n > WORKER_RAW)
        n = WORKER_RAW;
    raw_slot keep[WORKER_RAW];
    for (int i = 0; i < WORKER_RAW; i++)
        keep[i] = (raw_slot){ -1, PS_NONE, NULL, 0, NULL };
    for (int j = 0; j < n; j++) {
        if (items[j] >= w->n)
            continue;
        for (int i = 0; i < WORKER_RAW; i++)
            if (w->raw[i].item == (long)items[j]) {
                keep[j] = w->raw[i];
                w->raw[i].item = -1;
                w->raw[i].vals = NULL;
                w->raw[i].err = NULL;
            }
        if (keep[j].item < 0)
            keep[j].item = (long)items[j];
    }
    for (int i = 0; i < WORKER_RAW; i++) {
        /* dropped: a read in progress is discarded when it returns */
        free(w->raw[i].vals);
        free(w->raw[i].err);
        w->raw[i] = keep[i];
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

prep_state worker_get_raw(ui_worker *w, size_t item, const void **vals, int *is_double, char *err,
                          size_t errlen)
{
    pthread_mutex_lock(&w->mu);
    prep_state st = PS_NONE;
    for (int i = 0; i < WORKER_RAW; i++) {
        raw_slot *r = &w->raw[i];
        if (r->item != (long)item)
            continue;
        st = r->st;
        if (vals)
            *vals = st == PS_DONE ? r->vals : NULL;
        if (is_double)
            *is_double = r->is_double;
        if (err && errlen) {
            err[0] = '\0';
            if (st == PS_FAILED && r->err)
                snprintf(err, errlen, "%s", r->err);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return st;
}

prep_state worker_get(ui_worker *w, size_t item, const prep **p, double *frac,
                      char *err, size_t errlen, double *seconds)
{
    if (item >= w->n)
        return PS_FAILED;
    pthread_mutex_lock(&w->mu);
    slot *sl = &w->slots[item];
    prep_state st = sl->st;
    if (p)
        *p = st == PS_DONE ? sl->p : NULL;
    if (frac)
        *frac = st == PS_RUNNING ? w->pg.frac : 0;
    if (err && errlen) {
        err[0] = '\0';
        if (st == PS_FAILED && sl->err) {
            strncpy(err, sl->err, errlen - 1);
            err[errlen - 1] = '\0';
        }
    }
    if (seconds)
        *seconds = sl->seconds;
    pthread_mutex_unlock(&w->mu);
    return st;
}

uint64_t worker_generation(ui_worker *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t g = w->gen;
    pthread_mutex_unlock(&w->mu);
    return g;
}

int worker_busy(ui_worker *w)
{
    pthread_mutex_lock(&w->mu);
    int b = w->cur >= 0 || w->raw_cur >= 0 || w->grun || w->gwant_set;
    for (int i = 0; i < WORKER_STORED; i++)
        b |= w->sto[i].used && w->sto[i].st != PS_DONE;
    pthread_mutex_unlock(&w->mu);
    return b;
}

void worker_evict(ui_worker *w, const size_t *keep, int n)
{
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->n && w->used > w->budget; i++) {
        slot *sl = &w->slots[i];
        if (sl->st != PS_DONE)
            continue;
        int k = 0;
        for (int j = 0; j < n; j++)
            if (keep[j] == i)
                k = 1;
        if (k)
            continue;
        prep_free(sl->p);
        sl->p = NULL;
        sl->st = PS_NONE;
        w->used -= sl->bytes;
        sl->bytes = 0;
    }
    pthread_mutex_unlock(&w->mu);
}

int worker_stop(ui_worker *w, double timeout)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    w->pg.cancel = 1;
    pthread_cond_broadcast(&w->cv);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double end = (double)ts.tv_sec + ts.tv_nsec * 1e-9 + timeout;
    ts.tv_sec = (time_t)end;
    ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
    while (!w->exited) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    }
    int done = w->exited;
    pthread_mutex_unlock(&w->mu);
    if (!done) {
        pthread_detach(w->th);
        return -1;
    }
    pthread_join(w->th, NULL);
    for (size_t i = 0; i < w->n; i++) {
        prep_free(w->slots[i].p);
        free(w->slots[i].err);
    }
    free(w->slots);
    gvals_drop(&w->gv);
    worker_gres_free(w->gdone);
    for (int i = 0; i < WORKER_STORED; i++)
        stored_detail_free(&w->sto[i].d);
    for (int i = 0; i < WORKER_RAW; i++) {
        free(w->raw[i].vals);
        free(w->raw[i].err);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return 0;
}
