/*
 * prep_hist_resolve.c - the histogram engine's resolve pass (prep.h's
 * ops->resolve, prep_hist.h): every boundary a query noted, counted,
 * summed and given its neighbour values exactly, in one more pass over
 * the values of the buckets that hold the boundaries (none for a 2-byte
 * source, whose code counts answer), and kept in the query.
 */
#include "config.h"
#include "quant/prep_hist_int.h"

#include <stdlib.h>

typedef struct rpair {       /* boundary q tested in flagged bucket slot */
    size_t q;
    unsigned slot;
    uint32_t thr;            /* ordered keys below thr are inside the boundary */
} rpair;

typedef struct racc {
    uint64_t c, s1, s2;
    uint32_t maxin, minout;  /* ordered keys; 0 / UINT32_MAX: none */
} racc;

typedef struct r_tstate {
    racc *acc;               /* per pair */
    uint32_t *mn, *mx;       /* per slot: extreme ordered keys */
} r_tstate;

typedef struct r_state {
    uint64_t bitmap[NB / 64];
    uint32_t slot_of[NB];    /* raw key -> slot + 1 */
    unsigned nslots;
    unsigned *key_of_slot;
    size_t *first;           /* per slot: its pairs are first[slot] .. first[slot + 1] */
    rpair *pairs;
    const squery *q;
} r_state;

static void resolve_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    const r_state *rs = ps->state;
    r_tstate *ts = ps->tstate[t];
    /* keep the values of flagged buckets (a few per cent), without a
     * branch per value */
    uint32_t hit[CHUNK];
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        unsigned k = u >> 16;
        hit[nh] = u;
        nh += (size_t)((rs->bitmap[k >> 6] >> (k & 63)) & 1);
    }
    for (size_t h = 0; h < nh; h++) {
        uint32_t u = hit[h];
        unsigned sl = rs->slot_of[u >> 16] - 1u;
        uint64_t m = u & 0xFFFFu;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            uint64_t in = o < rs->pairs[j].thr;
            uint64_t mask = 0 - in;
            racc *a = &ts->acc[j];
            a->c += in;
            a->s1 += m & mask;
            a->s2 += (m * m) & mask;
            uint32_t mi = in ? o : 0, mo = in ? UINT32_MAX : o;
            a->maxin = mi > a->maxin ? mi : a->maxin;
            a->minout = mo < a->minout ? mo : a->minout;
        }
    }
}

/* a weighted source: each pair counts for its cnt values */
static void resolve_wchunk(pass *ps, int t, const grid_wpair *p, size_t n)
{
    const r_state *rs = ps->state;
    r_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i].v, 4);
        unsigned k = u >> 16;
        if (!((rs->bitmap[k >> 6] >> (k & 63)) & 1))
            continue;
        unsigned sl = rs->slot_of[k] - 1u;
        uint64_t m = u & 0xFFFFu, c = p[i].cnt;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            racc *a = &ts->acc[j];
            if (o < rs->pairs[j].thr) {
                a->c += c;
                a->s1 += c * m;
                a->s2 += c * (m * m);
                a->maxin = o > a->maxin ? o : a->maxin;
            } else
                a->minout = o < a->minout ? o : a->minout;
        }
    }
}

/* The neighbour pass: extremes (ordered keys) of a few flagged buckets. */
typedef struct nb_state {
    uint64_t bitmap[NB / 64];
    uint32_t slot_of[NB];    /* raw key -> slot + 1 */
    unsigned nslots;
} nb_state;

typedef struct nb_tstate {
    uint32_t *mn, *mx;
} nb_tstate;

static void nb_flag(nb_state *nb, unsigned k)
{
    if (nb->slot_of[k])
        return;
    nb->slot_of[k] = ++nb->nslots;
    nb->bitmap[k >> 6] |= 1ull << (k & 63);
}

/* one value u (raw key in the top 16 bits) into the extremes of its
 * bucket's slot, when the bucket is flagged */
static inline void nb_take(const nb_state *nb, nb_tstate *ts, uint32_t u)
{
    unsigned k = u >> 16;
    if (!((nb->bitmap[k >> 6] >> (k & 63)) & 1))
        return;
    unsigned sl = nb->slot_of[k] - 1u;
    uint32_t o = okey(u);
    ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
    ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
}

static void nb_chunk(pass *ps, int t, const unsigned char *p, size_t n)
{
    const nb_state *nb = ps->state;
    nb_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + 4 * i, 4);
        nb_take(nb, ts, u);
    }
}

/* a weighted source: a pair's count does not change its bucket's extremes */
static void nb_wchunk(pass *ps, int t, const grid_wpair *p, size_t n)
{
    const nb_state *nb = ps->state;
    nb_tstate *ts = ps->tstate[t];
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i].v, 4);
        nb_take(nb, ts, u);
    }
}

static int pair_cmp(const void *a, const void *b)
{
    const rpair *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->q < y->q ? -1 : x->q > y->q;
}

static int rank_cmp(const void *a, const void *b)
{
    const srank *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* 2-byte sources: the splits and extremes from the code counts (every
 * value of a code is the same), with no pass over the values. */
static void resolve_codes(const struct prep_summary *s, const r_state *rs, r_tstate *ts)
{
    for (unsigned c = 0; c < 65536; c++) {
        uint64_t k = s->codecnt[c];
        if (!k)
            continue;
        uint32_t u;
        memcpy(&u, &s->codeval[c], 4);
        unsigned sl1 = rs->slot_of[u >> 16];
        if (!sl1)
            continue;
        unsigned sl = sl1 - 1;
        uint64_t m = u & 0xFFFFu;
        uint32_t o = okey(u);
        ts->mn[sl] = o < ts->mn[sl] ? o : ts->mn[sl];
        ts->mx[sl] = o > ts->mx[sl] ? o : ts->mx[sl];
        for (size_t j = rs->first[sl]; j < rs->first[sl + 1]; j++) {
            racc *a = &ts->acc[j];
            if (o < rs->pairs[j].thr) {
                a->c += k;
                a->s1 += k * m;
                a->s2 += k * m * m;
                a->maxin = o > a->maxin ? o : a->maxin;
            } else
                a->minout = o < a->minout ? o : a->minout;
        }
    }
}

static void nb_codes(const struct prep_summary *s, const nb_state *nb, nb_tstate *ts)
{
    for (unsigned c = 0; c < 65536; c++) {
        if (!s->codecnt[c])
            continue;
        uint32_t u;
        memcpy(&u, &s->codeval[c], 4);
        unsigned sl1 = nb->slot_of[u >> 16];
        if (!sl1)
            continue;
        uint32_t o = okey(u);
        ts->mn[sl1 - 1] = o < ts->mn[sl1 - 1] ? o : ts->mn[sl1 - 1];
        ts->mx[sl1 - 1] = o > ts->mx[sl1 - 1] ? o : ts->mx[sl1 - 1];
    }
}

/* One resolve pass: the boundaries, the buckets each may fall in, the
 * pairs (boundary, flagged bucket) and the per-thread accumulators. */
typedef struct rctx {
    const prep *p;
    const struct prep_summary *s;
    squery *q;
    size_t nq;
    unsigned *blo, *bhi;     /* per boundary: the ordered buckets it may fall in */
    long *bprev, *bnext;     /* and the nearest non-empty buckets outside them */
    r_state *rs;
    rpair *pairs;
    size_t npairs, cappairs;
    int T;
    r_tstate ts[64];
    srank *nr;               /* per boundary: the answer */
} rctx;

static void flag_bucket(r_state *rs, unsigned b)
{
    unsigned k = key_of_ord(b);
    if (!rs->slot_of[k]) {
        rs->key_of_slot[rs->nslots] = k;
        rs->slot_of[k] = ++rs->nslots;
        rs->bitmap[k >> 6] |= 1ull << (k & 63);
    }
}

/* Boundary i: its buckets, its neighbours' buckets, its pairs. */
static void plan_boundary(rctx *c, size_t i)
{
    const struct prep_summary *s = c->s;
    const squery *q = &c->q[i];
    r_state *rs = c->rs;
    double bw = q->m + q->s * q->bx;
    double d = 8 * DBL_EPSILON * (fabs(q->m) + fabs(bw) + fabs(q->s * q->bx)) + DBL_MIN;
    c->bprev[i] = c->bnext[i] = -1;
    if (isnan(bw)) {
        c->blo[i] = c->bhi[i] = 0;
        return;
    }
    c->blo[i] = ord_down(bw - d);
    c->bhi[i] = ord_up(bw + d);
    for (long b = (long)c->blo[i] - 1; b >= 0; b--)
        if (s->C[b + 1] > s->C[b]) {
            c->bprev[i] = b;
            break;
        }
    for (unsigned b = c->bhi[i] + 1; b < NB; b++)
        if (s->C[b + 1] > s->C[b]) {
            c->bnext[i] = (long)b;
            break;
        }
    /* Likely one-sided (a sparse range, or the boundary at an edge of
     * its bucket): the neighbour buckets join this pass, so that the
     * values beside the boundary need no pass of their own. A weighted
     * source's buckets hold few distinct values (a block format's
     * levels), often all on one side of a boundary: its neighbours
     * always join (a few pairs more, not a pass more). */
    uint64_t cnt = s->C[c->bhi[i] + 1] - s->C[c->blo[i]];
    double lo_w, hi_w, lo2, hi2;
    bucket_range(c->blo[i], &lo_w, &hi2);
    bucket_range(c->bhi[i], &lo2, &hi_w);
    double fr = (bw - lo_w) / (hi_w - lo_w);
    const int w = s->src.weigh != NULL;
    if (c->bprev[i] >= 0 && (w || cnt < 256 || !(fr > 1.0 / 1024)))
        flag_bucket(rs, (unsigned)c->bprev[i]);
    if (c->bnext[i] >= 0 && (w || cnt < 256 || !(fr < 1023.0 / 1024)))
        flag_bucket(rs, (unsigned)c->bnext[i]);
    for (unsigned b = c->blo[i]; b <= c->bhi[i]; b++) {
        if (s->C[b + 1] == s->C[b])
            continue;
        flag_bucket(rs, b);
        if (c->npairs == c->cappairs) {
            c->cappairs *= 2;
            c->pairs = ph_grow(c->pairs, c->cappairs, sizeof *c->pairs);
        }
        c->pairs[c->npairs++] = (rpair){ i, rs->slot_of[key_of_ord(b)] - 1u, 0 };
    }
}

/* The test (w - m) / s < bx in double, exactly as the sorted engine makes
 * it (eval.c), is monotone in w: find once per pair the first float of
 * the bucket where it fails, and compare keys per value. Then the pairs
 * by slot. */
static void plan_thresholds(rctx *c)
{
    r_state *rs = c->rs;
    for (size_t j = 0; j < c->npairs; j++) {
        const squery *qq = &c->q[c->pairs[j].q];
        uint32_t k = rs->key_of_slot[c->pairs[j].slot];
        uint32_t lo = okey(k << 16), hi = okey((k << 16) | 0xFFFFu);
        if (lo > hi) {
            uint32_t t = lo;
            lo = hi;
            hi = t;
        }
        hi++;                        /* search [lo, hi]: hi = none fails */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            double xv = ((double)float_of_okey(mid) - qq->m) / qq->s;
            int in = qq->le ? xv <= qq->bx : xv < qq->bx;
            if (in)
                lo = mid + 1;
            else
                hi = mid;
        }
        c->pairs[j].thr = lo;
    }
    qsort(c->pairs, c->npairs, sizeof *c->pairs, pair_cmp);
    rs->first = util_calloc((size_t)rs->nslots + 1, sizeof *rs->first);
    for (size_t j = 0; j < c->npairs; j++)
        rs->first[c->pairs[j].slot + 1]++;
    for (unsigned sl = 0; sl < rs->nslots; sl++)
        rs->first[sl + 1] += rs->first[sl];
    rs->pairs = c->pairs;
    rs->q = c->q;
}

/* The pass (or the code counts) into c->ts[0]. */
static void run_pass(rctx *c)
{
    const struct prep_summary *s = c->s;
    r_state *rs = c->rs;
    const size_t npairs = c->npairs;
    void *tp[64];
    pass ps = { &s->src, resolve_chunk, c->T, rs, tp, resolve_wchunk, 0 };
    for (int t = 0; t < c->T && t < 64; t++) {
        r_tstate *ts = &c->ts[t];
        ts->acc = util_mallocarray(npairs ? npairs : 1, sizeof *ts->acc);
        for (size_t j = 0; j < npairs; j++)
            ts->acc[j] = (racc){ 0, 0, 0, 0, UINT32_MAX };
        ts->mn = util_mallocarray(rs->nslots ? rs->nslots : 1, sizeof *ts->mn);
        ts->mx = util_calloc(rs->nslots ? rs->nslots : 1, sizeof *ts->mx);
        for (unsigned sl = 0; sl < rs->nslots; sl++)
            ts->mn[sl] = UINT32_MAX;
        tp[t] = ts;
    }
    if (s->codecnt)
        resolve_codes(s, rs, &c->ts[0]);
    else if (npairs || rs->nslots)
        ph_pass_run(&ps);
    for (int t = 1; t < ps.nthreads && !s->codecnt; t++) {
        for (size_t j = 0; j < npairs; j++) {
            racc *a = &c->ts[0].acc[j], *b = &c->ts[t].acc[j];
            a->c += b->c;
            a->s1 += b->s1;
            a->s2 += b->s2;
            a->maxin = b->maxin > a->maxin ? b->maxin : a->maxin;
            a->minout = b->minout < a->minout ? b->minout : a->minout;
        }
        for (unsigned sl = 0; sl < rs->nslots; sl++) {
            c->ts[0].mn[sl] = c->ts[t].mn[sl] < c->ts[0].mn[sl] ? c->ts[t].mn[sl] : c->ts[0].mn[sl];
            c->ts[0].mx[sl] = c->ts[t].mx[sl] > c->ts[0].mx[sl] ? c->ts[t].mx[sl] : c->ts[0].mx[sl];
        }
    }
}

/* Per boundary: the exact rank, sums and neighbours inside its buckets. */
static void boundary_answers(rctx *c)
{
    const struct prep_summary *s = c->s;
    srank *nr = c->nr = util_mallocarray(c->nq, sizeof *c->nr);
    for (size_t i = 0; i < c->nq; i++) {
        nr[i].rank = s->C[c->blo[i]];
        nr[i].s1 = s->P1[c->blo[i]];
        nr[i].s2 = s->P2[c->blo[i]];
        nr[i].below = nr[i].above = NAN;
    }
    for (size_t j = 0; j < c->npairs; j++) {
        size_t i = c->pairs[j].q;
        const racc *a = &c->ts[0].acc[j];
        unsigned k = c->rs->key_of_slot[c->pairs[j].slot];
        nr[i].rank += a->c;
        if (a->c) {
            dd a1, a2;
            bucket_sums(k, a->c, a->s1, a->s2, c->p->origin, &a1, &a2);
            nr[i].s1 = dd_add(nr[i].s1, a1);
            nr[i].s2 = dd_add(nr[i].s2, a2);
            double v = float_of_okey(a->maxin);
            if (isnan(nr[i].below) || v > nr[i].below)
                nr[i].below = v;
        }
        if (a->minout != UINT32_MAX) {
            double v = float_of_okey(a->minout);
            if (isnan(nr[i].above) || v < nr[i].above)
                nr[i].above = v;
        }
    }
}

/* A boundary with no value on one side inside its buckets takes the
 * neighbour from the nearest non-empty bucket beyond them: from this
 * pass when that bucket was in it, else from one more pass over the
 * extremes of those buckets, run only when some boundary needs one
 * (rare: in sparse tails). */
static void neighbours(rctx *c)
{
    const struct prep_summary *s = c->s;
    const uint64_t n = c->p->st.n;
    const r_state *rs = c->rs;
    srank *nr = c->nr;
    const int T = c->T;
    nb_state *nb = util_calloc(1, sizeof *nb);
    for (size_t i = 0; i < c->nq; i++) {
        if (nr[i].rank > 0 && isnan(nr[i].below) && c->bprev[i] >= 0) {
            unsigned sl = rs->slot_of[key_of_ord((unsigned)c->bprev[i])];
            if (sl)
                nr[i].below = float_of_okey(c->ts[0].mx[sl - 1]);
        }
        if (nr[i].rank < n && isnan(nr[i].above) && c->bnext[i] >= 0) {
            unsigned sl = rs->slot_of[key_of_ord((unsigned)c->bnext[i])];
            if (sl)
                nr[i].above = float_of_okey(c->ts[0].mn[sl - 1]);
        }
        if (nr[i].rank > 0 && isnan(nr[i].below) && c->bprev[i] >= 0)
            nb_flag(nb, key_of_ord((unsigned)c->bprev[i]));
        if (nr[i].rank < n && isnan(nr[i].above) && c->bnext[i] >= 0)
            nb_flag(nb, key_of_ord((unsigned)c->bnext[i]));
    }
    if (nb->nslots) {
        nb_tstate nts[64];
        void *ntp[64];
        pass pn = { &s->src, nb_chunk, s->codecnt ? 1 : T, nb, ntp, nb_wchunk, 0 };
        for (int t = 0; t < T; t++) {
            nts[t].mn = util_mallocarray(nb->nslots, sizeof *nts[t].mn);
            nts[t].mx = util_calloc(nb->nslots, sizeof *nts[t].mx);
            for (unsigned sl = 0; sl < nb->nslots; sl++)
                nts[t].mn[sl] = UINT32_MAX;
            ntp[t] = &nts[t];
        }
        if (s->codecnt)
            nb_codes(s, nb, &nts[0]);
        else
            ph_pass_run(&pn);
        for (int t = 1; t < pn.nthreads; t++)
            for (unsigned sl = 0; sl < nb->nslots; sl++) {
                nts[0].mn[sl] = nts[t].mn[sl] < nts[0].mn[sl] ? nts[t].mn[sl] : nts[0].mn[sl];
                nts[0].mx[sl] = nts[t].mx[sl] > nts[0].mx[sl] ? nts[t].mx[sl] : nts[0].mx[sl];
            }
        for (size_t i = 0; i < c->nq; i++) {
            if (nr[i].rank > 0 && isnan(nr[i].below) && c->bprev[i] >= 0)
                nr[i].below = float_of_okey(nts[0].mx[nb->slot_of[key_of_ord((unsigned)c->bprev[i])] - 1]);
            if (nr[i].rank < n && isnan(nr[i].above) && c->bnext[i] >= 0)
                nr[i].above = float_of_okey(nts[0].mn[nb->slot_of[key_of_ord((unsigned)c->bnext[i])] - 1]);
        }
        for (int t = 0; t < T; t++) {
            free(nts[t].mn);
            free(nts[t].mx);
        }
    }
    free(nb);
    for (size_t i = 0; i < c->nq; i++) {
        if (nr[i].rank == 0)
            nr[i].below = NAN;
        if (nr[i].rank >= n)
            nr[i].above = NAN;
        c->q[i].rank = nr[i].rank;
    }
}

/* The answers merged into the query's resolved tables. */
static void keep_answers(hquery *h, const rctx *c)
{
    const size_t nq = c->nq;
    h->done = ph_grow(h->done, h->ndone + nq, sizeof *h->done);
    memcpy(h->done + h->ndone, c->q, nq * sizeof *c->q);
    h->ndone += nq;
    qsort(h->done, h->ndone, sizeof *h->done, ph_qcmp_v);
    h->rk = ph_grow(h->rk, h->nrk + nq, sizeof *h->rk);
    memcpy(h->rk + h->nrk, c->nr, nq * sizeof *c->nr);
    size_t m = h->nrk + nq;
    qsort(h->rk, m, sizeof *h->rk, rank_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u && h->rk[u - 1].rank == h->rk[i].rank) {
            /* same rank, same values: keep the known neighbours */
            if (isnan(h->rk[u - 1].below))
                h->rk[u - 1].below = h->rk[i].below;
            if (isnan(h->rk[u - 1].above))
                h->rk[u - 1].above = h->rk[i].above;
            continue;
        }
        h->rk[u++] = h->rk[i];
    }
    h->nrk = u;
}

/* The noted boundaries of qy, resolved into qy (the prep is only read). */
int ph_hist_resolve(const prep *p, prep_query *qy, util_err *err)
{
    hquery *h = ph_hq(qy);
    (void)err;
    if (!h || h->npend == 0)
        return 0;
    /* distinct, not yet resolved */
    qsort(h->pend, h->npend, sizeof *h->pend, ph_qcmp_v);
    size_t nq = 0;
    for (size_t i = 0; i < h->npend; i++)
        if ((nq == 0 || ph_qcmp(&h->pend[nq - 1], &h->pend[i]) != 0) && !ph_find_done(h, &h->pend[i]))
            h->pend[nq++] = h->pend[i];
    h->npend = 0;
    if (nq == 0)
        return 0;
    rctx *c = util_calloc(1, sizeof *c);
    c->p = p;
    c->s = SM(p);
    c->q = h->pend;
    c->nq = nq;
    c->T = c->s->nthreads;
    c->blo = util_mallocarray(nq, sizeof *c->blo);
    c->bhi = util_mallocarray(nq, sizeof *c->bhi);
    c->bprev = util_mallocarray(nq, sizeof *c->bprev);
    c->bnext = util_mallocarray(nq, sizeof *c->bnext);
    c->rs = util_calloc(1, sizeof *c->rs);
    c->rs->key_of_slot = util_mallocarray(NB, sizeof *c->rs->key_of_slot);
    c->cappairs = 64;
    c->pairs = util_mallocarray(c->cappairs, sizeof *c->pairs);
    for (size_t i = 0; i < nq; i++)
        plan_boundary(c, i);
    plan_thresholds(c);
    run_pass(c);
    boundary_answers(c);
    neighbours(c);
    keep_answers(h, c);
    for (int t = 0; t < c->T && t < 64; t++) {
        free(c->ts[t].mn);
        free(c->ts[t].mx);
        free(c->ts[t].acc);
    }
    free(c->nr);
    free(c->blo);
    free(c->bhi);
    free(c->bprev);
    free(c->bnext);
    free(c->rs->key_of_slot);
    free(c->rs->first);
    free(c->pairs);
    free(c->rs);
    free(c);
    return 0;
}
