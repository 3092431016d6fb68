/* See cad_rt.h. glibc exports its allocator under __libc_* names, so the
 * replacements can forward without dlsym (which itself allocates). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "cad_rt.h"

static __thread int armed;
static long count;
static const char *last = "";
static int (*real_lock)(pthread_mutex_t *);

static void hit(const char *what)
{
    if (armed) {
        count++;
        last = what;
    }
}

void cad_rt_init(void)
{
    real_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT,
                                                   "pthread_mutex_lock");
}
void cad_rt_arm(int on) { armed = on; }
long cad_rt_count(void) { return count; }
const char *cad_rt_last(void) { return last; }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* Under a sanitizer the allocator is the sanitizer's, and replacing it
 * would hand its blocks to glibc's free. Its hooks see every allocation
 * and release instead (realloc shows as both). */
/* From the sanitizer runtime (gcc ships no header for it). */
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    hit("malloc");
}
static void on_free(const volatile void *p)
{
    if (p)
        hit("free");
}
__attribute__((constructor)) static void install_hooks(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t a, size_t n);

void *malloc(size_t n)
{
    hit("malloc");
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
    hit("calloc");
    return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
    hit("realloc");
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        hit("free");
    __libc_free(p);
}
void *memalign(size_t a, size_t n)
{
    hit("memalign");
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    hit("aligned_alloc");
    return __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n)
{
    hit("posix_memalign");
    void *p = __libc_memalign(a, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#endif
int pthread_mutex_lock(pthread_mutex_t *m)
{
    hit("pthread_mutex_lock");
    if (!real_lock)
        cad_rt_init();
    return real_lock(m);
}
