/*
 * gq_int.h - the group engine's internals shared by its files (not an
 * interface): gq.c the pass (slicing, gathering, threads, results, the
 * view sink), gq_eval.c the per-group quantizers and scales, gq_opt.c the
 * exact per-group mse optimum, gq_kern.c the vector kernels (gq_kern.h,
 * compiled for the baseline target and AVX2).
 */
#ifndef APOTVIEW_GQ_INT_H
#define APOTVIEW_GQ_INT_H

#include "quant/gq.h"

#include <string.h>

#define NB 64              /* buckets of the mse walk */
#define GQ_MAXBK 4096      /* most buckets of the sorted walk */
#define FMAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- schemes ------------------------------------------------------------------ */

typedef enum gkind { GK_GENERIC, GK_UNIFORM, GK_INTASYM, GK_NF4, GK_MXFP4, GK_Q4_0, GK_Q8_0 } gkind;

/* one side of a level set for the mse walk: the levels a value of that
 * sign can take, as magnitudes ascending in "side coordinates" (+: v,
 * -: -v reversed), with their L - 1 midpoints */
#define SIDE_LUT 256
typedef struct side {
    size_t L;
    double *lv, *md;
    double *dlv, *dl2;     /* per boundary j: lv[j+1] - lv[j], lv[j+1]^2 - lv[j]^2 */
    double *imd;           /* 1 / md[j] (md[j] > 0), else 0 */
    uint16_t lut[SIDE_LUT + 1];  /* midpoints certainly below u = c / SIDE_LUT */
    long long z;           /* #{j : md[j] < 0}: the index of u = 0 */
    size_t nm;             /* the midpoints >= 0 ... */
    const double *mz;      /* ... md + z */
    int sym;               /* the other side is the same (set by the caller) */
} side;

/* ---- vector kernels (gq_kern.h) -------------------------------------------- */

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4di __attribute__((vector_size(32)));
typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));
typedef unsigned v4su __attribute__((vector_size(16)));
typedef unsigned char v16qi __attribute__((vector_size(16)));
typedef unsigned char v32qi __attribute__((vector_size(32)));
typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));

typedef struct kres {
    double sse, me;
    uint64_t cl;
} kres;

struct uacc;
struct tacc;

typedef struct kern {
    void (*stats)(const double *x, size_t n, double *amax, double *s2);
    void (*mag)(const double *x, size_t n, double *mag, unsigned char *sg);
    void (*uni)(const double *x, size_t n, double sc, double lo, double hi, double xlo, double xhi,
                kres *o, unsigned char *idx);
    void (*cnt)(const double *x, size_t n, double sc, const double *mid, const double *nat,
                size_t L, double xlo, double xhi, kres *o, unsigned char *idx);
    void (*mx)(const double *x, size_t n, double X, kres *o, unsigned char *idx);
    void (*q)(const double *x, size_t n, float id, double dq, int q8, kres *o, unsigned char *idx);
    void (*assign)(const double *mag, const unsigned char *sg, size_t n, double inva, const side *sp,
                   const side *sn, double *B, double *C, unsigned char *k);
    int (*bf16)(const unsigned char *c, size_t len, double *x, double *amax, double *s2);
    int (*bf16f)(const unsigned char *c, size_t len, float *xf);
    void (*statsf)(const float *x, size_t n, double *amax, double *s2);
    int (*unif)(const float *x, size_t n, double sc, double lo, double hi, float xlof, float xhif,
                int exf, int sc11, kres *o, unsigned char *idx);
    void (*mxf)(const float *x, size_t n, double X, int exf, kres *o, unsigned char *idx);
    void (*f2d)(const float *xf, size_t n, double *x);
    int (*bf16s)(const unsigned char *c, size_t len, float *xf, double *amax, double *s2);
    void (*cntf)(const float *x, size_t n, double sc, const float *thr, const double *nat,
                 const float *natf, size_t L,
                 float xlof, float xhif, kres *o, unsigned char *idx);
    int (*bf16m)(const unsigned char *c, size_t len, float *xf, double *amax);
    int (*unic)(const unsigned char *cod, size_t n, double sc, double lo, double hi, float xlof,
                float xhif, int exf, int sc11, kres *o, unsigned char *idx);
    void (*mxc)(const unsigned char *cod, size_t n, double X, int exf, kres *o, unsigned char *idx);
    int (*bf16max)(const unsigned char *c, size_t n, double *amax);
    /* mxfp4 over whole groups of bfloat16 codes (run.mxunit) */
    size_t (*mxu)(const unsigned char *cod, size_t ngr, size_t G, struct uacc *ua, struct tacc *ta,
                  uint32_t *cc);
    void (*unicc)(const unsigned char *cod, size_t n, double sc, double lo, double hi, float xlof,
                  float xhif, int exf, kres *o, unsigned char *idx, uint32_t *cc);
    void (*hist16)(const unsigned char *idx, size_t n, size_t L, uint64_t *counts);
} kern;

typedef struct gsch {
    gq_job *job;
    gkind kind;
    size_t L;
    const double *v;
    double natmax;
    double *nat, *mid;     /* natural units: L levels, L - 1 midpoints */
    levels_lut lut;        /* the nearest level over nat (levels.h); mid is lut.mid */
    long qmin, qmax;       /* uniform integer codes */
    size_t zero_idx;       /* the level nearest 0 */
    scale_dtype sd;
    int maxq;              /* int-asym: 2^b - 1 */
    side sp, sn;
    float nf4thr[15];
    float natf[16];        /* nat as floats (L <= 16, every one exactly a float) */
    int has_natf;
} gsch;


/* index of the level nearest to t (natural units), ties to the lower */
static inline size_t find_level(const gsch *g, double t)
{
    return levels_lut_find(&g->lut, t);
}

/* ---- slicing ---------------------------------------------------------------- */

typedef struct slicing {
    int kind;              /* 0: groups along an axis; 1: tiles */
    uint64_t ngroups, maxlen;
    uint64_t outer, A, inner, G, gpa;   /* groups: [outer, A, inner], G along A */
    uint64_t M, N, TR, TC, tpr;         /* tiles of [M, N] */
} slicing;

/* ---- exact per-group optimum ------------------------------------------------ */

typedef struct ev {
    double a, dB, dC;
} ev;

typedef struct ws {
    double *x;             /* gathered group */
    float *xf;             /* gathered group as floats (run.fpath) */
    int have_x;            /* x holds the group (fpath: converted on demand) */
    const unsigned char *cod;  /* run.direct: the group's bfloat16 codes, xf not written yet
                               (need_xf), else NULL */
    double *mag;           /* |x| */
    unsigned char *sg;     /* 1: negative side */
    unsigned char *k0, *k1;  /* side indexes (L <= 256) */
    unsigned char *idx;    /* level index per value (the counts) */
    double *top, *P1, *P2; /* all magnitudes, descending, prefix sums */
    uint64_t *ka, *kb;     /* sort keys */
    uint32_t *bcnt;        /* GQ_MAXBK + 1 bucket counts */
    size_t ntop;
    double S2;             /* of the group (group_prep) */
    ev *e, *e2;
    int *eb;
    size_t ecap;
    size_t cap;
    int fused;             /* gather_group filled famax, fS2 */
    uint32_t *cc;          /* the thread's code counts (2 x 65536; NULL: not counting) */
    double famax, fS2;
    /* run.uniunit: the group's codes not counted yet (the uniform kernel
     * counts them, else one_group), and the unit's level indexes */
    const unsigned char *pend;
    size_t pendn;
    unsigned char *uidx;   /* UNIT_VALUES + 64 */
    size_t un;
} ws;

/* ---- the pass --------------------------------------------------------------- */

typedef struct uacc {      /* per unit and scheme: sums in a fixed order */
    double sse, sumsq, asum;
} uacc;

typedef struct tacc {      /* per thread and scheme: order-free */
    double maxerr;
    uint64_t n, clipped, nalpha;
    uint64_t *counts;      /* 4 L, inside cbase (a cache line of room each side) */
    uint64_t *cbase;
    uint64_t *vh, vclip;   /* the view's histogram (job with a view) */
    char pad[64];          /* no cache line shared with another thread's */
} tacc;

typedef struct run {
    const group_tensor *t;
    const group_codes *cd;
    const analyze_cfg *cfg;
    double m, s;
    int norm;
    slicing sl;
    gsch *g;
    int ng;
    uint64_t upg;          /* groups per unit */
    uint64_t nunits;
    uacc *ua;              /* nunits * ng */
    int need_prep, need_minmax;
    int need_view;
    int fpath;             /* values gathered as floats (float32 or 2-byte codes, no -n) */
    int bf16x;             /* ... bfloat16: at most 8 significant bits */
    int s2c;               /* the sum of squares from the code counts, not per group */
    int direct;            /* ... and every scheme quantizes from the codes (uniform with
                              --alpha=max and an fp16/bf16/e8m0 scale, mxfp4): no float copy */
    int uniunit;           /* ... one scheme, uniform (L <= 16, groups <= a unit): the codes
                              counted by the uniform kernel, the level usage a unit at a time */
    int mxunit;            /* ... one scheme, mxfp4, groups of G % 16 == 0 along the rows: a
                              row's whole groups by K->mxu (gq.c mx_unit) */
    const kern *K;
    uint64_t next;         /* atomic */
} run;

typedef struct gout {
    double sse, maxerr, alpha;
    double vc;             /* the view's center (int-asym: (lo + hi) / 2), else 0 */
    uint64_t clipped;
    int has_alpha;
} gout;

/* w->xf from the codes when not there yet (run.direct) */
static inline void need_xf(const run *r, ws *w, size_t n)
{
    if (w->cod) {
        r->K->bf16f(w->cod, n, w->xf);   /* (finite: checked) */
        w->cod = NULL;
    }
}

/* w->x from w->xf when not there yet */
static inline void need_x(const run *r, ws *w, size_t n)
{
    need_xf(r, w, n);
    if (!w->have_x) {
        r->K->f2d(w->xf, n, w->x);
        w->have_x = 1;
    }
}


/* gq_kern.c */
const kern *gq_kern_pick(void);

/* gq_opt.c */
void gq_side_build(side *sd, const double *v, size_t L, int neg);
void gq_side_sym(side *a, side *b);
void gq_side_free(side *sd);
void gq_ws_init(ws *w, size_t cap);
void gq_ws_free(ws *w);
/* |x|, signs, the sorted magnitudes of the group in w->x; returns max|x| */
double gq_group_prep(const kern *K, ws *w, size_t n, double *S2o);
/* the exact mse-optimal alpha of the group (after gq_group_prep) */
double gq_opt_any(const kern *K, const side *sp, const side *sn, ws *w, size_t n, double S2,
                  double amax);

/* gq_eval.c: one uniform --alpha=max group from its codes (run.uniunit) */
int gq_uni_group(const run *r, const gsch *g, ws *w, const unsigned char *cod, size_t n,
                 struct uacc *ua, struct tacc *ta);
/* gq_eval.c: one scheme over one gathered group */
void gq_group_scheme(const run *r, const gsch *g, ws *w, size_t n, double amax, double mn,
                     double mx, uint64_t *counts, gout *o);

#endif
