/*
 * pairs.c - model_pairs (pairs.h).
 */
#include "config.h"
#include "model/pairs.h"

#include <stdlib.h>
#include <string.h>

void model_pairs_free(model_pairs *mp)
{
    for (size_t i = 0; i < mp->n; i++) {
        free(mp->p[i].left_name);
        free(mp->p[i].right_name);
        free(mp->p[i].right_dtype);
        free(mp->p[i].error);
    }
    free(mp->p);
    memset(mp, 0, sizeof *mp);
}
