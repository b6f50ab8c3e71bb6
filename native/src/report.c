/* Errors that carry errno and context, and the lines the shim reports. */
#include "shim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* No locale lookup and no allocation, so the forked child may use it: glibc's
 * strerrordesc_np, or musl's strerror (a static table). */
static const char *describe(int errnum) {
#ifdef __GLIBC__
  const char *d = strerrordesc_np(errnum);
#else
  const char *d = strerror(errnum);
#endif
  return d ? d : "Unknown error";
}

static size_t clamp(int n, size_t cap) {
  if (n < 0) return 0;
  return (size_t)n < cap ? (size_t)n : cap - 1;
}

static int vfail(struct shim_err *e, int errnum, const char *fmt, va_list ap) {
  size_t n = clamp(vsnprintf(e->msg, sizeof e->msg, fmt, ap), sizeof e->msg);
  if (errnum != 0) snprintf(e->msg + n, sizeof e->msg - n, ": %s", describe(errnum));
  e->errnum = errnum;
  return -1;
}

int fail(struct shim_err *e, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int wrap(struct shim_err *e, const char *fmt, ...) {
  char inner[sizeof e->msg];
  memcpy(inner, e->msg, sizeof inner);
  va_list ap;
  va_start(ap, fmt);
  size_t n = clamp(vsnprintf(e->msg, sizeof e->msg, fmt, ap), sizeof e->msg);
  va_end(ap);
  snprintf(e->msg + n, sizeof e->msg - n, ": %s", inner);
  return -1;
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* One line on the report pipe. The daemon may be gone (EPIPE, SIGPIPE is
 * ignored): the workload must not depend on anyone reading this. */
void say(const char *fmt, ...) {
  char line[sizeof ((struct shim_err *)0)->msg + 64];
  va_list ap;
  va_start(ap, fmt);
  size_t n = clamp(vsnprintf(line, sizeof line, fmt, ap), sizeof line);
  va_end(ap);
  (void)write_all(STDOUT_FILENO, line, n);
}

/* stderr is the state directory's shim.log once it is open. */
void warn_err(const struct shim_err *e) {
  char line[sizeof e->msg + 64];
  int n = snprintf(line, sizeof line, "aurae-shim[%d]: %s\n", (int)getpid(), e->msg);
  (void)write_all(STDERR_FILENO, line, clamp(n, sizeof line));
}

void warn(int errnum, const char *fmt, ...) {
  struct shim_err e;
  va_list ap;
  va_start(ap, fmt);
  vfail(&e, errnum, fmt, ap);
  va_end(ap);
  warn_err(&e);
}

int64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) < 0) return 0; /* cannot fail for CLOCK_REALTIME */
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
