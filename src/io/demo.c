/* demo.c - synthetic teaching tensors (demo.h). */
#include "config.h"
#include "io/demo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct demo_spec {
    char kind[32];
    double nu;
    uint64_t n, seed;
} demo_spec;

static int parse_kind(const char *k, size_t len, demo_spec *d, util_err *err)
{
    static const char *const kinds[] = { "gaussian", "laplace", "uniform", "bimodal" };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strlen(kinds[i]) == len && strncmp(k, kinds[i], len) == 0) {
            snprintf(d->kind, sizeof d->kind, "%s", kinds[i]);
            return 0;
        }
    if (len > 10 && strncmp(k, "student-t:", 10) == 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)(len - 10), k + 10);
        char *end;
        errno = 0;
        double nu = strtod(buf, &end);
        if (end != buf && !*end && !errno && nu > 0 && nu <= 1e6) {
            snprintf(d->kind, sizeof d->kind, "student-t");
            d->nu = nu;
            return 0;
        }
    }
    util_err_set(err, "demo: unknown kind '%.*s' (gaussian, laplace, student-t:NU with NU > 0, "
                      "uniform, bimodal)", (int)len, k);
    return -1;
}

int demo_check_kind(const char *kind, util_err *err)
{
    demo_spec d;
    return parse_kind(kind, strlen(kind), &d, err);
}

char *demo_path(const char *kind, uint64_t size, uint64_t seed)
{
    char n[48] = "", s[48] = "";
    if (size != DEMO_DEFAULT_SIZE)
        snprintf(n, sizeof n, ",n=%llu", (unsigned long long)size);
    if (seed != 1)
        snprintf(s, sizeof s, ",seed=%llu", (unsigned long long)seed);
    return util_asprintf("demo:%s%s%s", kind, n, s);
}

static int parse_path(const char *path, demo_spec *d, util_err *err)
{
    memset(d, 0, sizeof *d);
    d->n = DEMO_DEFAULT_SIZE;
    d->seed = 1;
    const char *k = path + 5, *comma = strchr(k, ',');
    if (parse_kind(k, comma ? (size_t)(comma - k) : strlen(k), d, err) < 0)
        return -1;
    while (comma) {
        const char *opt = comma + 1;
        comma = strchr(opt, ',');
        char *end;
        errno = 0;
        if (strncmp(opt, "n=", 2) == 0) {
            d->n = strtoull(opt + 2, &end, 10);
            if (end == opt + 2 || (*end && *end != ',') || errno || d->n < 1 || d->n > DEMO_MAX_SIZE) {
                util_err_set(err, "%s: n must be 1 .. %llu", path, (unsigned long long)DEMO_MAX_SIZE);
                return -1;
            }
        } else if (strncmp(opt, "seed=", 5) == 0) {
            d->seed = strtoull(opt + 5, &end, 10);
            if (end == opt + 5 || (*end && *end != ',') || errno) {
                util_err_set(err, "%s: bad seed", path);
                return -1;
            }
        } else {
            util_err_set(err, "%s: unknown setting '%s'", path, opt);
            return -1;
        }
    }
    return 0;
}

/* ---- xoshiro256** ---------------------------------------------------------- */

typedef struct rng { uint64_t s[4]; } rng;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

static void seed_rng(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        r->s[i] = z ^ (z >> 31);
    }
}

/* (0, 1] */
static double unif(rng *r) { return ((double)(next(r) >> 11) + 1) * 0x1.0p-53; }

static double gauss(rng *r)
{
    /* Box-Muller, one output per call (simple and stateless) */
    double u = unif(r), v = unif(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Gamma(k, 1): Marsaglia & Tsang (2000); k < 1 by boosting. */
static double gamma_k(rng *r, double k)
{
    if (k < 1)
        return gamma_k(r, k + 1) * pow(unif(r), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = gauss(r), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = unif(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static double draw(rng *r, const demo_spec *d)
{
    switch (d->kind[0]) {
    case 'g': return gauss(r);
    case 'l': {
        double u = unif(r) - 0.5; /* (-0.5, 0.5] */
        double a = 1 - 2 * fabs(u);
        return (u < 0 ? 1 : -1) * M_SQRT1_2 * log(a > 0 ? a : 0x1.0p-53);
    }
    case 's': {
        double z = gauss(r), v = 2 * gamma_k(r, d->nu / 2);
        return z / sqrt(v / d->nu);
    }
    case 'u': return sqrt(3.0) * (2 * unif(r) - 1);
    case 'b': return (unif(r) < 0.5 ? -1 : 1) + 0.25 * gauss(r);
    }
    return 0;
}

/* ---- the format -------------------------------------------------------------- */

static int demo_probe(const unsigned char *head, size_t len, const char *path)
{
    (void)len;
    return !head && path && strncmp(path, "demo:", 5) == 0 ? 100 : 0;
}

static int demo_open(loader_file *f, util_err *err)
{
    demo_spec d;
    if (parse_path(f->path, &d, err) < 0)
        return -1;
    loader_tensor *t = loader_add_tensor(f, d.kind);
    t->dtype = DT_F32;
    uint64_t shape[2];
    int nd = 1;
    if (d.n >= 128 && d.n % 64 == 0) {
        shape[0] = 64;
        shape[1] = d.n / 64;
        nd = 2;
    } else
        shape[0] = d.n;
    loader_set_shape(t, nd, shape);
    t->nbytes = d.n * 4;
    demo_spec *keep = util_malloc(sizeof *keep);
    *keep = d;
    f->priv = keep;
    char buf[64];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)d.seed);
    loader_add_meta(f, "seed", buf);
    return 0;
}

static int demo_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    (void)i;
    (void)err;
    const demo_spec *d = f->priv;
    rng r;
    seed_rng(&r, d->seed);
    for (uint64_t k = 0; k < d->n; k++) {
        double v = draw(&r, d);
        if (as_double)
            ((double *)dst)[k] = (double)(float)v;
        else
            ((float *)dst)[k] = (float)v;
    }
    return 0;
}

static void demo_close(loader_file *f)
{
    free(f->priv);
    f->priv = NULL;
}

const loader_format demo_format = {
    .name = "demo",
    .extensions = "",
    .probe = demo_probe,
    .open = demo_open,
    .read = demo_read,
    .close = demo_close,
};
