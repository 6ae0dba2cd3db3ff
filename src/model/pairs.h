/*
 * pairs.h - the pairs of an original and its quantized form, as the
 * compare (cli/compare.h) found and measured them, handed to the viewer
 * (ui/ui.h: ui_run_pairs), which includes nothing from cli/.
 */
#ifndef APOTVIEW_MODEL_PAIRS_H
#define APOTVIEW_MODEL_PAIRS_H

#include <stddef.h>
#include <stdint.h>

typedef struct model_pair {
    char *left_name;       /* the original's tensor (owned) */
    char *right_name;      /* the quantized file's tensor (owned) */
    size_t left, right;    /* tensor indices in files 0 and 1 */
    int stacked;           /* the left side is E experts stacked (no one left tensor) */
    uint64_t count;
    char *right_dtype;     /* the stored format (owned) */
    double right_bpw;
    double mse, sqnr_db, cosine, max_abs_err;  /* NaN when error */
    char *error;           /* NULL, or why the pair has no metrics (owned) */
    /* the layout the compare undid on the GGUF side (model/namemap.h) */
    int perm;              /* 0, or the rows permuted with n_head */
    uint64_t n_head;
    int plus_one;          /* the GGUF side holds the original + 1 */
    int gguf_side;         /* 1 left, 2 right, 0 none */
} model_pair;

typedef struct model_pairs {
    model_pair *p;
    size_t n;
    int quantized;         /* a side holds quantized tensors (stored_bpw set) */
} model_pairs;

void model_pairs_free(model_pairs *mp);

/* One pair's result as compare_collect hands it on (the damage figure,
 * plot/): the original's name, the count, the quantized side's stored
 * type and bits per weight, mse and sqnr_db (inf: no error). Pairs that
 * could not be compared are reported on stderr and not handed on. */
typedef struct compare_row {
    const char *name;
    const char *dtype;
    uint64_t count;
    double bpw, mse, sqnr_db;
} compare_row;
typedef int (*compare_sink)(void *ctx, const compare_row *rows, size_t n);

#endif
