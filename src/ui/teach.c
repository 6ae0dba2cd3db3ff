/*
 * teach.c - the teaching texts of the viewer (teach.h): one explanation per
 * scheme for the `x` overlay, and the steps of --tour. Pure data.
 *
 * Level formulas use B = b - 1 magnitude bits for signed weights (the
 * interface.md convention); every set is scaled so its largest level is
 * alpha.
 */
#include "config.h"
#include "ui/teach.h"

#include <stdio.h>
#include <string.h>

static const teach_text texts[] = {
    { "uniform",
      "levels alpha * j / (2^B - 1), j = -(2^B-1) .. 2^B-1 (B = bits - 1): equal steps",
      "Equal steps everywhere. On a bell-shaped tensor most levels sit in the sparse tails "
      "while the crowded middle gets the same coarse step; clipping (alpha < max|x|) helps a lot." },
    { "pot",
      "levels 0 and alpha * 2^-j, j = 0 .. 2^B - 2: powers of two (multiply = one shift)",
      "Levels 2^-j crowd near zero; tails get coarse steps (nothing between alpha/2 and alpha). "
      "Another bit only adds levels next to 0, so PoT stops improving after 4 bits." },
    { "apot",
      "levels gamma * (p_0 + ... + p_n-1), p_i in {0, 2^-i, 2^-(i+n), 2^-(i+2n)} (k = 2); "
      "gamma scales the largest sum to 1",
      "Sums of two powers of two: levels spread like the data, dense near 0 without starving "
      "the tails; gamma normalizes so the top level is alpha. Multiply = two shifts and an add." },
    { "int-asym",
      "2^b levels: s * (q - z), s = (max - min) / (2^b - 1), integer zero point z so 0 is a level",
      "Uniform over [min, max] instead of [-alpha, alpha]: one more level than symmetric uniform "
      "and no range wasted on a skewed tensor; the zero point costs an add." },
    { "nf4",
      "16 fixed levels: quantiles of N(0, 1), scaled to [-1, 1] (QLoRA NormalFloat), 4 bits only",
      "Each level holds about the same share of a Gaussian: dense near 0, sparse in the tails. "
      "Asymmetric: 0 exact, 8 positive and 7 negative levels." },
    { "fp4-e2m1",
      "minifloat 2^e * (1 + m/2): 0, 0.5, 1, 1.5, 2, 3, 4, 6 (and negatives); 6 maps to alpha",
      "Floating point keeps the relative step constant: the step doubles with every power of "
      "two, like PoT with one mantissa bit filling each gap." },
    { "fp6-e2m3",
      "minifloat 2^e * (1 + m/8), 2 exponent bits, 3 mantissa bits, largest 7.5 -> alpha",
      "Few binades, fine mantissa: close to uniform with finer steps near 0." },
    { "fp6-e3m2",
      "minifloat 2^e * (1 + m/4), 3 exponent bits, 2 mantissa bits, largest 28 -> alpha",
      "More binades, coarser mantissa than E2M3: more range near 0, coarser tails." },
    { "fp8-e4m3",
      "minifloat 2^e * (1 + m/8), bias 7, largest 448 -> alpha, no infinities (OCP OFP8)",
      "Eight binades with 3 mantissa bits: the relative error stays about 6% everywhere." },
    { "fp8-e5m2",
      "minifloat 2^e * (1 + m/4), bias 15, largest 57344 -> alpha (IEEE-style specials)",
      "Huge range, 2 mantissa bits: many levels are spent on magnitudes weights never reach." },
    { "mxfp4",
      "blocks of 32 values share a scale 2^(floor(log2 amax) - 2) (E8M0); each value E2M1",
      "The scale follows each block's range, so outliers only hurt their own block "
      "(4.25 bits/weight). Per-block numbers are in --report; the viewer has one scale per tensor." },
    { "q4_0",
      "llama.cpp Q4_0: blocks of 32, d = max / -8 (fp16), codes (q - 8) d, q = 0..15",
      "A scale per 32 values, the block's largest value hit exactly; 4.5 bits/weight. "
      "Per-block numbers are in --report; the viewer has one scale per tensor." },
    { "q8_0",
      "llama.cpp Q8_0: blocks of 32, d = amax / 127 (fp16), codes q d, q = -127..127",
      "Eight bits and a scale per 32 values (8.5 bits/weight): close to lossless. "
      "Per-block numbers are in --report." },
    { "log2-sqrt2",
      "levels 0 and alpha * sqrt(2)^-j: logarithmic with base sqrt(2)",
      "Logarithmic like PoT but twice as dense: each step 1.41x the last; "
      "tails are still coarser than the middle." },
    { "lloyd-max",
      "the 2^b - 1 levels with the least mse for this tensor: each level the mean of its cell, "
      "cell edges the midpoints (Lloyd iterations)",
      "The lower bound: no quantizer with as many levels does better on this tensor. "
      "gap_to_optimal_db measures every other scheme against it. A codebook: no shift-add cost." },
    { "custom",
      "levels read from custom:FILE, scaled so the largest magnitude is alpha",
      "Your own level set, drawn and measured like the others: compare it with lloyd-max." },
    { "stored",
      "the file's own grid: per group, every code value times the group's stored scale",
      "The file's values lie on it, so its error against itself is n/a; bits/weight is the "
      "file's own, levels used how much of the grid holds values." },
};

#define NTEXTS ((int)(sizeof texts / sizeof texts[0]))

const teach_text *teach_table(int *n)
{
    *n = NTEXTS;
    return texts;
}

const teach_text *teach_explain(const char *scheme)
{
    if (!scheme)
        return NULL;
    const char *colon = strchr(scheme, ':');
    size_t len = colon ? (size_t)(colon - scheme) : strlen(scheme);
    for (int i = 0; i < NTEXTS; i++)
        if (strlen(texts[i].scheme) == len && strncmp(texts[i].scheme, scheme, len) == 0)
            return &texts[i];
    return NULL;
}

const char *teach_group_cost(char *buf, size_t len, int bits, const char *sdtype, int sbits, double per,
                             unsigned long long group, double zp, double bpw)
{
    char z[96] = "", g[128] = "";
    if (group > 0 && per != (double)group)
        snprintf(g, sizeof g, " (groups of %llu; %.4g on average: rows end in a shorter group)", group, per);
    if (zp > 0)
        snprintf(z, sizeof z, " + %.4g (a zero point per group)", zp);
    snprintf(buf, len,
             "A group scale costs bits: every group of %.4g values%s stores its own %d-bit scale (%s), "
             "so the scales add %d / %.4g = %.4g bits to every weight: %d + %.4g%s = %.4g bits per weight "
             "(the report's bits/weight). For comparison, fp16 per 128 = 0.125, per 32 = 0.5; e8m0 per 32 "
             "(mxfp4) = 0.25. Smaller groups follow the data (each group's own max|x| sets its scale, "
             "so one outlier spoils only its group) but pay more bits: weigh the mse against bpw.",
             per, g, sbits, sdtype, sbits, per, (double)sbits / per, bits, (double)sbits / per, z, bpw);
    return buf;
}

/* The tour, on a Gaussian demo tensor: at alpha = max|x| and 4 bits PoT
 * loses to uniform (its tails are coarse) and APoT beats both; clipping at
 * the optimum then moves every scheme. The captions say what to compare,
 * never a number: the numbers are on screen. */
static const teach_step steps[] = {
    { "uniform", { "uniform" }, "uniform", 4, 0, TA_MAX, TV_MAIN,
      "Uniform, 4 bits: 15 levels in equal steps from -alpha to alpha (alpha = max|x|, no clipping). "
      "The rug under the axis shows them: most sit in the tails where few weights are. "
      "Note the mse on the status line.", NULL },
    { "pot", { "uniform", "pot" }, "pot", 4, 0, TA_MAX, TV_MAIN,
      "Powers of two: levels 2^-j alpha crowd near zero; tails get coarse steps - nothing between "
      "alpha/2 and alpha. Compare its mse with uniform's in the panel: the tails cost PoT more "
      "than the fine middle gains.", NULL },
    { "apot", { "uniform", "pot", "apot" }, "apot", 4, 0, TA_MAX, TV_MAIN,
      "Additive powers of two: each level is a sum of two powers of two, scaled by gamma so the "
      "top level is alpha. The levels spread like the bell; the mse drops below both, and a "
      "multiply is still two shifts and an add.", NULL },
    { "normalization", { "uniform", "pot", "apot" }, "apot", 4, 1, TA_MAX, TV_MAIN,
      "Normalization: x = (w - mean) / std before quantizing, as the APoT paper does, so alpha is "
      "in units of std and one alpha fits every layer. This demo tensor already has mean 0 and "
      "std 1, so the numbers barely move; on trained weights (std ~0.05) the axis changes.",
      "Normalization: x = (w - mean) / std before quantizing, as the APoT paper does, so alpha is "
      "in units of std and one alpha fits every layer. The axis of {T} is now in std units: compare its "
      "mean and std in the header with 0 and 1." },
    { "clipping", { "uniform", "pot", "apot" }, "apot", 4, 1, TA_MSE, TV_MAIN,
      "Clipping: each scheme at its own MSE-optimal alpha, below max|x|. A few tail values "
      "(red bars) are clipped, every step gets finer; compare each mse with the step before. "
      "Uniform gains the most.", NULL },
    { "clipping methods", { "uniform", "pot", "apot" }, "apot", 4, 1, TA_MSE, TV_CURVE,
      "mse against alpha for each scheme; the letters mark where each clipping method lands on "
      "APoT's curve: M mse (the minimum), X max, P 99.9th percentile, S 3 sigma, K KL (TensorRT), "
      "A ACIQ. Press q to leave the tour, or play: + - h l n s.", NULL },
};

const teach_step *teach_tour(int *n)
{
    *n = (int)(sizeof steps / sizeof steps[0]);
    return steps;
}
