/* Closing, or marking close-on-exec, every fd in a range. Runs between fork
 * and exec, so it allocates nothing: the fallback reads /proc/self/fd with
 * getdents64 into a buffer on the stack. */
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

/* Debian 11's 5.10 and Amazon Linux 2's kernels answer EINVAL to the
 * CLOEXEC flag; kernels before 5.9 have no close_range at all. */
int close_fds_from(unsigned first, unsigned last, unsigned flags) {
  if (syscall(SYS_close_range, first, last, flags) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return -1;
  return close_fds_by_walking(first, last, flags);
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static int parse_fd(const char *name) {
  int fd = 0;
  if (*name == '\0') return -1;
  for (; *name; name++) {
    if (*name < '0' || *name > '9' || fd > (INT32_MAX - 9) / 10) return -1;
    fd = fd * 10 + (*name - '0');
  }
  return fd;
}

/* Closing while reading is safe: entries are in fd order and the directory
 * offset moves past each one before the next read. */
int close_fds_by_walking(unsigned first, unsigned last, unsigned flags) {
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  char buf[1024] __attribute__((aligned(8)));
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n < 0) {
      int saved = errno;
      close(dir);
      errno = saved;
      return -1;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      off += d->d_reclen;
      int fd = parse_fd(d->d_name);
      if (fd < 0 || fd == dir || (unsigned)fd < first || (unsigned)fd > last) continue;
      if (flags & CLOSE_RANGE_CLOEXEC_FLAG) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
      } else {
        close(fd);
      }
    }
  }
  close(dir);
  return 0;
}
