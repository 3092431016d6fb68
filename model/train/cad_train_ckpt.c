/* Checkpoints for --resume: the model's tensors plus the optimiser's
 * moment buffers (optim.m, optim.v) and, in the metadata, the epoch, the
 * optimiser step count, the RNG state (which draws the data order and the
 * dropout masks), the loop's early-stopping state and the data's
 * fingerprint, so a resumed run continues exactly as the uninterrupted one
 * would have. Doubles are written in hexadecimal (%a): exact, so that
 * "better than the best so far" compares the same numbers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cad_train.h"

int cad_trainer_save(const cad_trainer *t, const char *path, cad_error *e)
{
    cad_st_file f;
    if (cad_model_to_st(t->m, &f, e))
        return cad_error_prefix(e, "%s", path);
    int64_t n = t->m->n_params;
    char buf[128];
    int rc = -1;
    /* Views, not copies: the file is streamed from the trainer's memory. */
    if (t->opt.m && cad_st_add_view(&f, "optim.m", 1, &n, t->opt.m, e))
        goto out;
    if (t->opt.v && cad_st_add_view(&f, "optim.v", 1, &n, t->opt.v, e))
        goto out;
    snprintf(buf, sizeof buf, "%ld", t->epoch);
    if (cad_st_set_meta(&f, "train.epoch", buf, e))
        goto out;
    snprintf(buf, sizeof buf, "%ld", t->opt.step);
    if (cad_st_set_meta(&f, "train.optim_step", buf, e))
        goto out;
    snprintf(buf, sizeof buf, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64
                              "%016" PRIx64, t->rng.s[0], t->rng.s[1],
             t->rng.s[2], t->rng.s[3]);
    if (cad_st_set_meta(&f, "train.rng", buf, e))
        goto out;
    snprintf(buf, sizeof buf, "%a", t->best);
    if (cad_st_set_meta(&f, "train.loop_best", buf, e))
        goto out;
    snprintf(buf, sizeof buf, "%ld %ld", t->best_epoch, t->since_best);
    if (cad_st_set_meta(&f, "train.loop_best_epoch_since", buf, e))
        goto out;
    snprintf(buf, sizeof buf, "%016" PRIx64, t->data_hash);
    if (cad_st_set_meta(&f, "train.data_hash", buf, e))
        goto out;
    rc = cad_st_save(path, &f, e);
out:
    cad_st_free(&f);
    return rc;
}

static int restore_vec(const cad_st_file *f, const char *name, float *dst,
                       long n, cad_error *e)
{
    if (!dst)
        return 0;
    const cad_st_tensor *t = cad_st_find(f, name);
    if (!t || t->numel != n)
        return cad_error_set(e, "%s is missing or has the wrong size (was "
                                "the checkpoint made with another "
                                "optimiser?)", name);
    memcpy(dst, t->data, sizeof(float) * (size_t)n);
    return 0;
}

int cad_trainer_resume(cad_trainer *t, const char *path, cad_error *e)
{
    cad_st_file f;
    if (cad_st_load(path, &f, e))
        return -1;
    cad_model *m = NULL;
    int rc = -1;
    if (cad_model_from_st(&f, &m, e))
        goto out;
    if (m->n_params != t->m->n_params || m->cfg.n_layers != t->m->cfg.n_layers ||
        m->cfg.head != t->m->cfg.head) {
        cad_error_set(e, "the checkpoint's architecture differs from the "
                         "requested one");
        goto out;
    }
    for (int l = 0; l < m->cfg.n_layers; l++)
        if (m->cfg.hidden[l] != t->m->cfg.hidden[l]) {
            cad_error_set(e, "the checkpoint's layer %d has %d units, not %d",
                          l, m->cfg.hidden[l], t->m->cfg.hidden[l]);
            goto out;
        }
    memcpy(t->m->w, m->w, sizeof(float) * (size_t)m->n_params);
    if (restore_vec(&f, "optim.m", t->opt.m, m->n_params, e) ||
        restore_vec(&f, "optim.v", t->opt.v, m->n_params, e))
        goto out;
    const char *ep = cad_st_meta(&f, "train.epoch");
    const char *st = cad_st_meta(&f, "train.optim_step");
    const char *rs = cad_st_meta(&f, "train.rng");
    const char *lb = cad_st_meta(&f, "train.loop_best");
    const char *lbs = cad_st_meta(&f, "train.loop_best_epoch_since");
    const char *dh = cad_st_meta(&f, "train.data_hash");
    if (!ep || !st || !rs || strlen(rs) != 64) {
        cad_error_set(e, "not a training checkpoint (train.* metadata "
                         "missing)");
        goto out;
    }
    if (!lb || !lbs || !dh) {
        cad_error_set(e, "made by an older cadenza that did not record the "
                         "early-stopping state; resuming would not continue "
                         "the same run");
        goto out;
    }
    long best_epoch, since;
    if (sscanf(lbs, "%ld %ld", &best_epoch, &since) != 2) {
        cad_error_set(e, "train.loop_best_epoch_since is malformed");
        goto out;
    }
    if (strtoull(dh, NULL, 16) != t->data_hash) {
        cad_error_set(e, "the checkpoint was made on other data (other "
                         "files, --valid-split, --seed or representation "
                         "options)");
        goto out;
    }
    /* The provenance (best validation NLL so far, command, ...) carries
     * on with the run. */
    for (int i = 0; i < f.n_meta; i++) {
        const char *k = f.meta_keys[i];
        if (!strcmp(k, "train.epoch") || !strcmp(k, "train.optim_step") ||
            !strcmp(k, "train.rng") || !strncmp(k, "train.loop_", 11) ||
            !strcmp(k, "train.data_hash"))
            continue; /* the checkpoint's own bookkeeping */
        if (cad_model_set_meta(t->m, k, f.meta_vals[i])) {
            cad_error_set(e, "out of memory");
            goto out;
        }
    }
    t->best = strtod(lb, NULL);
    t->best_epoch = best_epoch;
    t->since_best = since;
    t->epoch = strtol(ep, NULL, 10);
    t->opt.step = strtol(st, NULL, 10);
    for (int i = 0; i < 4; i++) {
        char part[17];
        memcpy(part, rs + 16 * i, 16);
        part[16] = 0;
        t->rng.s[i] = strtoull(part, NULL, 16);
    }
    rc = 0;
out:
    cad_model_free(m);
    cad_st_free(&f);
    if (rc)
        cad_error_prefix(e, "%s", path);
    return rc;
}
