/*
 * Test-only stand-in for Alpine's libstdc++/libgcc packages. Bun's musl builds link libstdc++.so.6
 * and libgcc_s.so.1 dynamically; Debian ships those only for glibc. This shim, built with musl-gcc
 * and named like glibc's loader (which glibc's libstdc++ lists as NEEDED), supplies the handful of
 * glibc-only symbols that glibc's libstdc++/libgcc_s reference, so the unmodified musl executable
 * runs under Debian's musl loader. On Alpine: `apk add libstdc++ libgcc` instead.
 */
#include <link.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

char __libc_single_threaded = 0;

uint32_t arc4random(void) {
  uint32_t v = 0;
  getrandom(&v, sizeof v, 0);
  return v;
}

void arc4random_buf(void *p, size_t n) { getrandom(p, n, 0); }

size_t __strftime_l(char *s, size_t max, const char *fmt, const struct tm *tm, locale_t loc) {
  return strftime_l(s, max, fmt, tm, loc);
}

/* Thread-local destructors are not run; acceptable for the short test runs this serves. */
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso) {
  (void)dtor;
  (void)obj;
  (void)dso;
  return 0;
}

/* -1 makes libgcc's unwinder fall back to dl_iterate_phdr, which musl has. */
int _dl_find_object(void *pc, void *result) {
  (void)pc;
  (void)result;
  return -1;
}

struct cpu_model { unsigned vendor, type, subtype; unsigned features[1]; } __cpu_model;
int __cpu_indicator_init(void) { return 0; }
