/* Who the workload runs as and what it may use: --user, --group, --groups,
 * --umask and --rlimit, parsed before fork and applied by the child as its
 * last steps before exec. */
#include "shim.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* (uid_t)-1 tells the set*id calls "leave unchanged": it is not an id. */
#define MAX_ID (UINT32_MAX - 1)

static const struct {
  const char *name;
  int resource;
} resources[] = {
    {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static bool parse_id(const char *s, size_t len, uint32_t *out) {
  unsigned long long v;
  if (!parse_uint(s, len, 10, MAX_ID, &v)) return false;
  *out = (uint32_t)v;
  return true;
}

int opt_user(struct shim_opts *o, const char *value, struct shim_err *e) {
  uint32_t id;
  if (!parse_id(value, strlen(value), &id)) return fail(e, EINVAL, "--user %s: want a numeric uid", value);
  o->creds.uid = id;
  o->creds.has_uid = true;
  return 0;
}

int opt_group(struct shim_opts *o, const char *value, struct shim_err *e) {
  uint32_t id;
  if (!parse_id(value, strlen(value), &id)) return fail(e, EINVAL, "--group %s: want a numeric gid", value);
  o->creds.gid = id;
  o->creds.has_gid = true;
  return 0;
}

/* "" is no supplementary groups at all. */
int opt_groups(struct shim_opts *o, const char *value, struct shim_err *e) {
  struct creds_opt *c = &o->creds;
  size_t n = value[0] == '\0' ? 0 : 1;
  for (const char *p = value; *p != '\0'; p++) n += *p == ',';
  free(c->groups);
  c->groups = calloc(n + 1, sizeof *c->groups);
  if (c->groups == NULL) return fail(e, ENOMEM, "--groups %s", value);
  c->n_groups = 0;
  const char *item;
  size_t len;
  for (const char *rest = n > 0 ? value : NULL; next_item(&rest, &item, &len);) {
    uint32_t id;
    if (!parse_id(item, len, &id))
      return fail(e, EINVAL, "--groups %s: want numeric gids separated by commas", value);
    c->groups[c->n_groups++] = id;
  }
  c->groups_text = value;
  c->has_groups = true;
  return 0;
}

int opt_umask(struct shim_opts *o, const char *value, struct shim_err *e) {
  unsigned long long mask;
  if (!parse_uint(value, strlen(value), 8, 0777, &mask))
    return fail(e, EINVAL, "--umask %s: want an octal mode up to 777", value);
  o->umask = (int)mask;
  return 0;
}

static bool parse_limit(const char *s, size_t len, rlim_t *out) {
  unsigned long long v;
  if (len == 9 && strncmp(s, "unlimited", len) == 0) v = RLIM_INFINITY;
  else if (!parse_uint(s, len, 10, RLIM_INFINITY - 1, &v)) return false;
  *out = (rlim_t)v;
  return true;
}

/* The table's copy of the name: the option's own is not NUL-terminated at '='. */
static const char *resource_named(const char *name, size_t len, int *resource) {
  for (size_t k = 0; k < sizeof resources / sizeof resources[0]; k++) {
    if (strlen(resources[k].name) != len || strncmp(resources[k].name, name, len) != 0) continue;
    *resource = resources[k].resource;
    return resources[k].name;
  }
  return NULL;
}

int opt_rlimit(struct shim_opts *o, const char *value, struct shim_err *e) {
  struct rlimit_opt *r = &o->rlimits[o->n_rlimits];
  const char *eq = strchr(value, '=');
  r->name = eq == NULL ? NULL : resource_named(value, (size_t)(eq - value), &r->resource);
  if (r->name == NULL)
    return fail(e, EINVAL,
                "--rlimit %s: want NAME=SOFT:HARD, NAME one of as, core, cpu, data, fsize, locks,"
                " memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack",
                value);
  r->text = eq + 1;
  const char *colon = strchr(r->text, ':');
  if (colon == NULL || !parse_limit(r->text, (size_t)(colon - r->text), &r->lim.rlim_cur) ||
      !parse_limit(colon + 1, strlen(colon + 1), &r->lim.rlim_max))
    return fail(e, EINVAL, "--rlimit %s: want SOFT:HARD, each a number or unlimited", value);
  if (r->lim.rlim_cur > r->lim.rlim_max)
    return fail(e, EINVAL, "--rlimit %s: soft limit above hard limit", value);
  o->n_rlimits++;
  return 0;
}

/* Half a set of credentials would run the workload with root's group or
 * root's supplementary groups: all or nothing. */
int check_creds(const struct creds_opt *c, struct shim_err *e) {
  if (c->has_uid != c->has_gid) return fail(e, EINVAL, "--user and --group go together");
  if (c->has_groups && !c->has_uid) return fail(e, EINVAL, "--groups needs --user and --group");
  return 0;
}

/* In the child, while it still has the privilege to raise a limit. */
int apply_limits(const struct shim_opts *o, struct shim_err *e) {
  for (size_t i = 0; i < o->n_rlimits; i++) {
    const struct rlimit_opt *r = &o->rlimits[i];
    if (setrlimit(r->resource, &r->lim) < 0)
      return fail(e, errno, "setrlimit %s %s", r->name, r->text);
  }
  if (o->umask >= 0) umask((mode_t)o->umask);
  return 0;
}

/* A workload that is not root gets no way back to root's powers: every
 * capability leaves the bounding set (so a file capability grants nothing)
 * and the ambient set, and no_new_privs makes setuid binaries (sudo, su,
 * mount) run as the caller. The bounding set needs CAP_SETPCAP, so this comes
 * before setuid. */
static int drop_capabilities(struct shim_err *e) {
  for (int cap = 0;; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break; /* past the kernel's last capability */
    return fail(e, errno, "drop capability %d from the bounding set", cap);
  }
  /* Ambient capabilities came in 4.3; before it there are none to clear. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail(e, errno, "clear ambient capabilities");
  return 0;
}

/* Groups first, uid last: each step needs the privilege the next one drops.
 * Without --groups, root's supplementary groups must not survive either. */
int drop_credentials(const struct creds_opt *c, struct shim_err *e) {
  if (!c->has_uid) return 0;
  if (c->uid != 0 && drop_capabilities(e) < 0) return -1;
  if (setgroups(c->n_groups, c->groups) < 0)
    return fail(e, errno, "setgroups %s", c->n_groups > 0 ? c->groups_text : "(none)");
  if (setgid(c->gid) < 0) return fail(e, errno, "setgid %u", (unsigned)c->gid);
  if (setuid(c->uid) < 0) return fail(e, errno, "setuid %u", (unsigned)c->uid);
  if (c->uid != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(e, errno, "set no_new_privs");
  return 0;
}
