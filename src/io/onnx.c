/*
 * onnx.c - ONNX reader (onnx.h).
 *
 * priv: ox_priv (the unpacked model, every TensorProto found with its
 * name, the dequantized weights, the external data files). Per tensor:
 * priv = 1 + the index of its entry (ox_ent).
 */
#include "config.h"
#include "io/onnx.h"
#include "io/onnx_int.h"
#include "io/sidefile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ox_ent, ox_quant, ox_ext, ox_priv: onnx_int.h (shared with onnx_grid.c) */

static const char *keep(ox_priv *p, char *s)
{
    if (p->nstrs == p->scap) {
        p->scap = p->scap ? 2 * p->scap : 16;
        p->strs = util_realloc(p->strs, p->scap * sizeof *p->strs);
    }
    p->strs[p->nstrs++] = s;
    return s;
}

static const char *nz(const char *s) { return s ? s : ""; }

/* ---- collecting the tensors -------------------------------------------- */

static void add_ent(ox_priv *p, const Onnx__TensorProto *tp, const char *name)
{
    if (p->nents == p->ecap) {
        p->ecap = p->ecap ? 2 * p->ecap : 64;
        p->ents = util_realloc(p->ents, p->ecap * sizeof *p->ents);
    }
    ox_ent *e = &p->ents[p->nents++];
    memset(e, 0, sizeof *e);
    e->tp = tp;
    e->name = name;
    e->ext = NONE;
}

static int is_op(const Onnx__NodeProto *n, const char *dom, const char *op)
{
    const char *d = nz(n->domain);
    if (strcmp(nz(n->op_type), op) != 0)
        return 0;
    if (!dom)
        return d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
    return strcmp(d, dom) == 0;
}

static void walk_graph(ox_priv *p, const Onnx__GraphProto *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_initializer; i++)
        add_ent(p, g->initializer[i], nz(g->initializer[i]->name));
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *nd = g->node[i];
        if (is_op(nd, NULL, "Constant") && nd->n_output >= 1) {
            for (size_t a = 0; a < nd->n_attribute; a++)
                if (nd->attribute[a]->t && strcmp(nz(nd->attribute[a]->name), "value") == 0)
                    add_ent(p, nd->attribute[a]->t, nd->output[0]);
        }
        if (is_op(nd, NULL, "DequantizeLinear") || is_op(nd, "com.microsoft", "DequantizeLinear") ||
            is_op(nd, "com.microsoft", "MatMulNBits")) {
            if (p->nnodes == p->ncap) {
                p->ncap = p->ncap ? 2 * p->ncap : 16;
                p->nodes = util_realloc(p->nodes, p->ncap * sizeof *p->nodes);
            }
            p->nodes[p->nnodes++] = nd;
        }
        for (size_t a = 0; a < nd->n_attribute; a++) {
            const Onnx__AttributeProto *at = nd->attribute[a];
            walk_graph(p, at->g);
            for (size_t k = 0; k < at->n_graphs; k++)
                walk_graph(p, at->graphs[k]);
        }
    }
}

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t a = 0; a < n->n_attribute; a++)
        if (strcmp(nz(n->attribute[a]->name), name) == 0)
            return n->attribute[a];
    return NULL;
}

static int64_t attr_i(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_i ? a->i : dflt;
}

/* The constant entry called name (a plain one, not yet used), or NONE. */
static size_t constant(ox_priv *p, const Onnx__NodeProto *n, size_t k)
{
    if (k >= n->n_input || !n->input[k][0])
        return NONE;
    long j = loader_names_get(&p->byname, n->input[k]);
    return j < 0 ? NONE : (size_t)j;
}

/* Find the quantized weights among the recorded nodes. */
static void find_quants(ox_priv *p)
{
    for (size_t i = 0; i < p->nnodes; i++) {
        const Onnx__NodeProto *n = p->nodes[i];
        int mnb = is_op(n, "com.microsoft", "MatMulNBits");
        size_t x = constant(p, n, mnb ? 1 : 0), s = constant(p, n, mnb ? 2 : 1);
        size_t zp = constant(p, n, mnb ? 3 : 2), gi = mnb ? constant(p, n, 4) : NONE;
        /* a zero point / g_idx that is named but not a constant: computed
         * at run time, nothing to show */
        if (x == NONE || s == NONE || p->ents[x].role != R_PLAIN || n->n_output < 1 ||
            (zp == NONE && (size_t)(mnb ? 3 : 2) < n->n_input && n->input[mnb ? 3 : 2][0]) ||
            (mnb && gi == NONE && n->n_input > 4 && n->input[4][0]))
            continue;
        if (p->nq == p->qcap) {
            p->qcap = p->qcap ? 2 * p->qcap : 16;
            p->qs = util_realloc(p->qs, p->qcap * sizeof *p->qs);
        }
        ox_quant *q = &p->qs[p->nq];
        memset(q, 0, sizeof *q);
        q->op = mnb ? 'M' : 'D';
        q->x = x;
        q->scale = s;
        q->zp = zp;
        q->gidx = gi;
        q->out = n->output[0];
        q->axis = attr_i(n, "axis", 1);
        q->block = attr_i(n, "block_size", 0);
        q->K = attr_i(n, "K", -1);
        q->N = attr_i(n, "N", -1);
        q->bits = attr_i(n, "bits", 4);
        q->bs = attr_i(n, "block_size", -1);
        p->ents[x].role = R_QUANT;
        p->ents[x].q = p->nq++;
        p->ents[s].role = R_PART;
        if (zp != NONE && p->ents[zp].role == R_PLAIN)
            p->ents[zp].role = R_PART;
        if (gi != NONE && p->ents[gi].role == R_PLAIN)
            p->ents[gi].role = R_PART;
    }
}

/* ---- storage ----------------------------------------------------------- */

static size_t ext_file(ox_priv *p, const char *path)
{
    for (size_t i = 0; i < p->next; i++)
        if (strcmp(p->ext[i].path, path) == 0)
            return i;
    p->ext = util_realloc(p->ext, (p->next + 1) * sizeof *p->ext);
    memset(&p->ext[p->next], 0, sizeof p->ext[0]);
    p->ext[p->next].path = util_strdup(path);
    return p->next++;
}

/* Check entry e's storage against its shape and type (once). */
static int check_ent(loader_file *f, ox_priv *p, ox_ent *e, util_err *err)
{
    if (e->checked)
        return 0;
    const Onnx__TensorProto *tp = e->tp;
    const ox_type *ty = ox_type_of(tp->data_type);
    e->src.dt = tp->data_type;
    e->src.tp = tp;
    uint64_t c = 1;
    for (size_t k = 0; k < tp->n_dims; k++)
        if (tp->dims[k] < 0 || util_mul_u64(c, (uint64_t)tp->dims[k], &c) < 0 || c > (UINT64_MAX >> 4)) {
            util_err_set(err, "%s: %s: dimension %zu is %lld (or the shape overflows)", f->path, e->name, k,
                         (long long)tp->dims[k]);
            return -1;
        }
    e->count = e->src.count = c;
    e->checked = 1;
    if (!ty || !ty->bits || tp->segment)
        return 0;   /* listed as not readable */
    uint64_t need = ox_raw_bytes(ty, c);
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        const char *loc = NULL;
        uint64_t off = 0, len = UINT64_MAX;
        for (size_t k = 0; k < tp->n_external_data; k++) {
            const char *key = nz(tp->external_data[k]->key), *v = nz(tp->external_data[k]->value);
            char *endp;
            if (strcmp(key, "location") == 0)
                loc = v;
            else if (strcmp(key, "offset") == 0 || strcmp(key, "length") == 0) {
                unsigned long long x = strtoull(v, &endp, 10);
                if (!*v || *endp || v[0] == '-') {
                    util_err_set(err, "%s: %s: external data %s '%s' is not a byte count", f->path, e->name,
                                 key, v);
                    return -1;
                }
                *(key[0] == 'o' ? &off : &len) = x;
            }
        }
        if (!loc) {
            util_err_set(err, "%s: %s: external data without a location", f->path, e->name);
            return -1;
        }
        char *path = sidefile_path(f->path, loc, "external data location", err);
        if (!path)
            return -1;
        size_t xi = ext_file(p, path);
        free(path);
        ox_ext *x = &p->ext[xi];
        if (!x->size && !x->mapped) {
            util_err e2 = { { 0 } };
            int fd = file_open_regular(x->path, FILE_NO_LIMIT, &x->size, &e2);
            if (fd < 0) {
                util_err_set(err, "%s: %s: external data: %s", f->path, e->name, e2.msg);
                return -1;
            }
            close(fd);
        }
        if (len != UINT64_MAX && len != need) {
            util_err_set(err, "%s: %s: external data length %llu, but %llu %s elements take %llu bytes",
                         f->path, e->name, (unsigned long long)len, (unsigned long long)c, ty->name,
                         (unsigned long long)need);
            return -1;
        }
        if (off > x->size || need > x->size - off) {
            util_err_set(err, "%s: %s: external data [%llu, +%llu) runs past the end of %s (%llu bytes)", f->path,
                         e->name, (unsigned long long)off, (unsigned long long)need, x->path,
                         (unsigned long long)x->size);
            return -1;
        }
        e->ext = xi;
        e->ext_off = off;
        return 0;
    }
    if (tp->has_raw_data) {
        /* a reference into the mapping (ox_wire_strip) */
        uint64_t at = 0, len = 0;
        for (int k = 7; tp->raw_data.len == 16 && k >= 0; k--) {
            at = at << 8 | tp->raw_data.data[k];
            len = len << 8 | tp->raw_data.data[8 + k];
        }
        if (tp->raw_data.len != 16 || at > p->map.size || len > p->map.size - at) {
            util_err_set(err, "%s: %s: raw_data reference lost", f->path, e->name);
            return -1;
        }
        if (len != need) {
            util_err_set(err, "%s: %s: raw_data at offset %llu holds %llu bytes, but %llu %s elements take %llu",
                         f->path, e->name, (unsigned long long)at, (unsigned long long)len,
                         (unsigned long long)c, ty->name, (unsigned long long)need);
            return -1;
        }
        e->src.raw = p->map.data + at;
        e->ext_off = at;
        return 0;
    }
    uint64_t have = ox_typed_have(ty, tp), want = ox_typed_entries(ty, c);
    if (have != want) {
        util_err_set(err, "%s: %s: %llu %s elements need %llu typed values, the tensor holds %llu", f->path,
                     e->name, (unsigned long long)c, ty->name, (unsigned long long)want,
                     (unsigned long long)have);
        return -1;
    }
    return 0;
}

/* The elements of entry e, its external file mapped on first use. */
static int ent_src(loader_file *f, ox_priv *p, ox_ent *e, ox_src *s, util_err *err)
{
    *s = e->src;
    if (e->ext == NONE)
        return 0;
    ox_ext *x = &p->ext[e->ext];
    if (!x->mapped) {
        if (file_map_regular(x->path, FILE_NO_LIMIT, &x->map, err) < 0)
            return -1;
        x->mapped = 1;
    }
    if (x->map.size < e->ext_off + ox_raw_bytes(ox_type_of(e->src.dt), e->count)) {
        util_err_set(err, "%s: %s: %s shrank to %llu bytes since it was opened", f->path, e->name, x->path,
                     (unsigned long long)x->map.size);
        return -1;
    }
    s->raw = x->map.data + e->ext_off;
    return 0;
}


/* ---- dequantized weights ----------------------------------------------- */

static int is_scale_type(int32_t dt)
{
    return dt == OX_FLOAT || dt == OX_FLOAT16 || dt == OX_BFLOAT16;
}

static double bits_of(const ox_ent *e)
{
    const ox_type *t = ox_type_of(e->src.dt);
    return t ? (double)t->bits * (double)e->count : 0;
}

/* Describe quantized weight q as loader tensor t (shape, type, bpw); a
 * layout apotview does not follow makes t unreadable with the reason. */
static int setup_quant(loader_file *f, ox_priv *p, ox_quant *q, loader_tensor *t, util_err *err)
{
    ox_ent *x = &p->ents[q->x], *s = &p->ents[q->scale];
    ox_ent *z = q->zp != NONE ? &p->ents[q->zp] : NULL, *g = q->gidx != NONE ? &p->ents[q->gidx] : NULL;
    if (check_ent(f, p, x, err) < 0 || check_ent(f, p, s, err) < 0 || (z && check_ent(f, p, z, err) < 0) ||
        (g && check_ent(f, p, g, err) < 0))
        return -1;
    const ox_type *xt = ox_type_of(x->src.dt);
    const char *why = NULL;
    uint64_t shape[LOADER_MAXDIM];
    int nd = 0;
    t->dtype = DT_F32;
    if (!xt || !xt->bits || !is_scale_type(s->src.dt) || (z && (!ox_type_of(z->src.dt) || !ox_type_of(z->src.dt)->bits)))
        why = "unsupported types of its inputs";
    if (q->op == 'D') {
        t->stored_type = keep(p, util_asprintf("qdq_%s", xt ? xt->name : "?"));
        const Onnx__TensorProto *xp = x->tp;
        nd = (int)xp->n_dims;
        if (nd > LOADER_MAXDIM)
            return util_err_set(err, "%s: %s: %d dimensions", f->path, x->name, nd), -1;
        for (int k = 0; k < nd; k++)
            shape[k] = (uint64_t)xp->dims[k];
        int64_t ax = q->axis < 0 ? q->axis + nd : q->axis;
        const Onnx__TensorProto *sp = s->tp;
        if (z && z->count != s->count)
            why = "its zero point and scale differ in size";
        else if (s->count == 1)
            ;   /* per tensor */
        else if (ax < 0 || ax >= nd)
            why = "its axis is outside the input's dimensions";
        else if (q->block <= 0 && !(sp->n_dims == 1 && (uint64_t)sp->dims[0] == shape[ax]))
            why = "its scale matches neither the whole tensor nor the axis";
        else if (q->block > 0) {
            int ok = (int)sp->n_dims == nd;
            for (int k = 0; ok && k < nd; k++)
                ok = (uint64_t)sp->dims[k] ==
                     (k == ax ? (shape[k] + (uint64_t)q->block - 1) / (uint64_t)q->block : shape[k]);
            if (!ok)
                why = "its scale does not have the input's shape in blocks of block_size along the axis";
        }
        q->axis = ax;
        t->stored_bpw = (bits_of(x) + bits_of(s) + (z ? bits_of(z) : 0)) / (double)(x->count ? x->count : 1);
    } else {
        t->stored_type = keep(p, util_asprintf("matmulnbits_q%lld", (long long)q->bits));
        int64_t nb = q->bs > 0 ? (q->K + q->bs - 1) / q->bs : 0;
        if (q->K <= 0 || q->N <= 0 || (double)q->K * (double)q->N > 1e18)
            why = "its K or N attribute is missing or out of range";
        else if (!(q->bits == 2 || q->bits == 4 || q->bits == 8))
            why = "bits other than 2, 4 and 8";
        else if (q->bs < 16 || (q->bs & (q->bs - 1)))
            why = "its block_size is not a power of two of at least 16";
        else if (x->src.dt != OX_UINT8 || x->count != (uint64_t)(q->N * nb * (q->bs * q->bits / 8)))
            why = "B is not uint8 [N, ceil(K / block_size), block_size * bits / 8]";
        else if (s->count != (uint64_t)(q->N * nb))
            why = "its scales are not N * ceil(K / block_size) values";
        else if (z && !(z->src.dt == OX_UINT8 && z->count == (uint64_t)(q->N * ((nb * q->bits + 7) / 8))) &&
                 !(z->src.dt == s->src.dt && z->count == s->count))
            why = "its zero points are neither packed uint8 nor one per scale";
        else if (g && !(g->src.dt == OX_INT32 && g->count == (uint64_t)q->K))
            why = "its g_idx is not K int32 values";
        nd = 2;
        shape[0] = q->K > 0 ? (uint64_t)q->K : 0;
        shape[1] = q->N > 0 ? (uint64_t)q->N : 0;
        double n = (double)shape[0] * (double)shape[1];
        t->stored_bpw = n > 0 ? (bits_of(x) + bits_of(s) + (z ? bits_of(z) : 0) + (g ? bits_of(g) : 0)) / n : 0;
    }
    if (loader_set_shape(t, nd, shape) < 0)
        return util_err_set(err, "%s: %s: the shape overflows", f->path, t->name), -1;
    if (why) {
        t->readable = 0;
        t->type_note = keep(p, util_asprintf("%s: %s (%s)", t->stored_type,
                                             q->op == 'D' ? "DequantizeLinear" : "MatMulNBits", why));
    }
    return 0;
}

/* The logical name of quantized weight q (malloc'd). */
static char *quant_name(const ox_priv *p, const ox_quant *q)
{
    const char *xn = p->ents[q->x].name;
    size_t n = strlen(xn);
    if (q->op == 'D') {
        if (n > 10 && strcmp(xn + n - 10, "_quantized") == 0)
            return util_strndup(xn, n - 10);
        return util_strdup(q->out[0] ? q->out : xn);
    }
    char suf[16];
    snprintf(suf, sizeof suf, "_Q%lld", (long long)q->bits);
    size_t sl = strlen(suf);
    if (n > sl && strcmp(xn + n - sl, suf) == 0)
        return util_strndup(xn, n - sl);
    return util_strdup(xn);
}

/* ---- open -------------------------------------------------------------- */

static int onnx_probe(const unsigned char *head, size_t len, const char *path)
{
    size_t pl = path ? strlen(path) : 0;
    int ext = pl > 5 && strcmp(path + pl - 5, ".onnx") == 0;
    if (!head)
        return 0;     /* a directory */
    if (len < 4)
        return ext ? 40 : 0;
    /* ModelProto starts with ir_version (field 1, varint: key 0x08), a
     * small number, then another field (producer_name 0x12, graph 0x3a,
     * opset_import 0x42, ...) */
    int looks = head[0] == 0x08 && head[1] < 0x80 && head[1] >= 1 &&
                (head[2] == 0x12 || head[2] == 0x1a || head[2] == 0x22 || head[2] == 0x28 ||
                 head[2] == 0x32 || head[2] == 0x3a || head[2] == 0x42);
    return looks ? (ext ? 95 : 30) : (ext ? 40 : 0);
}

/* A name not yet used by a tensor of f: name, else name@2, name@3, ... */
static loader_tensor *add_unique(loader_file *f, const char *name)
{
    if (loader_find(f, name) < 0)
        return loader_add_tensor(f, name);
    for (unsigned k = 2;; k++) {
        char *n2 = util_asprintf("%s@%u", name, k);
        if (loader_find(f, n2) < 0) {
            loader_tensor *t = loader_add_tensor(f, n2);
            free(n2);
            return t;
        }
        free(n2);
    }
}

static void add_meta(loader_file *f, ox_priv *p)
{
    const Onnx__ModelProto *m = p->model;
    char buf[512];
    if (m->has_ir_version) {
        snprintf(buf, sizeof buf, "%lld", (long long)m->ir_version);
        loader_add_meta(f, "ir_version", buf);
    }
    if (m->producer_name && m->producer_name[0]) {
        snprintf(buf, sizeof buf, "%s%s%s", m->producer_name, m->producer_version ? " " : "",
                 nz(m->producer_version));
        loader_add_meta(f, "producer", buf);
    }
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->n_opset_import && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s %lld", i ? ", " : "",
                              m->opset_import[i]->domain && m->opset_import[i]->domain[0]
                                  ? m->opset_import[i]->domain : "ai.onnx",
                              (long long)m->opset_import[i]->version);
    if (m->n_opset_import)
        loader_add_meta(f, "opset_import", buf);
    if (m->graph && m->graph->name && m->graph->name[0])
        loader_add_meta(f, "graph", m->graph->name);
    for (size_t i = 0; i < m->n_metadata_props; i++)
        loader_add_meta(f, nz(m->metadata_props[i]->key), nz(m->metadata_props[i]->value));
}

static int onnx_open(loader_file *f, util_err *err)
{
    ox_priv *p = util_calloc(1, sizeof *p);
    f->priv = p;
    loader_map m;
    if (loader_map_file(f->path, &m, err) < 0)
        return -1;
    if (ox_wire_walk(m.data, (size_t)m.size, f->path, err) < 0) {
        loader_unmap(&m);
        return -1;
    }
    /* raw_data stays in the mapping: protobuf-c unpacks a copy of the
     * model whose raw_data fields are references into it */
    size_t slen;
    unsigned char *stripped = ox_wire_strip(m.data, (size_t)m.size, &slen);
    p->map = m;
    p->model = onnx__model_proto__unpack(NULL, slen, stripped);
    free(stripped);
    if (!p->model) {
        util_err_set(err, "%s: not an ONNX model (protobuf-c cannot unpack it as onnx.ModelProto: "
                     "a field of the wrong type, or out of memory)", f->path);
        return -1;
    }
    if (!p->model->graph) {
        util_err_set(err, "%s: not an ONNX model: no graph", f->path);
        return -1;
    }
    add_meta(f, p);
    walk_graph(p, p->model->graph);
    for (size_t i = 0; i < p->nents; i++)
        loader_names_put(&p->byname, p->ents[i].name, i);
    find_quants(p);
    for (size_t i = 0; i < p->nents; i++) {
        ox_ent *e = &p->ents[i];
        if (e->role == R_PART)
            continue;
        char *nm = e->role == R_QUANT ? quant_name(p, &p->qs[e->q])
                                      : util_strdup(e->name[0] ? e->name : "(unnamed)");
        loader_tensor *t = add_unique(f, nm);
        free(nm);
        t->priv = (void *)(uintptr_t)(i + 1);
        if (e->role == R_QUANT) {
            if (setup_quant(f, p, &p->qs[e->q], t, err) < 0)
                return -1;
            continue;
        }
        if (check_ent(f, p, e, err) < 0)
            return -1;
        const ox_type *ty = ox_type_of(e->tp->data_type);
        uint64_t shape[LOADER_MAXDIM];
        if (e->tp->n_dims > LOADER_MAXDIM) {
            util_err_set(err, "%s: %s: %zu dimensions (at most %d)", f->path, t->name, e->tp->n_dims,
                         LOADER_MAXDIM);
            return -1;
        }
        for (size_t k = 0; k < e->tp->n_dims; k++)
            shape[k] = (uint64_t)e->tp->dims[k];
        if (loader_set_shape(t, (int)e->tp->n_dims, shape) < 0) {
            util_err_set(err, "%s: %s: the shape overflows", f->path, t->name);
            return -1;
        }
        if (!ty) {
            t->readable = 0;
            t->stored_type = "unknown";
            t->type_note = keep(p, util_asprintf("ONNX data type %d unknown to apotview", (int)e->tp->data_type));
        } else if (!ty->bits || e->tp->segment) {
            t->readable = 0;
            t->stored_type = ty->name;
            t->type_note = keep(p, util_asprintf("%s: %s", ty->name,
                                                 e->tp->segment ? "a segmented tensor" : ty->why));
        } else if (ty->dtype != DT_INVALID) {
            t->dtype = ty->dtype;
        } else {
            t->dtype = DT_F32;    /* exact in float32 */
            t->stored_type = ty->name;
            t->stored_bpw = ty->bits;
        }
        t->nbytes = ty && ty->bits ? ox_raw_bytes(ty, e->count) : 0;
    }
    return 0;
}

/* ---- read -------------------------------------------------------------- */

#define CHUNK 4096

static inline void store(void *dst, int as_double, uint64_t i, double v)
{
    if (as_double)
        ((double *)dst)[i] = v;
    else
        ((float *)dst)[i] = (float)v;
}

/* Every element of entry e as doubles (malloc'd). */
double *ent_all(loader_file *f, ox_priv *p, ox_ent *e, util_err *err)
{
    ox_src s;
    if (ent_src(f, p, e, &s, err) < 0)
        return NULL;
    double *v = util_mallocarray(e->count ? e->count : 1, sizeof *v);
    ox_decode(&s, 0, e->count, v);
    return v;
}

/* The bytes of a uint8 entry: raw storage in place, or a copy (*own). */
const unsigned char *ent_bytes(loader_file *f, ox_priv *p, ox_ent *e, unsigned char **own,
                                      util_err *err)
{
    ox_src s;
    *own = NULL;
    if (ent_src(f, p, e, &s, err) < 0)
        return NULL;
    if (s.raw)
        return s.raw;
    *own = util_malloc(e->count ? e->count : 1);
    double buf[CHUNK];
    for (uint64_t i = 0; i < e->count; i += CHUNK) {
        uint64_t n = e->count - i < CHUNK ? e->count - i : CHUNK;
        ox_decode(&s, i, n, buf);
        for (uint64_t k = 0; k < n; k++)
            (*own)[i + k] = (unsigned char)buf[k];
    }
    return *own;
}

/* The mapping entry e's raw bytes lie in (NULL: typed fields). */
static const loader_map *ent_map(ox_priv *p, const ox_ent *e)
{
    if (e->ext != NONE)
        return &p->ext[e->ext].map;
    return e->src.raw ? &p->map : NULL;
}

static int read_plain(loader_file *f, ox_priv *p, ox_ent *e, void *dst, int as_double, util_err *err)
{
    ox_src s;
    if (ent_src(f, p, e, &s, err) < 0)
        return -1;
    const loader_map *m = ent_map(p, e);
    uint64_t nb = ox_raw_bytes(ox_type_of(e->src.dt), e->count);
    if (m)
        loader_willneed(m, e->ext_off, nb);
    if (as_double)
        ox_decode(&s, 0, e->count, dst);
    else {
        double buf[CHUNK];
        for (uint64_t i = 0; i < e->count; i += CHUNK) {
            uint64_t n = e->count - i < CHUNK ? e->count - i : CHUNK;
            ox_decode(&s, i, n, buf);
            for (uint64_t k = 0; k < n; k++)
                ((float *)dst)[i + k] = (float)buf[k];
        }
    }
    if (m)
        loader_release(m, e->ext_off, nb);   /* converted: the pages may go */
    return 0;
}

/* A plain tensor stored as raw little-endian bytes of a loader dtype. */
static int onnx_raw(loader_file *f, size_t i, loader_rawview *v)
{
    ox_priv *p = f->priv;
    loader_tensor *t = &f->tensors[i];
    ox_ent *e = &p->ents[(uintptr_t)t->priv - 1];
    const ox_type *ty = ox_type_of(e->src.dt);
    util_err err = { { 0 } };
    ox_src s;
    if (e->role != R_PLAIN || !ty || ty->dtype == DT_INVALID || ty->bits < 8 || t->dtype != ty->dtype ||
        (!e->src.raw && e->ext == NONE) || ent_src(f, p, e, &s, &err) < 0)
        return -1;
    *v = (loader_rawview){ s.raw, ent_map(p, e), e->ext_off, ox_raw_bytes(ty, e->count) };
    return 0;
}

/* DequantizeLinear: y = (x - zp) * scale, per tensor, axis or block. */
static int read_dq(loader_file *f, ox_priv *p, const ox_quant *q, void *dst, int as_double, util_err *err)
{
    ox_ent *x = &p->ents[q->x], *se = &p->ents[q->scale];
    ox_ent *ze = q->zp != NONE ? &p->ents[q->zp] : NULL;
    ox_src xs;
    if (ent_src(f, p, x, &xs, err) < 0)
        return -1;
    double *s = ent_all(f, p, se, err), *z = NULL;
    if (!s || (ze && !(z = ent_all(f, p, ze, err)))) {
        free(s);
        return -1;
    }
    uint64_t inner = 1, dim = 1, nblk = 1, bs = 1;
    if (se->count > 1) {
        for (size_t k = (size_t)q->axis + 1; k < x->tp->n_dims; k++)
            inner *= (uint64_t)x->tp->dims[k];
        dim = (uint64_t)x->tp->dims[q->axis];
        bs = q->block > 0 ? (uint64_t)q->block : 1;
        nblk = (dim + bs - 1) / bs;
    }
    int fp8 = x->src.dt >= OX_F8E4M3FN && x->src.dt <= OX_F8E5M2FNUZ;
    double buf[CHUNK];
    for (uint64_t i = 0; i < x->count; i += CHUNK) {
        uint64_t n = x->count - i < CHUNK ? x->count - i : CHUNK;
        ox_decode(&xs, i, n, buf);
        for (uint64_t k = 0; k < n; k++) {
            uint64_t j = i + k, si = 0;
            if (se->count > 1) {
                uint64_t in = j % inner, a = j / inner % dim, out = j / inner / dim;
                si = q->block > 0 ? (out * nblk + a / bs) * inner + in : a;
            }
            double zv = z && !fp8 ? z[si] : 0;
            /* onnxruntime: static_cast<float>(x - zp) * scale, in float */
            float d = (float)(buf[k] - zv), y = d * (float)s[si];
            store(dst, as_double, j, ox_round_to(se->src.dt, y));
        }
    }
    free(s);
    free(z);
    return 0;
}

/* MatMulNBits: the weight [K, N] from B [N, k_blocks, blob]. */
static int read_mnb(loader_file *f, ox_priv *p, const ox_quant *q, void *dst, int as_double, util_err *err)
{
    ox_ent *be = &p->ents[q->x], *se = &p->ents[q->scale];
    ox_ent *ze = q->zp != NONE ? &p->ents[q->zp] : NULL, *ge = q->gidx != NONE ? &p->ents[q->gidx] : NULL;
    uint64_t K = (uint64_t)q->K, N = (uint64_t)q->N, bits = (uint64_t)q->bits, bs = (uint64_t)q->bs;
    uint64_t nb = (K + bs - 1) / bs, blob = bs * bits / 8, zrow = (nb * bits + 7) / 8;
    unsigned mask = (1u << bits) - 1;
    unsigned char *bown = NULL, *zown = NULL;
    const unsigned char *B = ent_bytes(f, p, be, &bown, err), *zb = NULL;
    double *s = B ? ent_all(f, p, se, err) : NULL, *zd = NULL, *g = NULL;
    int rc = -1;
    if (!s)
        goto out;
    int packed = ze && ze->src.dt == OX_UINT8 && !(ze->src.dt == se->src.dt);
    if (ze && packed && !(zb = ent_bytes(f, p, ze, &zown, err)))
        goto out;
    if (ze && !packed && !(zd = ent_all(f, p, ze, err)))
        goto out;
    if (ge) {
        if (!(g = ent_all(f, p, ge, err)))
            goto out;
        for (uint64_t k = 0; k < K; k++)
            if (!(g[k] >= 0 && g[k] < (double)nb)) {
                util_err_set(err, "%s: %s: g_idx[%llu] = %g is not a block of 0..%llu", f->path, be->name,
                             (unsigned long long)k, g[k], (unsigned long long)(nb - 1));
                goto out;
            }
    }
    for (uint64_t n = 0; n < N; n++) {
        const unsigned char *col = B + n * nb * blob;
        for (uint64_t k = 0; k < K; k++) {
            uint64_t blk = g ? (uint64_t)g[k] : k / bs, pos = (k % bs) * bits + (k / bs) * blob * 8;
            unsigned code = (col[pos / 8] >> (pos % 8)) & mask;
            double zv = (double)(1u << (bits - 1));
            if (zb) {
                uint64_t zp = blk * bits;
                zv = (zb[n * zrow + zp / 8] >> (zp % 8)) & mask;
            } else if (zd)
                zv = zd[n * nb + blk];
            /* (code - zero point) * scale in float, as onnxruntime */
            float d = (float)code - (float)zv, y = d * (float)s[n * nb + blk];
            store(dst, as_double, k * N + n, ox_round_to(se->src.dt, y));
        }
    }
    rc = 0;
out:
    free(bown);
    free(zown);
    free(s);
    free(zd);
    free(g);
    return rc;
}

static int onnx_read(loader_file *f, size_t i, void *dst, int as_double, util_err *err)
{
    ox_priv *p = f->priv;
    loader_tensor *t = &f->tensors[i];
    ox_ent *e = &p->ents[(uintptr_t)t->priv - 1];
    if (!t->readable) {
        util_err_set(err, "%s: %s: values not readable (%s)", f->path, t->name, t->type_note ? t->type_note : "?");
        return -1;
    }
    if (e->role == R_QUANT)
        return p->qs[e->q].op == 'D' ? read_dq(f, p, &p->qs[e->q], dst, as_double, err)
                                     : read_mnb(f, p, &p->qs[e->q], dst, as_double, err);
    return read_plain(f, p, e, dst, as_double, err);
}

static void onnx_close(loader_file *f)
{
    ox_priv *p = f->priv;
    if (p) {
        if (p->model)
            onnx__model_proto__free_unpacked(p->model, NULL);
        loader_unmap(&p->map);
        free(p->ents);
        free(p->qs);
        free(p->nodes);
        loader_names_free(&p->byname);
        for (size_t i = 0; i < p->next; i++) {
            if (p->ext[i].mapped)
                file_unmap(&p->ext[i].map);
            free(p->ext[i].path);
        }
        free(p->ext);
        for (size_t i = 0; i < p->nstrs; i++)
            free(p->strs[i]);
        free(p->strs);
        free(p);
    }
    f->priv = NULL;
}

const loader_format onnx_format = {
    .name = "onnx",
    .extensions = ".onnx",
    .probe = onnx_probe,
    .open = onnx_open,
    .read = onnx_read,
    .grid = onnx_grid,
    .raw = onnx_raw,
    .close = onnx_close,
};
