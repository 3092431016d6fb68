/* See cad_ui_browse.h. */
#include "cad_ui_browse.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static int wanted(int which, const char *name)
{
    if (name[0] == '.')
        return 0; /* hidden, and our own half-written .NAME.tmp-* files */
    return which ? ends_with(name, ".sf2") || ends_with(name, ".sf3")
                 : ends_with(name, ".safetensors");
}

int cad_ui_browse_dirs(const char *bundle, int which,
                       char dirs[][CAD_UI_BROWSE_PATH], int max)
{
    int n = 0;
    const char *home = getenv("HOME");
    if (n < max && bundle && bundle[0])
        snprintf(dirs[n++], CAD_UI_BROWSE_PATH, "%s", bundle);
    if (n < max && home && home[0])
        snprintf(dirs[n++], CAD_UI_BROWSE_PATH, "%s/.local/share/cadenza",
                 home);
    if (n < max)
        snprintf(dirs[n++], CAD_UI_BROWSE_PATH, "/usr/local/share/cadenza");
    if (n < max)
        snprintf(dirs[n++], CAD_UI_BROWSE_PATH, "/usr/share/cadenza");
    if (which && n < max)
        snprintf(dirs[n++], CAD_UI_BROWSE_PATH, "/usr/share/sounds/sf2");
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cad_ui_browse_add_dir(cad_ui_browser *b, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[CAD_UI_BROWSE_MAX];
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && k < CAD_UI_BROWSE_MAX - b->n) {
        if (!wanted(b->which, e->d_name))
            continue;
        char path[CAD_UI_BROWSE_PATH];
        struct stat st;
        int len = snprintf(path, sizeof path, "%s%s%s", dir,
                           ends_with(dir, "/") ? "" : "/", e->d_name);
        if (len < 0 || (size_t)len >= sizeof path || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        names[k] = strdup(path);
        if (names[k])
            k++;
    }
    closedir(d);
    qsort(names, (size_t)k, sizeof *names, by_name);
    for (int i = 0; i < k; i++) {
        int dup = 0; /* a folder reached twice (a link): listed once */
        for (int j = 0; j < b->n && !dup; j++)
            dup = strcmp(b->files[j], names[i]) == 0;
        if (!dup)
            snprintf(b->files[b->n++], CAD_UI_BROWSE_PATH, "%s", names[i]);
        free(names[i]);
    }
    return k;
}

void cad_ui_browse_open(cad_ui_browser *b, const char *bundle, int which)
{
    b->open = 1;
    b->which = which;
    b->n = b->first = 0;
    b->hover = -1;
    char dirs[8][CAD_UI_BROWSE_PATH];
    int nd = cad_ui_browse_dirs(bundle, which, dirs, 8);
    for (int i = 0; i < nd; i++)
        cad_ui_browse_add_dir(b, dirs[i]);
}
