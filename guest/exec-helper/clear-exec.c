/*
 * clear-exec: the container's init set-up inside the guest (what runc's
 * nsexec + `runc init` do on a host). The agent runs it once per container:
 *
 *   fd 0-2  the container's stdio (the agent's pipes); passed through as is,
 *           never chowned or chmodded
 *   fd 3    a socket to the agent (the sync fd): the spec comes in on it,
 *           status lines go out on it, and later the barrier byte comes in
 *   fd 4    only with the "console" record: a socket on which the pty
 *           master is sent to the agent (SCM_RIGHTS), before "ready"
 *   fd 5..  only with "pfd" records: the fds the process gets at other
 *           numbers (runc's --preserve-fds); everything else above 4 is
 *           closed at start
 *
 * Spec (agent -> helper, fd 3), JSON-free on purpose (no parser in C):
 *
 *   "clear-exec v1 <N>\n" then exactly N bytes: NUL-terminated fields.
 *   Each record is a keyword followed by a fixed number of fields:
 *
 *     root PATH              rootfs, a guest path
 *     rootro                 remount / read-only at the end
 *     ns TYPE PATH           mount|pid|uts|ipc|cgroup|time; PATH "" = new
 *     mount DEST TYPE SRC FLAGS PFLAGS DATA
 *                            FLAGS/PFLAGS: decimal MS_* (the agent parsed
 *                            the OCI options); TYPE "bind" for (r)binds
 *     dev PATH TYPE MAJOR MINOR MODE UID GID   a linux.devices entry (mknod)
 *     defdevs                create the default /dev entries (runc's list)
 *     mask PATH | ropath PATH
 *     hostname NAME | domainname NAME | sysctl KEY VALUE
 *     rlimit RESOURCE SOFT HARD   (numbers; "inf" = RLIM_INFINITY)
 *     oom N | umask N | nnp
 *     caps                   capabilities are configured (else untouched)
 *     cap SET NAME           SET: b(ounding) e(ffective) p(ermitted)
 *                            i(nheritable) a(mbient); NAME like CAP_CHOWN
 *     user UID GID | group GID (additional, repeated) | cwd PATH
 *     arg S | env KEY=VALUE  (repeated, in order)
 *     hook KIND PATH TIMEOUT an OCI hook run in the guest; KIND is
 *                            createContainer (after the mounts, before
 *                            pivot_root, chrooted into the rootfs: the host's
 *                            binaries do not exist in the guest) or
 *                            startContainer (after `start`, as the process's
 *                            user, right before the exec, as runc does it);
 *                            TIMEOUT in seconds, 0 = none
 *     harg S | henv KEY=VALUE  argv / env of the last hook (argv[0] first)
 *     state HEAD TAIL        the hooks' state JSON is HEAD, then
 *                            `"status":"…","pid":N`, then TAIL
 *     nopivot                --no-pivot: move the rootfs onto / and chroot
 *                            instead of pivot_root (the guest's mounts stay
 *                            underneath, as the host's do with runc)
 *     keyring NAME           join a new session keyring NAME (runc's
 *                            _ses.<id>); absent with --no-new-keyring
 *     pfd TARGET SOURCE      a preserved fd: our fd SOURCE (5 and up) becomes
 *                            the process's fd TARGET (3 and up), moved into
 *                            place right before the exec, once the sync and
 *                            console fds (3, 4) are no longer needed; until
 *                            then SOURCE is close-on-exec (hooks never see
 *                            it) and the proxy closes its copy
 *     join                   exec into an existing container (runc exec): the
 *                            ns records name the container init's namespaces
 *                            (/proc/PID/ns/...); no root, no mounts, no
 *                            /dev/console; the program is exec'd right after
 *                            "ready" (no barrier)
 *     winsize ROWS COLS      process.consoleSize: the pty's size, set before
 *                            the process runs (as runc's init does)
 *     console                process.terminal: after pivot_root, a pty from
 *                            the container's own devpts (/dev/ptmx ->
 *                            pts/ptmx); the master goes to the agent on fd 4
 *                            (body "/dev/ptmx", as runc's console socket),
 *                            the slave is bound on /dev/console and becomes
 *                            stdio and the controlling terminal of a new
 *                            session, owned by the process's uid (runc's way)
 *
 * Status (helper -> agent, fd 3), one line each:
 *   "pid N"              the container init's pid (as the guest sees it)
 *   "ready"              set up; waiting at the barrier
 *   "error KIND MSG"     failed; KIND is notfound|perm|invalid|internal,
 *                        MSG is runc's wording where runc has one
 * Barrier (agent -> helper): one byte 'g' releases the exec; EOF aborts.
 * After it, only a failing startContainer hook speaks again ("error …");
 * otherwise the exec closes the sync fd, which tells the agent it started.
 *
 * Processes: the helper (P) unshares the namespaces and forks; the child (C)
 * is PID 1 of the new pid namespace and does all the set-up, then execs the
 * container program. P stays as a tiny proxy: the agent's child, it exits
 * with C's status (same code, or the same signal re-raised), so the agent
 * sees exactly how the container ended. Signals from the agent go to C.
 *
 * Second use, `clear-exec --ctty FILE ARG0 ARGS...`: for a process the agent
 * starts on a pty (ExecProcess with terminal): with the pty slave as fd 0,
 * start a new session, make fd 0 the controlling terminal, exec FILE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define SYNC_FD 3
#define CONSOLE_FD 4
#define MAX_SPEC (8 << 20)

/* ------------------------------------------------------------------------ */
/* Reporting                                                                */

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* the agent is gone: nothing more to tell */
    buf += n;
    len -= (size_t)n;
  }
}

/* Go (and so runc) prints errno texts in lower case: "no such file or directory". */
static const char *errstr(int e) {
  static char buf[128];
  snprintf(buf, sizeof buf, "%s", strerror(e));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z')) buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

/* Sends "error KIND MSG" (one line) and exits 1. */
static void __attribute__((noreturn, format(printf, 2, 3))) fail(const char *kind, const char *fmt, ...) {
  char msg[4096];
  int off = snprintf(msg, sizeof msg, "error %s ", kind);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + off, sizeof msg - (size_t)off - 1, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n') *p = ' ';
  size_t len = strlen(msg);
  msg[len++] = '\n';
  write_all(SYNC_FD, msg, len);
  _exit(1);
}

/* A failed syscall: "what: errno text". */
#define sysfail(...) fail("internal", __VA_ARGS__)

/* ------------------------------------------------------------------------ */
/* The spec                                                                 */

struct mnt {
  const char *dest, *type, *src, *data;
  unsigned long flags, pflags;
};
struct dev {
  const char *path;
  char type;
  unsigned major, minor, uid, gid;
  mode_t mode;
};
struct rlim {
  int resource;
  struct rlimit lim;
};
struct kv {
  const char *k, *v;
};
#define MAXHOOKARGS 64
struct hook {
  int start; /* 0: createContainer, 1: startContainer */
  const char *path;
  unsigned long long timeout;
  char *args[MAXHOOKARGS + 1], *env[MAXHOOKARGS + 1];
  int n_args, n_env;
};
#define MAXHOOKS 32
#define MAXPFDS 1024
struct pfd {
  int target, source;
};

#define MAXN 1024
static struct {
  const char *root, *hostname, *domainname, *cwd;
  int rootro, defdevs, nnp, caps, has_oom, has_umask, console, join, nopivot;
  unsigned short ws_rows, ws_cols;
  const char *keyring, *state_head, *state_tail;
  struct hook hooks[MAXHOOKS];
  int n_hooks;
  struct pfd pfds[MAXPFDS];
  int n_pfds;
  int ns_flags;
  const char *ns_path[8];
  int ns_path_flag[8], n_ns_path;
  struct mnt mounts[MAXN];
  int n_mounts;
  struct dev devs[MAXN];
  int n_devs;
  const char *mask[MAXN], *ropath[MAXN];
  int n_mask, n_ropath;
  struct kv sysctl[MAXN];
  int n_sysctl;
  struct rlim rlimits[64];
  int n_rlimits;
  int oom;
  mode_t umask;
  uint64_t cap[5]; /* b e p i a */
  uid_t uid;
  gid_t gid;
  gid_t groups[MAXN];
  int n_groups;
  char *args[MAXN + 1];
  int n_args;
  char *env[MAXN + 2]; /* +1 for HOME, +1 for NULL */
  int n_env;
} S;

/* Capability names up to CAP_CHECKPOINT_RESTORE (40), index = number. */
static const char *const CAPS[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof CAPS / sizeof CAPS[0]))

static int cap_number(const char *name) {
  for (int i = 0; i < NCAPS; i++)
    if (strcmp(CAPS[i], name) == 0) return i;
  return -1;
}

static unsigned long long num(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || !*s || *end) fail("invalid", "bad number %s for %s", s, what);
  return v;
}

static int ns_flag(const char *t) {
  if (!strcmp(t, "mount")) return CLONE_NEWNS;
  if (!strcmp(t, "pid")) return CLONE_NEWPID;
  if (!strcmp(t, "uts")) return CLONE_NEWUTS;
  if (!strcmp(t, "ipc")) return CLONE_NEWIPC;
  if (!strcmp(t, "cgroup")) return CLONE_NEWCGROUP;
  if (!strcmp(t, "time")) return CLONE_NEWTIME;
  if (!strcmp(t, "user")) fail("invalid", "user namespaces are not supported: the VM is the isolation boundary");
  fail("invalid", "unsupported namespace type %s", t);
}

/* Reads the header line and the spec; returns the buffer (never freed: it is the spec's storage). */
static char *read_spec(size_t *lenp) {
  char hdr[64];
  size_t h = 0;
  for (;;) { /* byte by byte: nothing after the spec may be consumed */
    if (h == sizeof hdr - 1) fail("invalid", "spec header too long");
    ssize_t n = read(SYNC_FD, hdr + h, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("invalid", "no spec on fd %d", SYNC_FD);
    if (hdr[h] == '\n') break;
    h++;
  }
  hdr[h] = 0;
  unsigned long long len;
  if (sscanf(hdr, "clear-exec v1 %llu", &len) != 1 || len > MAX_SPEC) fail("invalid", "bad spec header \"%s\"", hdr);
  char *buf = malloc(len + 1);
  if (!buf) sysfail("malloc: %s", errstr(errno));
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(SYNC_FD, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("invalid", "spec truncated");
    got += (size_t)n;
  }
  buf[len] = 0;
  *lenp = len;
  return buf;
}

static void parse_spec(void) {
  size_t len, pos = 0;
  char *buf = read_spec(&len);
  if (len && buf[len - 1] != 0) fail("invalid", "spec does not end with NUL");
  while (pos < len) {
    char *f[8];
    const char *kw = buf + pos;
    pos += strlen(kw) + 1;
    int nf = !strcmp(kw, "mount") ? 6 : !strcmp(kw, "dev") ? 7 : (!strcmp(kw, "rlimit") || !strcmp(kw, "hook")) ? 3
           : (!strcmp(kw, "ns") || !strcmp(kw, "sysctl") || !strcmp(kw, "cap") || !strcmp(kw, "user") ||
              !strcmp(kw, "state") || !strcmp(kw, "pfd") || !strcmp(kw, "winsize")) ? 2
           : (!strcmp(kw, "rootro") || !strcmp(kw, "defdevs") || !strcmp(kw, "nnp") || !strcmp(kw, "caps") ||
              !strcmp(kw, "console") || !strcmp(kw, "join") || !strcmp(kw, "nopivot")) ? 0 : 1;
    for (int i = 0; i < nf; i++) {
      if (pos >= len) fail("invalid", "spec record %s truncated", kw);
      f[i] = buf + pos;
      pos += strlen(f[i]) + 1;
    }
#define FULL(n, max, what) do { if ((n) >= (max)) fail("invalid", "too many %s", what); } while (0)
    if (!strcmp(kw, "root")) S.root = f[0];
    else if (!strcmp(kw, "rootro")) S.rootro = 1;
    else if (!strcmp(kw, "ns")) {
      int fl = ns_flag(f[0]);
      if (f[1][0]) {
        FULL(S.n_ns_path, 8, "namespace paths");
        S.ns_path[S.n_ns_path] = f[1];
        S.ns_path_flag[S.n_ns_path++] = fl;
      } else S.ns_flags |= fl;
    } else if (!strcmp(kw, "mount")) {
      FULL(S.n_mounts, MAXN, "mounts");
      struct mnt *m = &S.mounts[S.n_mounts++];
      m->dest = f[0], m->type = f[1], m->src = f[2];
      m->flags = num(f[3], "mount flags"), m->pflags = num(f[4], "propagation flags"), m->data = f[5];
    } else if (!strcmp(kw, "dev")) {
      FULL(S.n_devs, MAXN, "devices");
      struct dev *d = &S.devs[S.n_devs++];
      d->path = f[0], d->type = f[1][0];
      d->major = num(f[2], "major"), d->minor = num(f[3], "minor"), d->mode = num(f[4], "mode");
      d->uid = num(f[5], "uid"), d->gid = num(f[6], "gid");
    } else if (!strcmp(kw, "defdevs")) S.defdevs = 1;
    else if (!strcmp(kw, "mask")) { FULL(S.n_mask, MAXN, "masked paths"); S.mask[S.n_mask++] = f[0]; }
    else if (!strcmp(kw, "ropath")) { FULL(S.n_ropath, MAXN, "readonly paths"); S.ropath[S.n_ropath++] = f[0]; }
    else if (!strcmp(kw, "hostname")) S.hostname = f[0];
    else if (!strcmp(kw, "domainname")) S.domainname = f[0];
    else if (!strcmp(kw, "sysctl")) { FULL(S.n_sysctl, MAXN, "sysctls"); S.sysctl[S.n_sysctl++] = (struct kv){f[0], f[1]}; }
    else if (!strcmp(kw, "rlimit")) {
      FULL(S.n_rlimits, 64, "rlimits");
      struct rlim *r = &S.rlimits[S.n_rlimits++];
      r->resource = (int)num(f[0], "rlimit");
      r->lim.rlim_cur = !strcmp(f[1], "inf") ? RLIM_INFINITY : num(f[1], "rlimit soft");
      r->lim.rlim_max = !strcmp(f[2], "inf") ? RLIM_INFINITY : num(f[2], "rlimit hard");
    } else if (!strcmp(kw, "oom")) { S.has_oom = 1; S.oom = atoi(f[0]); }
    else if (!strcmp(kw, "umask")) { S.has_umask = 1; S.umask = (mode_t)num(f[0], "umask"); }
    else if (!strcmp(kw, "nnp")) S.nnp = 1;
    else if (!strcmp(kw, "caps")) S.caps = 1;
    else if (!strcmp(kw, "console")) S.console = 1;
    else if (!strcmp(kw, "winsize")) { S.ws_rows = (unsigned short)num(f[0], "winsize rows"); S.ws_cols = (unsigned short)num(f[1], "winsize cols"); }
    else if (!strcmp(kw, "join")) S.join = 1;
    else if (!strcmp(kw, "nopivot")) S.nopivot = 1;
    else if (!strcmp(kw, "keyring")) S.keyring = f[0];
    else if (!strcmp(kw, "state")) { S.state_head = f[0]; S.state_tail = f[1]; }
    else if (!strcmp(kw, "pfd")) {
      FULL(S.n_pfds, MAXPFDS, "preserved fds");
      unsigned long long t = num(f[0], "preserved fd"), src = num(f[1], "preserved fd source");
      if (t < 3 || t > INT_MAX) fail("invalid", "preserved fd %s: must be 3 or above", f[0]);
      if (src <= CONSOLE_FD || src > INT_MAX) fail("invalid", "preserved fd %s: source fd %s must be above %d", f[0], f[1], CONSOLE_FD);
      for (int i = 0; i < S.n_pfds; i++)
        if (S.pfds[i].target == (int)t || S.pfds[i].source == (int)src) fail("invalid", "preserved fd %s given twice", f[0]);
      S.pfds[S.n_pfds++] = (struct pfd){(int)t, (int)src};
    }
    else if (!strcmp(kw, "hook")) {
      FULL(S.n_hooks, MAXHOOKS, "hooks");
      struct hook *h = &S.hooks[S.n_hooks++];
      if (!strcmp(f[0], "createContainer")) h->start = 0;
      else if (!strcmp(f[0], "startContainer")) h->start = 1;
      else fail("invalid", "unknown hook kind \"%s\"", f[0]);
      h->path = f[1];
      h->timeout = num(f[2], "hook timeout");
    } else if (!strcmp(kw, "harg") || !strcmp(kw, "henv")) {
      if (!S.n_hooks) fail("invalid", "%s before any hook", kw);
      struct hook *h = &S.hooks[S.n_hooks - 1];
      int *n = kw[1] == 'a' ? &h->n_args : &h->n_env;
      FULL(*n, MAXHOOKARGS, "hook arguments");
      (kw[1] == 'a' ? h->args : h->env)[(*n)++] = f[0];
    }
    else if (!strcmp(kw, "cap")) {
      const char *sets = "bepia", *p = strchr(sets, f[0][0]);
      if (!p || !f[0][0]) fail("invalid", "bad capability set %s", f[0]);
      int n = cap_number(f[1]);
      if (n < 0) fail("invalid", "unknown capability \"%s\"", f[1]);
      S.cap[p - sets] |= 1ULL << n;
    } else if (!strcmp(kw, "user")) { S.uid = (uid_t)num(f[0], "uid"); S.gid = (gid_t)num(f[1], "gid"); }
    else if (!strcmp(kw, "group")) { FULL(S.n_groups, MAXN, "groups"); S.groups[S.n_groups++] = (gid_t)num(f[0], "gid"); }
    else if (!strcmp(kw, "cwd")) S.cwd = f[0];
    else if (!strcmp(kw, "arg")) { FULL(S.n_args, MAXN, "args"); S.args[S.n_args++] = f[0]; }
    else if (!strcmp(kw, "env")) { FULL(S.n_env, MAXN, "env entries"); S.env[S.n_env++] = f[0]; }
    else fail("invalid", "unknown spec record \"%s\"", kw);
  }
  if (!S.join && (!S.root || !S.root[0])) fail("invalid", "spec has no root");
  if (S.n_args == 0) fail("invalid", "args must not be empty");
  if (!(S.ns_flags & CLONE_NEWNS)) {
    int joined = 0;
    for (int i = 0; i < S.n_ns_path; i++) joined |= S.ns_path_flag[i] == CLONE_NEWNS;
    if (!joined) fail("invalid", "the config has no mount namespace: clear needs one to set up the root");
  }
  if (!S.cwd || !S.cwd[0]) S.cwd = "/";
}

/* ------------------------------------------------------------------------ */
/* Paths inside the rootfs                                                  */

/*
 * root + unsafe, with every symlink met on the way resolved as if root were
 * "/" (like runc's securejoin): a mount destination can never escape the
 * rootfs through a symlink in the image. Missing components are kept as is.
 */
static void secure_join(const char *root, const char *unsafe, char *out) {
  char rest[PATH_MAX * 2], done[PATH_MAX] = "";
  int links = 0;
  snprintf(rest, sizeof rest, "%s", unsafe);
  char *p = rest;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    char *end = strchr(p, '/');
    size_t clen = end ? (size_t)(end - p) : strlen(p);
    char comp[NAME_MAX + 1];
    if (clen > NAME_MAX) fail("invalid", "path component too long in %s", unsafe);
    memcpy(comp, p, clen);
    comp[clen] = 0;
    p += clen;
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      char *slash = strrchr(done, '/');
      if (slash) *slash = 0;
      continue;
    }
    char cand[PATH_MAX], full[PATH_MAX];
    if ((size_t)snprintf(cand, sizeof cand, "%s/%s", done, comp) >= sizeof cand) fail("invalid", "path too long: %s", unsafe);
    snprintf(full, sizeof full, "%s%s", root, cand);
    struct stat st;
    if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode)) {
      if (++links > 255) fail("invalid", "too many symlinks in %s", unsafe);
      char target[PATH_MAX];
      ssize_t n = readlink(full, target, sizeof target - 1);
      if (n < 0) sysfail("readlink %s: %s", full, errstr(errno));
      target[n] = 0;
      if (target[0] == '/') done[0] = 0;
      char tmp[PATH_MAX * 2];
      if ((size_t)snprintf(tmp, sizeof tmp, "%s/%s", target, p) >= sizeof tmp) fail("invalid", "path too long: %s", unsafe);
      strcpy(rest, tmp);
      p = rest;
      continue;
    }
    strcpy(done, cand);
  }
  if ((size_t)snprintf(out, PATH_MAX, "%s%s", root, done[0] ? done : "/") >= PATH_MAX) fail("invalid", "path too long: %s", unsafe);
}

static int mkdir_all(const char *path, mode_t mode) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1;; p++) {
    if (*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
      if (c == 0) break;
      *p = c;
    }
  }
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1;
  return 0;
}

/* An empty regular file to bind a file onto (its directory made first). */
static void make_file(const char *path) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = 0;
    if (mkdir_all(dir, 0755) < 0) sysfail("mkdir %s: %s", dir, errstr(errno));
  }
  struct stat st;
  if (stat(path, &st) == 0) return; /* anything already there is a mountpoint */
  int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
  if (fd < 0) sysfail("create mountpoint %s: %s", path, errstr(errno));
  close(fd);
}

/* ------------------------------------------------------------------------ */
/* Mounts                                                                   */

/* The MS_ flags a remount must keep: those statfs reports for the mount now. */
static unsigned long current_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  return f;
}

static void propagate(const struct mnt *m, const char *dest) {
  static const unsigned long kinds[] = {MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE};
  for (size_t i = 0; i < 4; i++)
    if (m->pflags & kinds[i])
      if (mount(NULL, dest, NULL, kinds[i] | (m->pflags & MS_REC), NULL) < 0)
        sysfail("change propagation of %s: %s", m->dest, errstr(errno));
}

static void bind_mount(const struct mnt *m, const char *dest) {
  struct stat st;
  if (stat(m->src, &st) < 0) sysfail("mount %s: stat %s: %s", m->dest, m->src, errstr(errno));
  if (S_ISDIR(st.st_mode)) {
    if (mkdir_all(dest, 0755) < 0) sysfail("mkdir %s: %s", m->dest, errstr(errno));
  } else make_file(dest);
  if (mount(m->src, dest, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
    sysfail("bind mount %s on %s: %s", m->src, m->dest, errstr(errno));
  /* A bind ignores every flag but MS_REC: ro, nosuid... need a remount. */
  unsigned long extra = m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
  if (extra) {
    if (mount(NULL, dest, NULL, extra | MS_BIND | MS_REMOUNT, NULL) < 0 &&
        mount(NULL, dest, NULL, extra | current_flags(dest) | MS_BIND | MS_REMOUNT, NULL) < 0)
      sysfail("remount %s: %s", m->dest, errstr(errno));
  }
}

static void mount_one(const struct mnt *m) {
  char dest[PATH_MAX];
  secure_join(S.root, m->dest, dest);
  if (!strcmp(m->type, "bind")) {
    bind_mount(m, dest);
  } else {
    if (mkdir_all(dest, 0755) < 0) sysfail("mkdir %s: %s", m->dest, errstr(errno));
    const char *type = m->type, *data = m->data[0] ? m->data : NULL;
    if (!strcmp(type, "cgroup")) { /* the guest is cgroup v2 only (like runc on a v2 host) */
      type = "cgroup2";
      data = NULL;
    }
    if (mount(m->src[0] ? m->src : type, dest, type, m->flags & ~(unsigned long)MS_REMOUNT, data) < 0) {
      int e = errno;
      /* No private cgroup namespace: show the guest's hierarchy instead, as runc does. */
      if (!strcmp(type, "cgroup2") && (e == EPERM || e == EBUSY)) {
        struct mnt b = {m->dest, "bind", "/sys/fs/cgroup", "", m->flags | MS_BIND | MS_REC, 0};
        bind_mount(&b, dest);
      } else {
        sysfail("mount %s (%s) on %s: %s", m->src, type, m->dest, errstr(e));
      }
    }
  }
  propagate(m, dest);
}

/* runc's default devices: null zero full random urandom tty, bound from the guest's /dev. */
static void default_devices(void) {
  static const char *const names[] = {"null", "zero", "full", "random", "urandom", "tty"};
  char path[PATH_MAX], src[64];
  for (size_t i = 0; i < 6; i++) {
    snprintf(src, sizeof src, "/dev/%s", names[i]);
    snprintf(path, sizeof path, "/dev/%s", names[i]);
    char dest[PATH_MAX];
    secure_join(S.root, path, dest);
    struct stat st;
    if (lstat(dest, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev != 0) {
      struct stat g;
      if (stat(src, &g) == 0 && g.st_rdev == st.st_rdev) continue; /* already the right node */
    }
    make_file(dest);
    if (mount(src, dest, NULL, MS_BIND, NULL) < 0) sysfail("bind %s: %s", src, errstr(errno));
  }
  /* Symlinks, as runc makes them. */
  static const char *const links[][2] = {
      {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
      {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}};
  for (size_t i = 0; i < 4 + (access("/proc/kcore", F_OK) == 0); i++) {
    const char *target = i < 4 ? links[i][0] : "/proc/kcore", *name = i < 4 ? links[i][1] : "/dev/core";
    char dest[PATH_MAX];
    secure_join(S.root, name, dest);
    if (symlink(target, dest) < 0 && errno != EEXIST) sysfail("symlink %s: %s", name, errstr(errno));
  }
  /* /dev/ptmx -> pts/ptmx: the container's own devpts instance. */
  char ptmx[PATH_MAX];
  secure_join(S.root, "/dev/ptmx", ptmx);
  if (unlink(ptmx) < 0 && errno != ENOENT) {
    umount2(ptmx, MNT_DETACH);
    unlink(ptmx);
  }
  if (symlink("pts/ptmx", ptmx) < 0) sysfail("symlink /dev/ptmx: %s", errstr(errno));
}

static void make_devices(void) {
  for (int i = 0; i < S.n_devs; i++) {
    const struct dev *d = &S.devs[i];
    char dest[PATH_MAX];
    secure_join(S.root, d->path, dest);
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", dest);
    *strrchr(dir, '/') = 0;
    if (mkdir_all(dir, 0755) < 0) sysfail("mkdir for device %s: %s", d->path, errstr(errno));
    unlink(dest);
    if (mknod(dest, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
      sysfail("mknod %s: %s", d->path, errstr(errno));
    if (chown(dest, d->uid, d->gid) < 0) sysfail("chown %s: %s", d->path, errstr(errno));
    if (d->mode && chmod(dest, d->mode & 07777) < 0) sysfail("chmod %s: %s", d->path, errstr(errno));
  }
}

/*
 * --no-pivot, runc's msMoveRoot: the guest's proc and sysfs mounts outside
 * the rootfs are detached (the mount namespace is private: nothing
 * propagates), the rootfs moved over /, then chroot.
 */
static void move_into_root(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) sysfail("open /proc/self/mountinfo: %s", errstr(errno));
  char line[4096], *targets[MAXN];
  int n = 0;
  size_t rootlen = strlen(S.root);
  while (n < MAXN && fgets(line, sizeof line, f)) {
    char mp[PATH_MAX], *sep = strstr(line, " - ");
    char fstype[64];
    if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || sscanf(sep + 3, "%63s", fstype) != 1) continue;
    if (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")) continue;
    if (!strncmp(mp, S.root, rootlen) && (mp[rootlen] == '/' || !mp[rootlen])) continue;
    targets[n++] = strdup(mp);
  }
  fclose(f);
  for (int i = n - 1; i >= 0; i--) /* children before parents */
    if (umount2(targets[i], MNT_DETACH) < 0 && errno != EINVAL) sysfail("unmount %s: %s", targets[i], errstr(errno));
  if (chdir(S.root) < 0) sysfail("chdir %s: %s", S.root, errstr(errno));
  if (mount(S.root, "/", NULL, MS_MOVE, NULL) < 0) sysfail("move rootfs %s onto /: %s", S.root, errstr(errno));
  if (chroot(".") < 0) sysfail("chroot %s: %s", S.root, errstr(errno));
  if (chdir("/") < 0) sysfail("chdir /: %s", errstr(errno));
}

static void pivot_into_root(void) {
  if (S.nopivot) {
    move_into_root();
    return;
  }
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int newroot = open(S.root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0) sysfail("open root %s: %s", S.root, errstr(errno));
  if (fchdir(newroot) < 0) sysfail("chdir %s: %s", S.root, errstr(errno));
  /* pivot_root(".", "."): the old root ends up stacked under the new one,
     where it is detached without needing a directory for it (runc's way). */
  if (syscall(SYS_pivot_root, ".", ".") == 0) {
    if (fchdir(oldroot) < 0) sysfail("fchdir old root: %s", errstr(errno));
    /* Slave first, so the unmount does not propagate to the guest's mounts. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) sysfail("make old root rslave: %s", errstr(errno));
    if (umount2(".", MNT_DETACH) < 0) sysfail("unmount old root: %s", errstr(errno));
  } else {
    /* Only where pivot_root is impossible (e.g. a rootfs on the initial ramfs). */
    int e = errno;
    if (chroot(".") < 0) sysfail("pivot_root %s: %s; chroot: %s", S.root, errstr(e), errstr(errno));
  }
  if (chdir("/") < 0) sysfail("chdir /: %s", errstr(errno));
  close(oldroot);
  close(newroot);
}

/* After pivot_root: masked and read-only paths, as runc does them. */
static void mask_paths(void) {
  for (int i = 0; i < S.n_ropath; i++) {
    const char *p = S.ropath[i];
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      sysfail("readonly path %s: %s", p, errstr(errno));
    }
    unsigned long f = current_flags(p) | MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (mount(NULL, p, NULL, f, NULL) < 0) sysfail("remount %s read-only: %s", p, errstr(errno));
  }
  for (int i = 0; i < S.n_mask; i++) {
    const char *p = S.mask[i];
    if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
      if (errno == ENOENT) continue;
      /* A directory: an empty read-only tmpfs hides it. */
      if (errno != ENOTDIR || mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) < 0)
        sysfail("mask %s: %s", p, errstr(errno));
    }
  }
}

/*
 * process.terminal, as runc's setupConsole: runs after pivot_root, so
 * /dev/ptmx is the container's (pts/ptmx of its newinstance devpts) and the
 * slave is /dev/pts/N inside the container, which is what `tty` prints.
 */
static void setup_console(void) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) sysfail("open /dev/ptmx for the terminal (is a devpts mounted on /dev/pts?): %s", errstr(errno));
  int unlock = 0, n = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
    sysfail("unlock the pty: %s", errstr(errno));
  struct winsize ws = {.ws_row = S.ws_rows, .ws_col = S.ws_cols};
  if (S.ws_rows && S.ws_cols && ioctl(master, TIOCSWINSZ, &ws) < 0) sysfail("set the terminal's size: %s", errstr(errno));
  char slave[64];
  snprintf(slave, sizeof slave, "/dev/pts/%d", n);
  /* /dev/console: a bind mount of the slave (the file made if missing); not for exec. */
  int cfd = -1;
  if (!S.join) cfd = open("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0);
  if (!S.join && cfd < 0 && errno != EEXIST) sysfail("create /dev/console: %s", errstr(errno));
  if (cfd >= 0) close(cfd);
  if (!S.join && mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0) sysfail("mount %s on /dev/console: %s", slave, errstr(errno));
  /* The master to the agent, as runc sends it to the console socket. */
  static char body[] = "/dev/ptmx";
  struct iovec iov = {body, sizeof body - 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = u.buf;
  mh.msg_controllen = sizeof u.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  while (sendmsg(CONSOLE_FD, &mh, MSG_NOSIGNAL) < 0)
    if (errno != EINTR) sysfail("send the terminal to the agent: %s", errstr(errno));
  close(master);
  close(CONSOLE_FD);
  /* A new session whose controlling terminal is the slave; it is all of stdio. */
  if (setsid() < 0) sysfail("setsid: %s", errstr(errno));
  int fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) sysfail("open %s: %s", slave, errstr(errno));
  if (ioctl(fd, TIOCSCTTY, 0) < 0) sysfail("ioctl(setctty): %s", errstr(errno));
  for (int i = 0; i < 3; i++)
    if (dup2(fd, i) < 0) sysfail("dup2 the terminal to fd %d: %s", i, errstr(errno));
  if (fd > 2) close(fd);
}

/* ------------------------------------------------------------------------ */
/* OCI hooks run in the guest (createContainer, startContainer)             */

static void keep(char *buf, size_t cap, size_t *len, const char *data, size_t n) {
  if (*len + 1 >= cap) return;
  if (n > cap - 1 - *len) n = cap - 1 - *len;
  memcpy(buf + *len, data, n);
  *len += n;
  buf[*len] = 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The hook's child side: stdio onto the pipes, then exec (errno to efd on failure). */
static void __attribute__((noreturn)) hook_child(const struct hook *h, int in, int out, int err, int efd, int chroot_into) {
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  int e = 0;
  if (chroot_into && (chroot(S.root) < 0 || chdir("/") < 0)) e = errno;
  if (!e) {
    char *argv0[] = {(char *)h->path, NULL};
    execve(h->path, h->n_args ? h->args : argv0, h->env);
    e = errno;
  }
  write_all(efd, (const char *)&e, sizeof e);
  _exit(127);
}

/*
 * Runs one hook with the state JSON on its stdin. Returns NULL when it
 * succeeded, else the detail of runc's message ("error running hook …:
 * exit status 3, stdout: …, stderr: …", "fork/exec …", or the timeout).
 */
static const char *run_hook(const struct hook *h, const char *state, int chroot_into) {
  static char why[4096];
  char out[1024] = "", err[1024] = "";
  size_t out_len = 0, err_len = 0, state_len = strlen(state), sent = 0;
  int in_p[2], out_p[2], err_p[2], exec_p[2];
  if (pipe2(in_p, O_CLOEXEC) < 0 || pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0 || pipe2(exec_p, O_CLOEXEC) < 0)
    sysfail("hook pipes: %s", errstr(errno));
  pid_t pid = fork();
  if (pid < 0) sysfail("fork a hook: %s", errstr(errno));
  if (pid == 0) hook_child(h, in_p[0], out_p[1], err_p[1], exec_p[1], chroot_into);
  close(in_p[0]), close(out_p[1]), close(err_p[1]), close(exec_p[1]);
  int exec_errno = 0;
  if (read(exec_p[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) { /* EOF: exec'd */
    waitpid(pid, NULL, 0);
    snprintf(why, sizeof why, "fork/exec %s: %s", h->path, errstr(exec_errno));
    close(in_p[1]), close(out_p[0]), close(err_p[0]), close(exec_p[0]);
    return why;
  }
  close(exec_p[0]);
  fcntl(in_p[1], F_SETFL, O_NONBLOCK);
  long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : 0, drain_until = 0;
  int status = 0, exited = 0, timed_out = 0, in_fd = in_p[1];
  struct pollfd pf[3] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
  for (;;) {
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = 1, drain_until = now_ms() + 100;
    if (exited && ((pf[0].fd < 0 && pf[1].fd < 0) || now_ms() > drain_until)) break;
    if (!exited && deadline && now_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      timed_out = 1;
      break;
    }
    if (poll(pf, 3, 10) <= 0) continue;
    for (int i = 0; i < 2; i++) {
      if (pf[i].fd < 0 || !pf[i].revents) continue;
      char buf[512];
      ssize_t n = read(pf[i].fd, buf, sizeof buf);
      if (n > 0) keep(i ? err : out, sizeof out, i ? &err_len : &out_len, buf, (size_t)n);
      else if (n == 0 || errno != EINTR) close(pf[i].fd), pf[i].fd = -1;
    }
    if (pf[2].fd >= 0 && pf[2].revents) {
      /* MSG_NOSIGNAL does not apply to pipes: a hook that closed its stdin gives EPIPE, SIGPIPE is blocked. */
      ssize_t n = write(pf[2].fd, state + sent, state_len - sent);
      if (n > 0) sent += (size_t)n;
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == state_len) close(pf[2].fd), pf[2].fd = -1;
    }
  }
  for (int i = 0; i < 3; i++)
    if (pf[i].fd >= 0) close(pf[i].fd);
  if (timed_out) {
    snprintf(why, sizeof why, "hook ran past specified timeout of %.1fs", (double)h->timeout);
    return why;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return NULL;
  char how[64];
  if (WIFSIGNALED(status)) {
    snprintf(how, sizeof how, "signal: %s", strsignal(WTERMSIG(status)));
    how[8] = (char)(how[8] >= 'A' && how[8] <= 'Z' ? how[8] - 'A' + 'a' : how[8]); /* Go's lower case */
  } else snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
  snprintf(why, sizeof why, "error running hook %s: %s, stdout: %s, stderr: %s", h->path, how, out, err);
  return why;
}

/* Runs the hooks of one kind in config order; the first failure fails the set-up (runc's wording). */
static void run_hooks(int start, const char *status, int chroot_into) {
  const char *kind = start ? "startContainer" : "createContainer";
  char *state = NULL;
  int index = 0;
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  for (int i = 0; i < S.n_hooks; i++) {
    if (S.hooks[i].start != start) continue;
    if (!state) {
      if (!S.state_head || !S.state_tail) fail("invalid", "hooks without a state record");
      if (asprintf(&state, "%s\"status\":\"%s\",\"pid\":%d%s", S.state_head, status, (int)getpid(), S.state_tail) < 0)
        sysfail("state JSON: %s", errstr(errno));
      sigprocmask(SIG_BLOCK, &pipe_set, &old);
    }
    const char *why = run_hook(&S.hooks[i], state, chroot_into);
    if (why) fail("internal", "error running %s hook #%d: %s", kind, index, why);
    index++;
  }
  if (state) {
    /* A SIGPIPE raised meanwhile must not stay pending for the container. */
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {}
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(state);
  }
}

static void setup_rootfs(void) {
  /* Nothing done here may reach the guest's mount tree. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) sysfail("make / rprivate: %s", errstr(errno));
  /* pivot_root needs the new root to be a mount point. */
  if (mount(S.root, S.root, NULL, MS_BIND | MS_REC, NULL) < 0) sysfail("bind rootfs %s: %s", S.root, errstr(errno));
  for (int i = 0; i < S.n_mounts; i++) mount_one(&S.mounts[i]);
  make_devices();
  if (S.defdevs) default_devices();
  run_hooks(0, "creating", 1);
  pivot_into_root();
  if (S.console) setup_console();
  /* runc creates the cwd (as root, before the user change), and says so when it cannot. */
  if (mkdir_all(S.cwd, 0755) < 0 && errno != EACCES)
    fail(errno == ENOENT || errno == ENOTDIR ? "notfound" : "internal", "mkdir %s: %s", S.cwd, errstr(errno));
  mask_paths();
  for (int i = 0; i < S.n_mounts; i++) /* a read-only /dev tmpfs was mounted rw so it could be filled */
    if (!strcmp(S.mounts[i].dest, "/dev") && (S.mounts[i].flags & MS_RDONLY) && strcmp(S.mounts[i].type, "bind"))
      if (mount(NULL, "/dev", NULL, MS_REMOUNT | MS_RDONLY | S.mounts[i].flags, S.mounts[i].data) < 0)
        sysfail("remount /dev read-only: %s", errstr(errno));
  if (S.rootro) {
    if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0 &&
        mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | current_flags("/"), NULL) < 0)
      sysfail("remount / read-only: %s", errstr(errno));
  }
}

/* ------------------------------------------------------------------------ */
/* Process attributes                                                       */

static void write_file(const char *path, const char *value, const char *what) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) sysfail("%s: open %s: %s", what, path, errstr(errno));
  size_t len = strlen(value);
  if (write(fd, value, len) != (ssize_t)len) sysfail("%s: write %s: %s", what, path, errstr(errno));
  close(fd);
}

static void set_sysctls(void) {
  for (int i = 0; i < S.n_sysctl; i++) {
    char path[PATH_MAX] = "/proc/sys/";
    size_t o = strlen(path);
    for (const char *k = S.sysctl[i].k; *k && o < sizeof path - 1; k++) path[o++] = *k == '.' ? '/' : *k;
    path[o] = 0;
    char what[300];
    snprintf(what, sizeof what, "sysctl %s", S.sysctl[i].k);
    write_file(path, S.sysctl[i].v, what);
  }
}

static void set_caps(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  uint64_t e = S.cap[1], p = S.cap[2], in = S.cap[3];
  d[0].effective = (uint32_t)e, d[1].effective = (uint32_t)(e >> 32);
  d[0].permitted = (uint32_t)p, d[1].permitted = (uint32_t)(p >> 32);
  d[0].inheritable = (uint32_t)in, d[1].inheritable = (uint32_t)(in >> 32);
  if (syscall(SYS_capset, &h, d) < 0) sysfail("capset: %s", errstr(errno));
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    sysfail("clear ambient capabilities: %s", errstr(errno));
  /* runc ignores an ambient capability it cannot raise (one missing from
   * the inheritable set: `runc spec` itself writes such configs), and so do
   * we: the process then simply does not have it, as under runc. */
  for (int i = 0; i < NCAPS; i++)
    if ((S.cap[4] >> i) & 1)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0 && errno != EPERM)
        sysfail("raise ambient capability %s: %s", CAPS[i], errstr(errno));
}

static void drop_bounding(void) {
  for (int i = 0; i < 64; i++) {
    int r = prctl(PR_CAPBSET_READ, i, 0, 0, 0);
    if (r < 0) break; /* past the kernel's last capability */
    if (r == 1 && !((S.cap[0] >> i) & 1) && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
      sysfail("drop bounding capability %d: %s", i, errstr(errno));
  }
}

/* HOME from the container's /etc/passwd when the config does not set it (as runc does), else "/". */
static void set_home(void) {
  for (int i = 0; i < S.n_env; i++)
    if (!strncmp(S.env[i], "HOME=", 5)) return;
  static char home[PATH_MAX + 8] = "HOME=/";
  FILE *f = fopen("/etc/passwd", "re");
  if (f) {
    char line[4096];
    while (fgets(line, sizeof line, f)) {
      char *fields[7] = {0}, *s = line;
      int n = 0;
      for (; n < 7 && s; n++) fields[n] = strsep(&s, ":");
      if (n < 6 || !fields[2] || !fields[5]) continue;
      char *end;
      unsigned long uid = strtoul(fields[2], &end, 10);
      if (*end || uid != S.uid) continue;
      snprintf(home, sizeof home, "HOME=%s", fields[5]);
      break;
    }
    fclose(f);
  }
  S.env[S.n_env++] = home;
}

static void change_user(void) {
  if (S.caps) drop_bounding();
  /* Keep the permitted set across setuid; capset below picks what stays. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) sysfail("PR_SET_KEEPCAPS: %s", errstr(errno));
  /* The user owns its terminal, as runc's fixStdioPermissions does it. */
  if (S.console && S.uid != 0 && fchown(0, S.uid, (gid_t)-1) < 0) sysfail("fchown the terminal: %s", errstr(errno));
  if (setgroups((size_t)S.n_groups, S.groups) < 0) sysfail("setgroups: %s", errstr(errno));
  if (setgid(S.gid) < 0) sysfail("setgid %u: %s", (unsigned)S.gid, errstr(errno));
  if (setuid(S.uid) < 0) sysfail("setuid %u: %s", (unsigned)S.uid, errstr(errno));
  /* A credential change clears the parent-death signal: set it again. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) sysfail("PR_SET_KEEPCAPS: %s", errstr(errno));
  if (S.caps) set_caps();
}

/* ------------------------------------------------------------------------ */
/* Executable lookup, before the barrier, in runc's (Go's exec.LookPath) words */

static int executable(const char *path, int *err) {
  struct stat st;
  if (stat(path, &st) < 0) return *err = errno, 0;
  if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) return *err = EACCES, 0;
  return 1;
}

static char *look_path(const char *name) {
  int err = 0;
  if (strchr(name, '/')) {
    if (executable(name, &err)) return (char *)name;
    if (err == EACCES) fail("perm", "exec: \"%s\": permission denied", name);
    if (err == ENOENT) fail("notfound", "exec: \"%s\": stat %s: %s", name, name, errstr(err));
    fail("internal", "exec: \"%s\": stat %s: %s", name, name, errstr(err));
  }
  const char *path = "";
  for (int i = 0; i < S.n_env; i++)
    if (!strncmp(S.env[i], "PATH=", 5)) path = S.env[i] + 5;
  if (*path) {
    char *dirs = strdup(path), *s = dirs, *dir;
    while ((dir = strsep(&s, ":"))) {
      char *full = malloc(strlen(dir) + strlen(name) + 3);
      sprintf(full, "%s/%s", *dir ? dir : ".", name);
      if (executable(full, &err)) return full;
      free(full);
    }
  }
  fail("notfound", "exec: \"%s\": executable file not found in $PATH", name);
}

/* ------------------------------------------------------------------------ */

/* Dies the way the child died: same exit code, or the same signal. */
static void __attribute__((noreturn)) exit_like(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit zero = {0, 0};
    setrlimit(RLIMIT_CORE, &zero); /* the child dumped core already, if it was going to */
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig); /* a signal that does not kill (not reached for the usual ones) */
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

static void __attribute__((noreturn)) cwd_failed(int e) {
  fail(e == EACCES || e == EPERM ? "perm" : "notfound", "chdir to cwd (\"%s\") set in config.json failed: %s", S.cwd, errstr(e));
}

static void place_preserved(void);

static void child(int alive_fd) {
  /* Die with the proxy; then make sure it did not die before we said so. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) sysfail("PR_SET_PDEATHSIG: %s", errstr(errno));
  struct pollfd pf = {alive_fd, POLLIN, 0};
  if (poll(&pf, 1, 0) > 0) _exit(1); /* EOF: the proxy is gone */

  for (int i = 0; i < S.n_rlimits; i++)
    if (setrlimit(S.rlimits[i].resource, &S.rlimits[i].lim) < 0)
      sysfail("setrlimit %d: %s", S.rlimits[i].resource, errstr(errno));
  if (S.has_oom) {
    char v[32];
    snprintf(v, sizeof v, "%d", S.oom);
    write_file("/proc/self/oom_score_adj", v, "oomScoreAdj");
  }
  /* The guest's /proc is still visible here; sysctl files act on the writer's namespaces. */
  if (S.join) {
    /* The container's namespaces are joined (main): its root is ours already. */
    if (S.console) setup_console();
  } else {
    /* runc's session keyring (_ses.<id>); a kernel without keys (ENOSYS) has none to share anyway. */
    if (S.keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, S.keyring) < 0 && errno != ENOSYS)
      sysfail("join session keyring: %s", errstr(errno));
    set_sysctls();
    if (S.hostname && sethostname(S.hostname, strlen(S.hostname)) < 0) sysfail("sethostname: %s", errstr(errno));
    if (S.domainname && setdomainname(S.domainname, strlen(S.domainname)) < 0) sysfail("setdomainname: %s", errstr(errno));
    setup_rootfs();
  }

  umask(S.has_umask ? S.umask : 022);
  if (S.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) sysfail("PR_SET_NO_NEW_PRIVS: %s", errstr(errno));
  /* cwd as runc does it: first as root (a directory only root can enter
     still works), again as the user only if root was refused. */
  int chdir_later = 0;
  if (chdir(S.cwd) < 0) {
    if (errno != EACCES && errno != EPERM) cwd_failed(errno);
    chdir_later = 1;
  }
  change_user();
  set_home();
  S.env[S.n_env] = NULL;
  if (chdir_later && chdir(S.cwd) < 0) cwd_failed(errno);
  char *path = look_path(S.args[0]);
  S.args[S.n_args] = NULL;
  if (poll(&pf, 1, 0) > 0) _exit(1);
  close(alive_fd);

  write_all(SYNC_FD, "ready\n", 6);
  if (!S.join) {
    char c;
    ssize_t n;
    do n = read(SYNC_FD, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1 || c != 'g') _exit(1); /* the agent let go without starting us */
    run_hooks(1, "created", 0);
  }

  place_preserved();
  execve(path, S.args, S.env);
  /* Too late for a status line (the agent has moved on): say it on stderr. */
  int e = errno;
  dprintf(2, "clear-exec: exec %s: %s\n", path, errstr(e));
  _exit(e == ENOENT ? 127 : 126);
}

/*
 * Closes every fd above the console fd but the preserved fds' sources, which
 * become close-on-exec (the hooks must not get them).
 */
static int is_source(int fd) {
  for (int i = 0; i < S.n_pfds; i++)
    if (S.pfds[i].source == fd) return 1;
  return 0;
}

static void close_others(void) {
  int max = CONSOLE_FD;
  for (int i = 0; i < S.n_pfds; i++)
    if (S.pfds[i].source > max) max = S.pfds[i].source;
  for (int fd = CONSOLE_FD + 1; fd <= max; fd++)
    if (!is_source(fd)) close(fd);
  if (syscall(SYS_close_range, (unsigned)max + 1, ~0U, 0) < 0)
    for (int fd = max + 1; fd < 1024; fd++) close(fd);
  for (int i = 0; i < S.n_pfds; i++)
    if (fcntl(S.pfds[i].source, F_SETFD, FD_CLOEXEC) < 0)
      sysfail("preserved fd %d: fd %d: %s", S.pfds[i].target, S.pfds[i].source, errstr(errno));
}

/*
 * Right before the exec: every source to its target. First all of them above
 * every number involved (a target may be another's source), then into place
 * (dup2 clears close-on-exec). Fd 3 (sync) may be overwritten here: its close
 * tells the agent we are past the barrier, which we are; errors from now on
 * go to stderr, as an exec failure's do.
 */
static void place_preserved(void) {
  if (!S.n_pfds) return;
  int floor = CONSOLE_FD;
  for (int i = 0; i < S.n_pfds; i++) {
    if (S.pfds[i].target > floor) floor = S.pfds[i].target;
    if (S.pfds[i].source > floor) floor = S.pfds[i].source;
  }
  int tmp[MAXPFDS];
  for (int i = 0; i < S.n_pfds; i++) {
    tmp[i] = fcntl(S.pfds[i].source, F_DUPFD_CLOEXEC, floor + 1);
    if (tmp[i] < 0) {
      int e = errno;
      dprintf(2, "clear-exec: preserved fd %d: %s\n", S.pfds[i].target, errstr(e));
      sysfail("preserved fd %d: %s", S.pfds[i].target, errstr(e));
    }
    close(S.pfds[i].source);
  }
  for (int i = 0; i < S.n_pfds; i++) {
    if (dup2(tmp[i], S.pfds[i].target) < 0) {
      dprintf(2, "clear-exec: preserved fd %d: %s\n", S.pfds[i].target, errstr(errno));
      _exit(126);
    }
    close(tmp[i]);
  }
}

/* --ctty FILE ARGV...: a new session with fd 0 (a pty slave) as its controlling terminal. */
static int ctty_exec(char **argv) {
  if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0) {
    dprintf(2, "clear-exec: set the controlling terminal: %s\n", errstr(errno));
    return 126;
  }
  execv(argv[0], argv + 1);
  int e = errno;
  dprintf(2, "clear-exec: exec %s: %s\n", argv[0], errstr(e));
  return e == ENOENT ? 127 : 126;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "--ctty")) return ctty_exec(argv + 2);
  fcntl(CONSOLE_FD, F_SETFD, FD_CLOEXEC); /* EBADF without a terminal: fine */
  if (fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC) < 0) {
    dprintf(2, "clear-exec: fd %d is not open: run by the clear agent only\n", SYNC_FD);
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* the agent went away: so do we */
  parse_spec();
  /* Only stdio, the sync fd, the console fd and the preserved fds' sources
     are ours to keep; only the last reach the container (at their targets). */
  close_others();
  if (!S.console) close(CONSOLE_FD);

  for (int i = 0; i < S.n_ns_path; i++) {
    int fd = open(S.ns_path[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("notfound", "open namespace %s: %s", S.ns_path[i], errstr(errno));
    if (setns(fd, S.ns_path_flag[i]) < 0) sysfail("setns %s: %s", S.ns_path[i], errstr(errno));
    close(fd);
  }
  if (S.ns_flags && unshare(S.ns_flags) < 0) sysfail("unshare namespaces: %s", errstr(errno));

  int alive[2];
  if (pipe2(alive, O_CLOEXEC) < 0) sysfail("pipe: %s", errstr(errno));
  pid_t pid = fork();
  if (pid < 0) sysfail("fork: %s", errstr(errno));
  if (pid == 0) {
    close(alive[1]);
    child(alive[0]);
  }
  close(alive[0]);
  /* The preserved fds are the child's: our copies would hold them open (no EOF) after it ends. */
  for (int i = 0; i < S.n_pfds; i++) close(S.pfds[i].source);
  if (S.console) close(CONSOLE_FD); /* the child sends the console; its close must be the last */
  char line[32];
  int n = snprintf(line, sizeof line, "pid %d\n", pid);
  write_all(SYNC_FD, line, (size_t)n);
  close(SYNC_FD); /* the child has it; its EOF now tells the agent the child is gone or exec'd */

  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) _exit(1);
  exit_like(status);
}
