/* Whole-file reads and atomic writes.
 *
 * An atomic write goes to a temp file next to the target (same directory,
 * so same file system, so rename() is atomic), is fsync'ed, and only then
 * renamed over the target. Whatever fails along the way, the temp file is
 * removed and the old target is left exactly as it was. */
#include "cad_file.h"

#include <errno.h>
#include <fcntl.h>
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
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
        close(fd);
        return cad_error_set(e, "%s: file too big (%lld bytes, limit %zu)",
                             path, (long long)st.st_size, max_bytes);
    }

    /* Regular files: st_size is a good first guess. Pipes and files that
     * grow while we read still work, and still stop at max_bytes. */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
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

/* pid keeps two processes apart, the counter two threads or two calls. */
static atomic_uint cad_file_counter;

char *cad_file_temp_path(const char *path)
{
    unsigned k = atomic_fetch_add(&cad_file_counter, 1u);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    /* "<dir>/.<base>.tmp-<pid>-<k>": hidden, and clearly ours if a crash
     * ever leaves one behind. */
    size_t cap = strlen(path) + 64;
    char *tmp = malloc(cap);
    if (!tmp)
        return NULL;
    snprintf(tmp, cap, "%.*s.%s.tmp-%ld-%u", (int)dirlen, path, base,
             (long)getpid(), k);
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

/* rename() the synced temp file over path; on failure remove the temp. */
static int cad_file_rename_into(const char *tmp_path, const char *path,
                                cad_error *e)
{
    if (rename(tmp_path, path) != 0) {
        int err = errno;
        unlink(tmp_path);
        return cad_error_set(e, "%s: cannot replace file: %s", path,
                             strerror(err));
    }
    cad_file_sync_dir(path);
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
