/* Data and composition for models of any representation but the piano
 * roll (music/cad_repr.h): reading MIDI folders as scores, split as the
 * piano-roll loader splits them (train.txt / valid.txt when the folder has
 * them), encoding them into sequences, and composing step by step with a
 * model whose steps a representation decodes into music. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_repr.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int push_score(cad_cli_scores *s, cad_score *sc)
{
    cad_score *p = realloc(s->s, sizeof *p * (size_t)(s->n + 1));
    if (!p)
        return -1;
    s->s = p;
    s->s[s->n++] = *sc;
    return 0;
}

static void read_one(const char *path, cad_cli_scores *out, int *bad)
{
    cad_score sc;
    cad_error e;
    if (cad_score_read(path, NULL, &sc, &e)) {
        fprintf(stderr, "cadenza: skipping %s\n", e.msg);
        (*bad)++;
        return;
    }
    if (sc.n_notes == 0 || push_score(out, &sc)) {
        cad_score_free(&sc);
        (*bad)++;
    }
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cad_cli_load_scores(const char *path, const char *split,
                        cad_cli_scores *out, int *found)
{
    struct stat st;
    int bad = 0;
    *found = 0;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "cadenza: %s: no such file or folder\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) { /* one MIDI file: training data only */
        if (strcmp(split, "train") == 0) {
            read_one(path, out, &bad);
            *found = 1;
        }
        return bad ? -1 : 0;
    }
    char list[8192];
    snprintf(list, sizeof list, "%s/%s.txt", path, split);
    FILE *f = fopen(list, "r");
    if (f) {
        char line[4096], file[8192];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            if (!line[0] || line[0] == '#')
                continue;
            snprintf(file, sizeof file, "%s/%s", path, line);
            read_one(file, out, &bad);
        }
        fclose(f);
        *found = 1;
    } else if (strcmp(split, "train") == 0) { /* every file, in name order */
        DIR *d = opendir(path);
        if (!d) {
            fprintf(stderr, "cadenza: %s: cannot read the folder\n", path);
            return -1;
        }
        char **names = NULL;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!ends_with(de->d_name, ".mid") && !ends_with(de->d_name, ".midi"))
                continue;
            char **p = realloc(names, sizeof *p * (size_t)(n + 1));
            if (!p || !(p[n] = strdup(de->d_name))) {
                names = p ? p : names;
                break;
            }
            names = p;
            n++;
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof *names, cmp_name);
        for (int i = 0; i < n; i++) {
            char file[8192];
            snprintf(file, sizeof file, "%s/%s", path, names[i]);
            read_one(file, out, &bad);
            free(names[i]);
        }
        free(names);
        *found = 1;
    }
    if (bad)
        fprintf(stderr, "cadenza: %d file(s) of %s (%s) could not be read or "
                        "had no notes\n", bad, path, split);
    return 0;
}

void cad_cli_scores_free(cad_cli_scores *s)
{
    for (int i = 0; i < s->n; i++)
        cad_score_free(&s->s[i]);
    free(s->s);
    s->s = NULL;
    s->n = 0;
}

int cad_cli_encode_scores(const cad_repr *r, const cad_cli_scores *s,
                          cad_seq_set *out, cad_error *e)
{
    out->layout = r->layout;
    for (int i = 0; i < s->n; i++) {
        cad_seq q;
        if (r->kind->encode(r, &s->s[i], &q, e))
            return -1;
        if (q.T == 0) {
            cad_seq_free(&q);
            continue;
        }
        if (cad_seq_set_push(out, &q, e)) {
            cad_seq_free(&q);
            return -1;
        }
    }
    return 0;
}

/* ---- composing -------------------------------------------------------- */

/* A sampled 0/1 frame as the representation's step (the class of each
 * CLASS field, the bits of each BITS field), for models whose one head
 * covers the whole expanded step. */
static void frame_to_step(const cad_layout *l, const uint8_t *frame,
                          float *step)
{
    for (int i = 0; i < l->n_fields; i++) {
        const cad_field *f = &l->field[i];
        if (f->kind == CAD_FIELD_BITS) {
            for (int k = 0; k < f->size; k++)
                step[f->offset + k] = frame[k];
        } else {
            int c = 0;
            while (c < f->size && !frame[c])
                c++;
            step[f->offset] = c < f->size ? (float)c : 0.0f;
        }
        frame += f->size;
    }
}

int cad_cli_compose(const cad_model *m, const cad_repr *r,
                    const cad_cli_compose_opts *o, cad_score *out,
                    cad_error *e)
{
    const cad_layout *l = &r->layout;
    const int K = cad_layout_expanded_width(l);
    /* A fields head samples whole steps; the others sample a 0/1 frame,
     * which reads back as bits or one class. */
    const int by_step = m->cfg.head == CAD_HEAD_FIELDS;
    if (K != m->cfg.n_in || K != m->cfg.n_out)
        return cad_error_set(e, "the model reads %d values a step, its "
                                "representation %d", m->cfg.n_in, K);
    cad_gen *g = cad_gen_new(m, e);
    uint8_t *frame = calloc((size_t)K, 1);
    float *full = calloc((size_t)K, sizeof *full);
    cad_seq q = {0};
    int rc = -1, T = 0;
    if (!g || !frame || !full || cad_seq_init(&q, o->max_steps, l->width, e)) {
        if (g && (!frame || !full))
            cad_error_set(e, "out of memory");
        goto out;
    }
    /* the primer's steps first, as if the model had played them */
    if (o->primer) {
        cad_seq p;
        if (r->kind->encode(r, o->primer, &p, e))
            goto out;
        for (int t = 0; t < p.T && t < o->primer_steps; t++) {
            if (by_step) {
                cad_gen_observe_step(g, p.v + (long)t * p.width);
                continue;
            }
            cad_layout_expand(l, p.v + (long)t * p.width, full);
            for (int k = 0; k < K; k++)
                frame[k] = full[k] > 0.5f;
            cad_gen_observe(g, frame);
        }
        cad_seq_free(&p);
    }
    cad_rng rng;
    cad_rng_seed(&rng, o->seed);
    cad_sample_params sp = {o->temperature, 0.0f, NULL, 0};
    /* until the decoded music is long enough: checked every 16 steps */
    for (T = 0; T < o->max_steps; T++) {
        if (by_step) {
            cad_gen_sample_step(g, &sp, &rng, q.v + (long)T * l->width);
        } else {
            cad_gen_sample(g, &sp, &rng, frame);
            frame_to_step(l, frame, q.v + (long)T * l->width);
        }
        if (T % 16 == 15) {
            cad_seq part = {T + 1, l->width, q.v};
            cad_score sc;
            if (r->kind->decode(r, &part, &sc, e))
                goto out;
            double len = cad_score_length(&sc);
            cad_score_free(&sc);
            if (len >= o->beats)
                break;
        }
    }
    q.T = T < o->max_steps ? T + 1 : o->max_steps;
    rc = r->kind->decode(r, &q, out, e);
out:
    cad_seq_free(&q);
    free(frame);
    free(full);
    cad_gen_free(g);
    return rc;
}

/* ---- training data ---------------------------------------------------- */

int cad_cli_repr_data(cad_repr *r, const char *const *paths, int n,
                      double vsplit, cad_seq_set *train, cad_seq_set *valid)
{
    cad_cli_scores tr = {0}, va = {0};
    cad_error e;
    int rc = -1, has_valid = 0;
    for (int i = 0; i < n; i++) {
        int found, t0 = tr.n, v0 = va.n;
        if (cad_cli_load_scores(paths[i], "train", &tr, &found) ||
            cad_cli_load_scores(paths[i], "valid", &va, &found))
            goto out;
        has_valid |= found;
        printf("data: %s: %d training pieces, %d validation pieces\n",
               paths[i], tr.n - t0, va.n - v0);
    }
    if (tr.n == 0) {
        fprintf(stderr, "cadenza train: no training pieces found\n");
        goto out;
    }
    if (!has_valid && vsplit > 0 && tr.n > 1) {
        /* every k-th piece, in the data's order, becomes validation */
        int k = (int)(1.0 / vsplit + 0.5), kept = 0;
        k = k < 2 ? 2 : k;
        for (int i = 0; i < tr.n; i++) {
            if (i % k == k - 1) {
                if (push_score(&va, &tr.s[i]))
                    goto out;
            } else {
                tr.s[kept++] = tr.s[i];
            }
        }
        tr.n = kept;
    }
    if ((r->kind->fit && r->kind->fit(r, tr.s, tr.n, &e)) ||
        cad_cli_encode_scores(r, &tr, train, &e) ||
        cad_cli_encode_scores(r, &va, valid, &e)) {
        fprintf(stderr, "cadenza train: %s\n", e.msg);
        goto out;
    }
    train->layout = valid->layout = r->layout; /* after fit: its vocabulary */
    printf("data: %d training pieces (%ld %ss), %d validation pieces (%ld %ss) "
           "as %s\n", train->n, cad_seq_set_total_steps(train), r->kind->unit,
           valid->n, cad_seq_set_total_steps(valid), r->kind->unit,
           r->kind->name);
    rc = 0;
out:
    cad_cli_scores_free(&tr);
    cad_cli_scores_free(&va);
    return rc;
}
