/* Finding training and evaluation data: piano-roll JSON files (split by
 * key) and folders of MIDI files (split by the folder's train.txt /
 * valid.txt / test.txt lists when present, as in ../shared/data/midi). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Reads the list file and loads every MIDI file it names. */
static int load_list(const char *dir, const char *list,
                     const cad_roll_opts *o, cad_roll_set *out)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return -1;
    char line[4096];
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, line);
        cad_roll r;
        cad_error e;
        if (cad_roll_from_midi_file(path, o, &r, &e)) {
            fprintf(stderr, "cadenza: skipping %s\n", e.msg);
            bad++;
            continue;
        }
        if (cad_roll_set_push(out, &r, &e)) {
            fclose(f);
            fprintf(stderr, "cadenza: %s\n", e.msg);
            return -2;
        }
    }
    fclose(f);
    if (bad)
        fprintf(stderr, "cadenza: %d file(s) in %s could not be read\n", bad,
                list);
    return 0;
}

/* Moves every piece of add to the end of out (add ends up empty). */
static int append_set(cad_roll_set *out, cad_roll_set *add)
{
    cad_error e;
    int rc = 0;
    for (int i = 0; i < add->n; i++)
        if (rc || (rc = cad_roll_set_push(out, &add->pieces[i], &e)))
            cad_roll_free(&add->pieces[i]);
    if (rc)
        fprintf(stderr, "cadenza: %s\n", e.msg);
    cad_roll_set_free(add); /* only the array is left */
    return rc;
}

static int load_split_into(const char *path, const char *split,
                           const cad_roll_opts *o, cad_roll_set *out,
                           int *found);

/* The file and folder loaders start their set afresh; several DATA
 * arguments must add up, so each loads into a set of its own first. */
int cad_cli_load_split(const char *path, const char *split,
                       const cad_roll_opts *o, cad_roll_set *out,
                       int *found)
{
    cad_roll_set one = {0};
    if (load_split_into(path, split, o, &one, found)) {
        cad_roll_set_free(&one);
        return -1;
    }
    return append_set(out, &one);
}

static int load_split_into(const char *path, const char *split,
                           const cad_roll_opts *o, cad_roll_set *out,
                           int *found)
{
    struct stat st;
    cad_error e;
    *found = 0;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "cadenza: %s: no such file or folder\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!ends_with(path, ".json")) {
            fprintf(stderr, "cadenza: %s: data must be a folder of MIDI "
                            "files or a piano-roll .json file\n", path);
            return -1;
        }
        if (cad_roll_load_json(path, split, out, &e)) {
            /* A JSON file without this split is not an error for the
             * optional splits; the caller decides. */
            if (strstr(e.msg, "no split \"")) {
                if (!strcmp(split, "train")) {
                    fprintf(stderr, "cadenza: %s\n", e.msg);
                    return -1;
                }
                return 0;
            }
            fprintf(stderr, "cadenza: %s\n", e.msg);
            return -1;
        }
        *found = 1;
        return 0;
    }
    char list[8192];
    snprintf(list, sizeof list, "%s/%s.txt", path, split);
    if (stat(list, &st) == 0) {
        if (load_list(path, list, o, out))
            return -1;
        *found = 1;
        return 0;
    }
    if (strcmp(split, "train") != 0 && strcmp(split, "all") != 0)
        return 0; /* no list for this split: nothing */
    if (cad_roll_load_dir(path, o, out, &e)) {
        fprintf(stderr, "cadenza: %s\n", e.msg);
        return -1;
    }
    *found = 1;
    return 0;
}
