/* The log directory: the CRI log as segment files, each named by the global
 * byte offset at which it starts (20 decimal digits, then ".log"), so a
 * reader's position survives rotation. Records never span two segments: the
 * logger flushes its buffer into the old segment before rotating.
 *
 * Two shims may append to one directory for a while (a restarted
 * executable's previous run finishing as the next starts). Both use
 * O_APPEND and write whole buffers of whole records, so lines never
 * interleave, and each takes the segment's size from the file, not from its
 * own writes. A shim that finds a newer segment than its own when it rotates
 * joins that one rather than starting a third. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MIN_BYTES 4096

int opt_log_max_bytes(struct shim_opts *o, const char *value, struct shim_err *e) {
  unsigned long long n;
  if (!parse_uint(value, strlen(value), 10, INT64_MAX, &n) || n < LOG_MIN_BYTES)
    return fail(e, EINVAL, "--log-max-bytes %s: want a number of bytes, at least %d", value,
                LOG_MIN_BYTES);
  o->log.max_bytes = n;
  return 0;
}

int opt_log_max_files(struct shim_opts *o, const char *value, struct shim_err *e) {
  unsigned long long n;
  if (!parse_uint(value, strlen(value), 10, UINT32_MAX, &n) || n == 0)
    return fail(e, EINVAL, "--log-max-files %s: want a number of segments, at least 1", value);
  o->log.max_files = (unsigned long)n;
  return 0;
}

static void segment_name(char name[SEGMENT_NAME_LEN + 1], uint64_t start) {
  snprintf(name, SEGMENT_NAME_LEN + 1, "%020" PRIu64 ".log", start);
}

/* Anything else in the directory is not ours to count or delete. */
static bool parse_segment_name(const char *name, uint64_t *start) {
  unsigned long long v;
  if (strlen(name) != SEGMENT_NAME_LEN || strcmp(name + 20, ".log") != 0) return false;
  if (!parse_uint(name, 20, 10, UINT64_MAX, &v)) return false;
  *start = v;
  return true;
}

struct scan {
  unsigned long count;
  uint64_t oldest, newest;
};

static int scan_segments(struct log_dir *d, struct scan *s, struct shim_err *e) {
  *s = (struct scan){.oldest = UINT64_MAX};
  rewinddir(d->dir);
  for (;;) {
    errno = 0;
    struct dirent *ent = readdir(d->dir);
    if (ent == NULL && errno != 0) return fail(e, errno, "read log directory %s", d->path);
    if (ent == NULL) return 0;
    uint64_t start;
    if (!parse_segment_name(ent->d_name, &start)) continue;
    s->count++;
    if (start < s->oldest) s->oldest = start;
    if (start > s->newest) s->newest = start;
  }
}

/* Opens (or creates) the segment starting at `start` and makes it current. */
static int open_segment(struct log_dir *d, uint64_t start, struct shim_err *e) {
  char name[SEGMENT_NAME_LEN + 1];
  segment_name(name, start);
  int fd = openat(dirfd(d->dir), name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return fail(e, errno, "open log segment %s/%s", d->path, name);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    return fail(e, err, "stat log segment %s/%s", d->path, name);
  }
  if (d->fd >= 0) close(d->fd);
  d->fd = fd;
  d->start = start;
  d->size = (uint64_t)st.st_size;
  d->rotate_at = d->max_bytes;
  memcpy(d->name, name, sizeof d->name);
  return 0;
}

/* Deletes the oldest segments until max_files are left. Another shim may
 * delete the same one first (ENOENT): look again. */
static void prune(struct log_dir *d) {
  struct scan s;
  struct shim_err e = {0};
  while (scan_segments(d, &s, &e) == 0 && s.count > d->max_files) {
    char name[SEGMENT_NAME_LEN + 1];
    segment_name(name, s.oldest);
    if (unlinkat(dirfd(d->dir), name, 0) < 0 && errno != ENOENT) {
      warn(errno, "delete log segment %s/%s", d->path, name);
      return;
    }
  }
  if (e.errnum != 0) warn_err(&e);
}

/* A restarted executable continues its log: append to the newest segment. */
int log_dir_open(struct log_dir *d, const struct log_opts *o, struct shim_err *e) {
  *d = (struct log_dir){.path = o->dir, .max_bytes = o->max_bytes, .max_files = o->max_files, .fd = -1};
  if (mkdir(o->dir, 0750) < 0 && errno != EEXIST)
    return fail(e, errno, "create log directory %s", o->dir);
  d->dir = opendir(o->dir);
  if (d->dir == NULL) return fail(e, errno, "open log directory %s", o->dir);
  struct scan s;
  if (scan_segments(d, &s, e) < 0 || open_segment(d, s.count > 0 ? s.newest : 0, e) < 0) {
    closedir(d->dir);
    return -1;
  }
  prune(d); /* max_files may be smaller than the last run's */
  return 0;
}

/* The size comes from the file: another shim may append to it too. */
int log_dir_write(struct log_dir *d, const void *buf, size_t len) {
  if (write_all(d->fd, buf, len) < 0) return -1;
  struct stat st;
  d->size = fstat(d->fd, &st) == 0 ? (uint64_t)st.st_size : d->size + len;
  return 0;
}

/* Where the next segment starts: at the global end of the current one, or,
 * if another shim already started a newer one, in that one while it has
 * room for `need` more bytes, else at its end. */
static int next_start(struct log_dir *d, size_t need, uint64_t *start, struct shim_err *e) {
  struct scan s;
  *start = d->start + d->size;
  if (scan_segments(d, &s, e) < 0) return -1;
  if (s.count == 0 || s.newest <= d->start) return 0;
  char name[SEGMENT_NAME_LEN + 1];
  segment_name(name, s.newest);
  struct stat st;
  if (fstatat(dirfd(d->dir), name, &st, 0) < 0)
    return fail(e, errno, "stat log segment %s/%s", d->path, name);
  uint64_t size = (uint64_t)st.st_size;
  uint64_t end = s.newest + size;
  if (size == 0 || size + need <= d->max_bytes) *start = s.newest;
  else if (end > *start) *start = end;
  return 0;
}

/* Called with the buffer flushed, so the old segment ends on a record. A
 * failure keeps the old segment and tries again after another max_bytes,
 * not on every record. */
void log_dir_rotate(struct log_dir *d, size_t need) {
  struct shim_err e;
  uint64_t start;
  if (next_start(d, need, &start, &e) < 0 || open_segment(d, start, &e) < 0) {
    wrap(&e, "rotate log %s/%s", d->path, d->name);
    warn_err(&e);
    d->rotate_at = d->size + d->max_bytes;
    return;
  }
  prune(d);
}
