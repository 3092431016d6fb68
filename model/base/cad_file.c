/* Whole-file reads and atomic writes.
 *
 * An atomic write goes to a temp file next to the target (same directory,
 * so same file system, so rename() is atomic), is fsync'ed, and only then
 * renamed over the target. Whatever fails along the way, the temp file is
 * removed and the old target is left exactly as it was. */
#include "cad_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading ---------------------------------------------------------- */

int cad_file_read_all(const char *path, size_t max_bytes, uint8_t **data,
                      size_t *len, cad_error *e)
{
    *data = NULL;
    *len = 0;
    if (max_bytes == SIZE_MAX)
        max_bytes--; /* so that max_bytes + 1 below cannot wrap */
    /* O_NONBLOCK so that opening a FIFO nobody writes to cannot hang us;
     * it is switched off again once we know what we opened. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cad_error_set(e, "%s: cannot open: %s", path, strerror(errno));
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return cad_error_set(e, "%s: cannot stat: %s", path, strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return cad_error_set(e, "%s: is a directory, not a file", path);
    }
    /* /dev/zero or /dev/urandom would be read up to max_bytes (gigabytes,
     * seconds, inside a host's process for the plugin) before the size
     * check; a FIFO could block. Only a regular file has a size to check
     * before reading. */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cad_error_set(e, "%s: is not a regular file (a device, FIFO "
                                "or socket); refusing to read it", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return cad_error_set(e, "%s: file too big (%lld bytes, limit %zu)",
                             path, (long long)st.st_size, max_bytes);
    }

    /* st_size is a good first guess; a file that grows while we read
     * still stops at max_bytes. */
    size_t cap = (size_t)st.st_size + 1;
    if (cap > max_bytes + 1)
        cap = max_bytes + 1;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf) {
        close(fd);
        return cad_error_set(e, "%s: out of memory reading %zu bytes", path,
                             cap);
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (cap > max_bytes)
                break; /* caught by the size check below */
            size_t ncap = cap > max_bytes / 2 ? max_bytes + 1 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                close(fd);
                return cad_error_set(e, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            free(buf);
            close(fd);
            return cad_error_set(e, "%s: read error: %s", path,
                                 strerror(err));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n > max_bytes) {
        free(buf);
        return cad_error_set(e, "%s: file too big (more than %zu bytes)",
                             path, max_bytes);
    }
    *data = buf;
    *len = n;
    return 0;
}

/* ---- temp files and commit -------------------------------------------- */

int cad_file_peek(const char *path, void *buf, size_t n, size_t *got,
                  uint64_t *size, cad_error *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cad_error_set(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = cad_error_set(e, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = cad_error_set(e, "%s: is a directory, not a file", path);
    else if (!S_ISREG(st.st_mode))
        rc = cad_error_set(e, "%s: is not a regular file (a device, FIFO "
                              "or socket); refusing to read it", path);
    *got = 0;
    while (rc == 0 && *got < n) {
        ssize_t r = pread(fd, (char *)buf + *got, n - *got, (off_t)*got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = cad_error_set(e, "%s: read error: %s", path,
                               strerror(errno));
        if (r <= 0)
            break;
        *got += (size_t)r;
    }
    *size = rc == 0 ? (uint64_t)st.st_size : 0;
    close(fd);
    return rc;
}

/* ---- where an output goes ------------------------------------------- */

/* The folder part of path ("." when it has none), malloc'd. */
static char *cad_file_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *cad_file_target(const char *path, cad_error *e)
{
    char *cur = strdup(path);
    /* 40 is the kernel's own limit on links followed in one lookup. */
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur; /* a new name, a real file, or an error for later */
        char link[4096];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) {
            cad_error_set(e, "%s: cannot read the link: %s", path,
                          strerror(errno));
            free(cur);
            return NULL;
        }
        link[n] = '\0';
        char *next;
        if (link[0] == '/') {
            next = strdup(link);
        } else {
            char *dir = cad_file_dir_of(cur);
            size_t cap = dir ? strlen(dir) + (size_t)n + 2 : 0;
            next = dir ? malloc(cap) : NULL;
            if (next)
                snprintf(next, cap, "%s/%s", dir, link);
            free(dir);
        }
        free(cur);
        cur = next;
    }
    if (!cur) {
        cad_error_set(e, "%s: out of memory", path);
        return NULL;
    }
    free(cur);
    cad_error_set(e, "%s: too many levels of symbolic links", path);
    return NULL;
}

/* target (already resolved) is a regular file or a new name. */
static int cad_file_check_target(const char *path, const char *target,
                                 cad_error *e)
{
    struct stat st;
    if (stat(target, &st) != 0)
        return 0; /* new: the folder's checks come when it is created */
    if (S_ISREG(st.st_mode))
        return 0;
    const char *kind = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    if (strcmp(path, target) != 0)
        return cad_error_set(e, "%s: links to %s, which is %s; refusing to "
                                "replace it", path, target, kind);
    return cad_error_set(e, "%s: is %s; refusing to replace it (outputs "
                            "must be regular files or new names)", path,
                         kind);
}

int cad_file_check_output(const char *path, cad_error *e)
{
    char *target = cad_file_target(path, e);
    if (!target)
        return -1;
    int rc = cad_file_check_target(path, target, e);
    if (rc == 0) {
        char *dir = cad_file_dir_of(target);
        struct stat st;
        if (!dir)
            rc = cad_error_set(e, "%s: out of memory", path);
        else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = cad_error_set(e, "%s: the folder %s does not exist", path,
                               dir);
        else if (access(dir, W_OK) != 0)
            rc = cad_error_set(e, "%s: cannot write in the folder %s: %s",
                               path, dir, strerror(errno));
        free(dir);
    }
    free(target);
    return rc;
}

int cad_file_same(const char *a, const char *b)
{
    cad_error e;
    char *ta = cad_file_target(a, &e), *tb = cad_file_target(b, &e);
    int same = 0;
    struct stat sa, sb;
    if (!ta || !tb) {
        same = 0;
    } else if (stat(ta, &sa) == 0) {
        same = stat(tb, &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
    } else if (stat(tb, &sb) != 0) {
        /* Neither exists yet: the same name in the same folder. */
        char *da = cad_file_dir_of(ta), *db = cad_file_dir_of(tb);
        const char *na = strrchr(ta, '/'), *nb = strrchr(tb, '/');
        na = na ? na + 1 : ta;
        nb = nb ? nb + 1 : tb;
        same = da && db && strcmp(na, nb) == 0 && stat(da, &sa) == 0 &&
               stat(db, &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
        free(da);
        free(db);
    }
    free(ta);
    free(tb);
    return same;
}

/* ---- temp files and commit -------------------------------------------- */

/* Removes ".<base>.tmp-<pid>-<k>" files in dir whose process is gone: a
 * save killed between creating its temp file and the rename leaves one.
 * Only our own naming, and never a live process's (it may be saving). */
static void cad_file_remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char prefix[4096];
    int pl = snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
    struct dirent *de;
    while (pl > 0 && (size_t)pl < sizeof prefix && (de = readdir(d))) {
        if (strncmp(de->d_name, prefix, (size_t)pl) != 0)
            continue;
        char *end;
        long pid = strtol(de->d_name + pl, &end, 10);
        if (pid <= 0 || *end != '-' || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to ask about */
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
            (void)unlink(full);
    }
    closedir(d);
}

/* pid keeps two processes apart, the counter two threads or two calls. */
static atomic_uint cad_file_counter;

char *cad_file_temp_path(const char *path)
{
    cad_error e;
    char *target = cad_file_target(path, &e);
    if (target)
        path = target; /* else commit reports the link problem */
    unsigned k = atomic_fetch_add(&cad_file_counter, 1u);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    char *dir = cad_file_dir_of(path);
    if (dir)
        cad_file_remove_stale(dir, base);
    free(dir);
    /* "<dir>/.<base>.tmp-<pid>-<k>": hidden, and clearly ours if a crash
     * ever leaves one behind. */
    size_t cap = strlen(path) + 64;
    char *tmp = malloc(cap);
    if (tmp)
        snprintf(tmp, cap, "%.*s.%s.tmp-%ld-%u", (int)dirlen, path, base,
                 (long)getpid(), k);
    free(target);
    return tmp;
}

/* The directory entry itself must reach the disk too, or a crash right
 * after rename() could bring back the old name. Best effort: some file
 * systems refuse fsync on a directory, and the data is already safe. */
static void cad_file_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* rename() the synced temp file over path (over its target when path is
 * a symbolic link); on failure remove the temp. */
static int cad_file_rename_into(const char *tmp_path, const char *path,
                                cad_error *e)
{
    char *target = cad_file_target(path, e);
    if (!target || cad_file_check_target(path, target, e)) {
        free(target);
        unlink(tmp_path);
        return -1;
    }
    if (rename(tmp_path, target) != 0) {
        int err = errno;
        unlink(tmp_path);
        free(target);
        return cad_error_set(e, "%s: cannot replace file: %s", path,
                             strerror(err));
    }
    cad_file_sync_dir(target);
    free(target);
    return 0;
}

int cad_file_commit(const char *tmp_path, const char *path, cad_error *e)
{
    int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        unlink(tmp_path);
        return cad_error_set(e, "%s: cannot reopen temp file %s: %s", path,
                             tmp_path, strerror(err));
    }
    if (fsync(fd) != 0) {
        int err = errno;
        close(fd);
        unlink(tmp_path);
        return cad_error_set(e, "%s: fsync failed: %s", path, strerror(err));
    }
    close(fd);
    return cad_file_rename_into(tmp_path, path, e);
}

/* ---- atomic write ----------------------------------------------------- */

int cad_file_write_atomic(const char *path, const void *data, size_t len,
                          cad_error *e)
{
    /* A device or FIFO is refused before anything is written: /dev/full
     * must not become a regular file, nor a FIFO's reader see half a file. */
    char *target = cad_file_target(path, e);
    int bad = !target || cad_file_check_target(path, target, e);
    free(target);
    if (bad)
        return -1;
    char *tmp = cad_file_temp_path(path);
    if (!tmp)
        return cad_error_set(e, "%s: out of memory", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int err = errno;
        cad_error_set(e, "%s: cannot create temp file %s: %s", path, tmp,
                      strerror(err));
        free(tmp);
        return -1;
    }
    const uint8_t *p = data;
    size_t done = 0;
    int err = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            break;
        }
        done += (size_t)w;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    /* close() can report a delayed write error (NFS): it counts too. */
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlink(tmp);
        cad_error_set(e, "%s: write failed after %zu of %zu bytes: %s", path,
                      done, len, strerror(err));
        free(tmp);
        return -1;
    }
    int rc = cad_file_rename_into(tmp, path, e);
    free(tmp);
    return rc;
}
