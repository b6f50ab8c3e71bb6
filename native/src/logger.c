/* Copies the workload's stdout and stderr into one log in the Kubernetes CRI
 * log format: `<RFC3339Nano UTC> <stream> <F|P> <content>\n` per record. A
 * line longer than CRI_MAX_LINE goes out as P records of that size and ends
 * with an F record. Bytes are copied as they are. The log is a directory of
 * segments (segments.c); a record never spans two of them. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CRI_MAX_LINE 16384
#define OUT_CAP (64 * 1024)
#define IN_CAP (64 * 1024)
#define DRAIN_FALLBACK (1024 * 1024)

struct log_stream {
  const char *name;
  size_t name_len;
  int fd; /* -1 once at EOF */
  size_t held;
  char line[CRI_MAX_LINE]; /* the start of a line whose end has not come yet */
};

struct logger {
  struct log_dir dir;
  uint64_t lost; /* bytes dropped since writes started failing */
  int n_streams;
  struct log_stream streams[LOG_STREAMS];
  time_t stamp_sec;
  size_t stamp_len;
  char stamp[48];
  size_t used;
  char out[OUT_CAP];
  char in[IN_CAP];
};

struct logger *logger_open(const struct log_opts *o, struct shim_err *e) {
  struct logger *lg = calloc(1, sizeof *lg);
  if (lg == NULL) {
    fail(e, ENOMEM, "open log %s", o->dir);
    return NULL;
  }
  lg->stamp_sec = -1;
  if (log_dir_open(&lg->dir, o, e) < 0) {
    free(lg);
    return NULL;
  }
  return lg;
}

void logger_add(struct logger *lg, const char *name, int fd) {
  struct log_stream *s = &lg->streams[lg->n_streams++];
  *s = (struct log_stream){.name = name, .name_len = strlen(name), .fd = fd};
}

bool logger_streams_open(const struct logger *lg) {
  for (int i = 0; i < lg->n_streams; i++)
    if (lg->streams[i].fd >= 0) return true;
  return false;
}

/* One slot per stream, so fds[i] is streams[i]; poll skips negative fds. */
void logger_pollfds(const struct logger *lg, struct pollfd *fds) {
  for (int i = 0; i < lg->n_streams; i++)
    fds[i] = (struct pollfd){.fd = lg->streams[i].fd, .events = POLLIN};
}

/* A failing log file must not stop the copying: the workload would block on
 * a full pipe and never exit. Report the first failure and the recovery. */
void logger_flush(struct logger *lg) {
  if (lg->used == 0) return;
  if (log_dir_write(&lg->dir, lg->out, lg->used) < 0) {
    if (lg->lost == 0) warn(errno, "write log %s/%s", lg->dir.path, lg->dir.name);
    lg->lost += lg->used;
  } else if (lg->lost != 0) {
    warn(0, "write log %s/%s: working again, %llu bytes lost", lg->dir.path, lg->dir.name,
         (unsigned long long)lg->lost);
    lg->lost = 0;
  }
  lg->used = 0;
}

/* One clock read per chunk read; the date part changes once a second. */
static void stamp(struct logger *lg) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) < 0) ts = (struct timespec){0};
  if (ts.tv_sec != lg->stamp_sec) {
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    strftime(lg->stamp, sizeof lg->stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    lg->stamp_sec = ts.tv_sec;
  }
  lg->stamp_len = 19 + (size_t)snprintf(lg->stamp + 19, sizeof lg->stamp - 19, ".%09ldZ ",
                                        ts.tv_nsec);
}

/* Whether the record would take the segment past its size; a record larger
 * than that still goes into an empty segment, alone. */
static bool segment_full(const struct logger *lg, size_t need) {
  uint64_t filled = lg->dir.size + lg->used;
  return filled > 0 && filled + need > lg->dir.rotate_at;
}

/* One record whose content is a then b (the held start of a line, then the
 * rest from the chunk). */
static void emit(struct logger *lg, const struct log_stream *s, char tag, const char *a,
                 size_t alen, const char *b, size_t blen) {
  size_t need = lg->stamp_len + s->name_len + 3 + alen + blen + 1;
  if (segment_full(lg, need)) {
    logger_flush(lg); /* what is buffered belongs to the old segment */
    log_dir_rotate(&lg->dir, need);
  } else if (OUT_CAP - lg->used < need) {
    logger_flush(lg);
  }
  char *p = lg->out + lg->used;
  memcpy(p, lg->stamp, lg->stamp_len);
  p += lg->stamp_len;
  memcpy(p, s->name, s->name_len);
  p += s->name_len;
  *p++ = ' ';
  *p++ = tag;
  *p++ = ' ';
  memcpy(p, a, alen);
  p += alen;
  memcpy(p, b, blen);
  p += blen;
  *p++ = '\n';
  lg->used = (size_t)(p - lg->out);
}

/* A P record goes out only once a byte beyond CRI_MAX_LINE has arrived, so a
 * line of exactly CRI_MAX_LINE bytes is one F record. */
static void log_bytes(struct logger *lg, struct log_stream *s, const char *data, size_t n) {
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t)(nl - data) : n;
    while (s->held + take > CRI_MAX_LINE) {
      size_t k = CRI_MAX_LINE - s->held;
      emit(lg, s, 'P', s->line, s->held, data, k);
      s->held = 0;
      data += k;
      n -= k;
      take -= k;
    }
    if (nl == NULL) {
      memcpy(s->line + s->held, data, take);
      s->held += take;
      return;
    }
    emit(lg, s, 'F', s->line, s->held, data, take);
    s->held = 0;
    data += take + 1;
    n -= take + 1;
  }
}

/* At EOF a line without its newline is still a full line. */
static void close_stream(struct logger *lg, struct log_stream *s) {
  if (s->held > 0) {
    stamp(lg);
    emit(lg, s, 'F', s->line, s->held, "", 0);
    s->held = 0;
  }
  close(s->fd);
  s->fd = -1;
}

/* One read(2). Returns the bytes read, 0 at EOF or when nothing was ready. */
static size_t read_once(struct logger *lg, struct log_stream *s) {
  ssize_t n = read(s->fd, lg->in, sizeof lg->in);
  if (n > 0) {
    stamp(lg);
    log_bytes(lg, s, lg->in, (size_t)n);
    return (size_t)n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (n < 0) warn(errno, "read workload %s", s->name);
  close_stream(lg, s);
  return 0;
}

void logger_on_ready(struct logger *lg, const struct pollfd *fds) {
  for (int i = 0; i < lg->n_streams; i++)
    if (fds[i].revents != 0 && lg->streams[i].fd >= 0) read_once(lg, &lg->streams[i]);
}

/* After the workload exited: take what is already in each pipe, without
 * blocking. A pipe never holds more than its capacity, so reading that much
 * gets every byte the workload wrote, even if a descendant keeps writing. */
void logger_drain(struct logger *lg) {
  for (int i = 0; i < lg->n_streams; i++) {
    struct log_stream *s = &lg->streams[i];
    if (s->fd < 0) continue;
    int cap = fcntl(s->fd, F_GETPIPE_SZ);
    size_t left = cap > 0 ? (size_t)cap : DRAIN_FALLBACK;
    while (s->fd >= 0 && left > 0) {
      size_t got = read_once(lg, s);
      if (got == 0) break;
      left = got < left ? left - got : 0;
    }
  }
}
