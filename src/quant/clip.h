/*
 * clip.h - clipping methods for --alpha beyond max, mse and a number:
 * percentile:P, sigma:K, kl (TensorRT entropy calibration) and aciq
 * (Banner et al.'s analytic clipping). Definitions in the man page,
 * section SCHEMES, "Clipping methods".
 *
 * Everything works on the prepared tensor through rank queries and prefix
 * sums: O(bins log N) for kl, O(64 log N) for a percentile, O(log N) for
 * sigma and aciq. For an affine level set (int-asym) the values are taken
 * relative to the midrange and the result is the half-width of the range.
 */
#ifndef APOTVIEW_CLIP_H
#define APOTVIEW_CLIP_H

#include "quant/analyze.h"

#define CLIP_KL_BINS 2048

/* alpha (x units) for mode m with parameter param (P or K); NaN when the
 * mode is not a clipping method or the tensor is empty. */
double clip_alpha(const prep *p, const levelset *ls, int normalize, alpha_mode m,
                  double param, int bits);

double clip_percentile(const prep *p, int normalize, double center, double P);
double clip_kl(const prep *p, int normalize, double center, int nquant);
/* ACIQ: prior 'L' (Laplace, scale b) or 'G' (Gaussian, std sigma); the
 * optimal alpha for a uniform 2^bits-level quantizer. */
double clip_aciq_laplace(double b, int bits);
double clip_aciq_gauss(double sigma, int bits);
/* mean |x - mean x| */
double clip_mean_absdev(const prep *p, int normalize);

#endif
