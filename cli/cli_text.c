/* Plain text for the character RNN (see cli_text.h). The text
 * representation (music/cad_repr_text.h) already turns bytes into
 * classes and back; here is what the command adds: which files are plain
 * text, how one is split into training and validation text, and sampling
 * characters from a model into a text file.
 *
 * The split: the last vsplit of each file is its validation text. A
 * text has no pieces to hold out, and its end is as far from its start as
 * a split of one file can be, so the model is measured on text it has not
 * read, as the benchmark splits do for music. A long text is cut into
 * sequences of at most CAD_SEQ_MAX_STEPS characters (each starts from
 * silence; training cuts them much shorter anyway, --seq-len). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cad_file.h"
#include "cad_repr_text.h"
#include "cli_text.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cad_cli_text_is_plain(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           !ends_with(path, ".mid") && !ends_with(path, ".midi") &&
           !ends_with(path, ".MID") && !ends_with(path, ".json");
}

/* Where a file of len characters is cut: [0, cut) trains, [cut, len)
 * validates. */
static size_t cut_at(size_t len, double vsplit)
{
    size_t v = (size_t)((double)len * vsplit);
    return len - (v < len ? v : len);
}

/* Appends bytes [a, b) of text as sequences of at most the longest one. */
static int push_text(const cad_repr *r, const uint8_t *text, size_t a,
                     size_t b, cad_seq_set *out, cad_error *e)
{
    while (a < b) {
        size_t n = b - a < CAD_SEQ_MAX_STEPS ? b - a : CAD_SEQ_MAX_STEPS;
        cad_seq q;
        if (cad_text_encode_bytes(r, text + a, n, &q, e))
            return -1;
        if (cad_seq_set_push(out, &q, e)) {
            cad_seq_free(&q);
            return -1;
        }
        a += n;
    }
    return 0;
}

int cad_cli_text_data(cad_repr *r, const char *const *paths, int n,
                      double vsplit, cad_seq_set *train, cad_seq_set *valid)
{
    cad_error e;
    uint8_t **text = calloc((size_t)n, sizeof *text);
    size_t *len = calloc((size_t)n, sizeof *len), total = 0;
    uint8_t *all = NULL;
    int rc = -1;
    if (!text || !len) {
        fprintf(stderr, "cadenza train: out of memory\n");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (!cad_cli_text_is_plain(paths[i])) {
            fprintf(stderr, "cadenza train: %s: not a text file (plain text "
                            "and MIDI data cannot be mixed)\n", paths[i]);
            goto out;
        }
        if (cad_file_read_all(paths[i], CAD_CLI_TEXT_MAX, &text[i], &len[i],
                              &e)) {
            fprintf(stderr, "cadenza train: %s\n", e.msg);
            goto out;
        }
        total += cut_at(len[i], vsplit);
    }
    /* the vocabulary: every character of the training parts */
    all = calloc(total ? total : 1, 1);
    if (!all) {
        fprintf(stderr, "cadenza train: out of memory\n");
        goto out;
    }
    for (size_t i = 0, at = 0; i < (size_t)n; i++) {
        memcpy(all + at, text[i], cut_at(len[i], vsplit));
        at += cut_at(len[i], vsplit);
    }
    int bad = cad_text_fit_bytes(r, all, total, &e);
    if (bad) {
        fprintf(stderr, "cadenza train: %s\n", e.msg);
        goto out;
    }
    train->layout = valid->layout = r->layout;
    for (int i = 0; i < n; i++) {
        size_t cut = cut_at(len[i], vsplit);
        if (push_text(r, text[i], 0, cut, train, &e) ||
            push_text(r, text[i], cut, len[i], valid, &e)) {
            fprintf(stderr, "cadenza train: %s: %s\n", paths[i], e.msg);
            goto out;
        }
        printf("data: %s: %zu characters of training text, %zu of "
               "validation text\n", paths[i], cut, len[i] - cut);
    }
    if (cad_seq_set_total_steps(train) == 0) {
        fprintf(stderr, "cadenza train: no training text\n");
        goto out;
    }
    printf("data: %ld training characters, %ld validation characters, %d "
           "distinct characters\n", cad_seq_set_total_steps(train),
           cad_seq_set_total_steps(valid), r->layout.field[0].size);
    rc = 0;
out:
    free(all);
    for (int i = 0; text && i < n; i++)
        free(text[i]);
    free(text);
    free(len);
    return rc;
}

int cad_cli_text_split(const cad_repr *r, const char *path, const char *split,
                       double vsplit, cad_seq_set *out, cad_error *e)
{
    uint8_t *text;
    size_t len;
    if (cad_file_read_all(path, CAD_CLI_TEXT_MAX, &text, &len, e))
        return -1;
    size_t cut = cut_at(len, vsplit), a = 0, b = len;
    if (strcmp(split, "train") == 0)
        b = cut;
    else if (strcmp(split, "valid") == 0)
        a = cut;
    else if (strcmp(split, "all") != 0) {
        free(text);
        return cad_error_set(e, "a text file has the splits train, valid "
                                "and all, not '%s'", split);
    }
    out->layout = r->layout;
    int rc = push_text(r, text, a, b, out, e);
    free(text);
    return rc;
}

int cad_cli_text_sample(const cad_model *m, const cad_repr *r,
                        const char *primer, long n, float temp, uint64_t seed,
                        char **out, cad_error *e)
{
    const int V = m->cfg.n_in;
    if (r->layout.n_fields != 1 || r->layout.field[0].size != V ||
        m->cfg.head != CAD_HEAD_SOFTMAX)
        return cad_error_set(e, "not a character model");
    cad_gen *g = cad_gen_new(m, e);
    uint8_t *frame = calloc((size_t)V, 1);
    cad_seq q = {0}, p = {0};
    int rc = -1;
    if (!g || !frame || cad_seq_init(&q, n > 0 ? (int)n : 1, 1, e)) {
        if (g && !frame)
            cad_error_set(e, "out of memory");
        goto done;
    }
    /* the primer's characters first, as if the model had written them */
    if (primer && *primer) {
        if (cad_text_encode_bytes(r, (const uint8_t *)primer, strlen(primer),
                                  &p, e))
            goto done;
        for (int t = 0; t < p.T; t++) {
            memset(frame, 0, (size_t)V);
            frame[(int)p.v[t]] = 1;
            cad_gen_observe(g, frame);
        }
    }
    cad_rng rng;
    cad_rng_seed(&rng, seed);
    cad_sample_params sp = {.temperature = temp, .top_p = 1.0f};
    for (long t = 0; t < n; t++) {
        cad_gen_sample(g, &sp, &rng, frame);
        int c = 0;
        while (c < V - 1 && !frame[c])
            c++;
        q.v[t] = (float)c;
    }
    q.T = (int)n;
    size_t len;
    rc = cad_text_decode_bytes(r, &q, out, &len, e);
done:
    cad_seq_free(&q);
    cad_seq_free(&p);
    free(frame);
    cad_gen_free(g);
    return rc;
}

int cad_cli_text_generate(const cad_model *m, const char *primer_path, long n,
                          float temp, uint64_t seed, const char *out)
{
    cad_error e;
    cad_repr *r = NULL;
    uint8_t *primer = NULL;
    size_t plen = 0;
    char *text = NULL;
    int rc = 1;
    if (cad_repr_from_meta(&m->meta, &r, &e) ||
        (primer_path && cad_file_read_all(primer_path, CAD_CLI_TEXT_MAX,
                                          &primer, &plen, &e))) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    size_t ol = strlen(out);
    if (ol < 4 || strcmp(out + ol - 4, ".txt") != 0) {
        fprintf(stderr, "cadenza generate: a model of plain text writes "
                        "text: -o NAME.txt, not %s\n", out);
        goto out;
    }
    if (r->kind != cad_repr_find("text")) {
        fprintf(stderr, "cadenza generate: -o %s: a text output needs a "
                        "model of the text representation, not %s\n", out,
                r->kind->name);
        goto out;
    }
    /* the primer as a C string: up to its first NUL */
    char *p = primer ? realloc(primer, plen + 1) : NULL;
    if (p) {
        p[plen] = 0;
        primer = (uint8_t *)p;
    }
    if (cad_cli_text_sample(m, r, p, n, temp, seed, &text, &e) ||
        cad_file_write_atomic(out, text, strlen(text), &e)) {
        fprintf(stderr, "cadenza generate: %s\n", e.msg);
        goto out;
    }
    printf("wrote %s: %ld characters%s\n", out, n,
           cad_model_get_meta(m, "text.plain") ? "" : " of music as text "
           "(`cadenza text --decode` reads it back)");
    rc = 0;
out:
    free(text);
    free(primer);
    cad_repr_free(r);
    return rc;
}
