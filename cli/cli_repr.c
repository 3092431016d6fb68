/* Data for models of any representation but the piano roll
 * (music/cad_repr.h): reading MIDI folders as scores, split as the
 * piano-roll loader splits them (train.txt / valid.txt when the folder has
 * them), and encoding them into sequences. Composing with any model is
 * model/compose/'s. */
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
