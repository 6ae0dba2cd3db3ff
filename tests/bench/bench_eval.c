/*
 * bench_eval.c - timings of the engine for `make bench` (tests/bench/bench-engine):
 * preparation throughput and peak memory, and the cost of one exact
 * evaluation, on a synthetic Gaussian float32 tensor of N elements.
 *
 * Usage: bench_eval N [scheme bits]
 * Prints "key value" lines.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "quant/eval.h"
#include "quant/levels.h"
#include "quant/prep.h"
#include "kit.h"

static tu_rng rng = { 12345 };
static double unif(void)
{
    return tu_uniform(&rng);
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 16u << 20;
    const char *scheme = argc > 2 ? argv[2] : "apot";
    int bits = argc > 3 ? atoi(argv[3]) : 4;
    float *v = malloc(n * sizeof *v);
    for (uint64_t i = 0; i < n; i += 2) {
        double u1 = unif() + 1e-300, u2 = unif();
        double r = sqrt(-2 * log(u1));
        v[i] = (float)(0.02 * r * cos(2 * M_PI * u2));
        if (i + 1 < n)
            v[i + 1] = (float)(0.02 * r * sin(2 * M_PI * u2));
    }
    long base_kb = peak_kb();
    double t0 = util_now();
    util_err err = { { 0 } };
    prep *p = prep_create_float(v, n, NULL, &err);
    double t1 = util_now();
    if (!p) {
        fprintf(stderr, "prep failed: %s\n", err.msg);
        return 1;
    }
    printf("elements %llu\n", (unsigned long long)n);
    printf("prepare_s %.4f\n", t1 - t0);
    printf("prepare_elements_per_s %.4g\n", (double)n / (t1 - t0));
    printf("prepare_extra_peak_x %.2f\n", (double)(peak_kb() - base_kb) * 1024.0 / ((double)n * 4));
    levelset ls;
    if (levels_build(scheme, bits, 1, NULL, &ls, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double alpha = 0.05;
    int reps = 2000;
    eval_result r;
    double t2 = util_now();
    for (int i = 0; i < reps; i++)
        eval_full(p, &ls, alpha * (1 + 1e-6 * i), 0, &r, NULL, &err);
    double t3 = util_now();
    printf("eval_full_us %.3f\n", (t3 - t2) / reps * 1e6);
    t2 = util_now();
    for (int i = 0; i < reps; i++)
        eval_full(p, &ls, alpha * (1 + 1e-6 * i), 1, &r, NULL, &err);
    t3 = util_now();
    printf("eval_full_norm_us %.3f\n", (t3 - t2) / reps * 1e6);
    eval_full(p, &ls, alpha, 0, &r, NULL, &err);
    printf("mse_at_0.05 %.17g\n", r.mse);
    double m;
    t2 = util_now();
    double a = eval_best_alpha(p, &ls, 0, &m);
    t3 = util_now();
    printf("best_alpha_ms %.3f\n", (t3 - t2) * 1e3);
    printf("best_alpha %.10g mse %.10g\n", a, m);
    levels_free(&ls);
    prep_free(p);
    return 0;
}
