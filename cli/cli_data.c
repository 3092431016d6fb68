/* Finding training and evaluation data: piano-roll JSON files (split by
 * key) and folders of MIDI files (split by the folder's train.txt /
 * valid.txt / test.txt lists when present, as in ../shared/data/midi). */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- provenance ------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* Hashes a regular file's bytes into *h, adding its size to *bytes. */
static int hash_file(const char *path, uint64_t *h, uint64_t *bytes)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    unsigned char buf[65536];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        *h = fnv1a(*h, buf, (size_t)got);
        *bytes += (uint64_t)got;
    }
    close(fd);
    return got < 0 ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_folder(const char *dir, uint64_t *h, uint64_t *bytes,
                       int *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    int n = 0, rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char **nn = realloc(names, sizeof *names * (size_t)(n + 1));
        if (!nn || !(nn[n] = strdup(de->d_name))) {
            names = nn ? nn : names;
            rc = -1;
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        char path[8192];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!rc && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            *h = fnv1a(*h, names[i], strlen(names[i]) + 1);
            rc = hash_file(path, h, bytes);
            ++*files;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int cad_cli_describe_data(const char *const *paths, int n, char *out,
                          size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        struct stat st;
        uint64_t h = 0xcbf29ce484222325ULL, bytes = 0;
        int files = 0;
        const char *p = paths[i];
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        const char *name = p + len;
        while (name > p && name[-1] != '/')
            name--;
        int nlen = (int)(p + len - name);
        size_t at = strlen(out);
        if (stat(p, &st) != 0)
            return -1;
        if (S_ISDIR(st.st_mode)) {
            if (hash_folder(p, &h, &bytes, &files))
                return -1;
            snprintf(out + at, cap - at, "%s%.*s/ (%d files, %" PRIu64
                     " bytes, fnv1a64 %016" PRIx64 ")", i ? "; " : "", nlen,
                     name, files, bytes, h);
        } else {
            if (hash_file(p, &h, &bytes))
                return -1;
            snprintf(out + at, cap - at, "%s%.*s (%" PRIu64 " bytes, "
                     "fnv1a64 %016" PRIx64 ")", i ? "; " : "", nlen, name,
                     bytes, h);
        }
    }
    if (strlen(out) + 1 >= cap) /* cut: say so rather than refuse */
        memcpy(out + cap - 4, "...", 4);
    return 0;
}
