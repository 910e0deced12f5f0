/* The pre-exec instruction interpreter shared by the exec helper and the spawner: one handler
 * per instruction in a table (name, argument count), run in the order the adapter wrote them.
 * Every decision is made by the adapter (adapters/posix/helper-plan.ts); this only carries out.
 */
#define _GNU_SOURCE
#include "preexec.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#ifdef __FreeBSD__
#include <sys/param.h>
#include <sys/jail.h>
#include <jail.h> /* jail_getid(), from libjail: link with -ljail */
#endif

int preexec_status_fd = -1;
static sigset_t *exec_mask;

void preexec_fail(int stage, int err)
{
    int msg[2] = { stage, err };
    if (preexec_status_fd >= 0) {
        ssize_t r = write(preexec_status_fd, msg, sizeof(msg));
        (void)r;
    }
    _exit(127);
}

long preexec_num(const char *s, int base, int stage)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (errno != 0 || *s == 0 || *end != 0) preexec_fail(stage, EINVAL);
    return v;
}

static int rlimit_resource(const char *name)
{
    if (strcmp(name, "nofile") == 0) return RLIMIT_NOFILE;
    if (strcmp(name, "core") == 0) return RLIMIT_CORE;
    if (strcmp(name, "data") == 0) return RLIMIT_DATA;
    if (strcmp(name, "as") == 0) return RLIMIT_AS;
    preexec_fail(ST_SET_RLIMITS, EINVAL);
}

/* "-" keeps the current value, "inf" is unlimited, anything else is a number. */
static void rlimit_value(const char *s, rlim_t *out)
{
    if (strcmp(s, "-") == 0) return;
    if (strcmp(s, "inf") == 0) { *out = RLIM_INFINITY; return; }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *s == 0 || *end != 0) preexec_fail(ST_SET_RLIMITS, EINVAL);
    *out = (rlim_t)v;
}

static void write_file(const char *path, const char *text, int stage)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) preexec_fail(stage, errno);
    if (write(fd, text, strlen(text)) < 0) preexec_fail(stage, errno);
    close(fd);
}

static void check(int r, int stage)
{
    if (r == -1) preexec_fail(stage, errno);
}

/* ---- one handler per instruction; a[] holds its arguments ---------------------------------- */

static void op_setsid(char **a) { (void)a; check((int)setsid(), ST_SETUP_STDINOUTERR); }
static void op_pgrp(char **a) { (void)a; check(setpgid(0, 0), ST_SETUP_STDINOUTERR); }

/* Take the terminal as controlling terminal if we have none, then run in our own process group
 * in the foreground of the terminal. */
static void op_console(char **a)
{
    (void)a;
    if (tcgetsid(0) == -1) {
        setsid();
        ioctl(0, TIOCSCTTY, 0);
    }
    setpgid(0, 0);
    tcsetpgrp(0, getpgrp());
}

/* Terminal-generated signals stay blocked over exec for console services; SIGINT only unless
 * unmask-intr was given. */
static void op_consolemask(char **a)
{
    if (strcmp(a[0], "1") == 0) sigdelset(exec_mask, SIGINT);
    else sigaddset(exec_mask, SIGINT);
    sigaddset(exec_mask, SIGQUIT);
    sigaddset(exec_mask, SIGTSTP);
    sigaddset(exec_mask, SIGTTIN);
    sigaddset(exec_mask, SIGTTOU);
}

static void op_umask(char **a) { umask((mode_t)preexec_num(a[0], 8, ST_ARRANGE_FDS)); }

static void op_dup(char **a)
{
    int from = (int)preexec_num(a[0], 10, ST_ARRANGE_FDS);
    int to = (int)preexec_num(a[1], 10, ST_ARRANGE_FDS);
    check(dup2(from, to), ST_SETUP_STDINOUTERR);
}

static void op_chdir(char **a) { check(chdir(a[0]), ST_CHDIR); }

/* logfile PATH MODE UID GID TARGETS: TARGETS lists the fds to point at it ("12"). */
static void op_logfile(char **a)
{
    mode_t mode = (mode_t)preexec_num(a[1], 8, ST_OPEN_LOGFILE);
    long uid = preexec_num(a[2], 10, ST_OPEN_LOGFILE);
    long gid = preexec_num(a[3], 10, ST_OPEN_LOGFILE);
    int fd = open(a[0], O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode);
    check(fd, ST_OPEN_LOGFILE);
    if (uid != -1 || gid != -1) check(fchown(fd, (uid_t)uid, (gid_t)gid), ST_OPEN_LOGFILE);
    check(fchmod(fd, mode), ST_OPEN_LOGFILE);
    for (const char *t = a[4]; *t; t++) check(dup2(fd, *t - '0'), ST_SETUP_STDINOUTERR);
    close(fd);
}

static void op_rlimit(char **a)
{
    int res = rlimit_resource(a[0]);
    struct rlimit rl;
    check(getrlimit(res, &rl), ST_SET_RLIMITS);
    rlimit_value(a[1], &rl.rlim_cur);
    rlimit_value(a[2], &rl.rlim_max);
    check(setrlimit(res, &rl), ST_SET_RLIMITS);
}

static void op_nice(char **a)
{
    int n = (int)preexec_num(a[0], 10, ST_SET_PRIO);
    check(setpriority(PRIO_PROCESS, 0, n), ST_SET_PRIO);
#ifdef __linux__
    /* With autogroup scheduling the nice value of the group is what counts. */
    char buf[32];
    int ag = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
    if (ag >= 0) {
        snprintf(buf, sizeof(buf), "%d\n", n);
        ssize_t r = write(ag, buf, strlen(buf));
        (void)r;
        close(ag);
    }
    else if (errno != ENOENT) preexec_fail(ST_SET_PRIO, errno);
#endif
}

static void op_ioprio(char **a)
{
    long v = preexec_num(a[0], 10, ST_SET_PRIO);
#if defined(__linux__) && defined(SYS_ioprio_set)
    check((int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)v), ST_SET_PRIO);
#else
    (void)v;
    preexec_fail(ST_SET_PRIO, ENOSYS);
#endif
}

static void op_oom(char **a)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld\n", preexec_num(a[0], 10, ST_SET_PRIO));
    write_file("/proc/self/oom_score_adj", buf, ST_SET_PRIO);
}

/* Argument: the cgroup.procs file, already resolved by the adapter. */
static void op_cgroup(char **a)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", (long)getpid());
    write_file(a[0], buf, ST_ENTER_CGROUP);
}

static void op_jail(char **a)
{
#ifdef __FreeBSD__
    int jid = jail_getid(a[0]);
    if (jid == -1 || jail_attach(jid) == -1) preexec_fail(ST_SET_UIDGID, errno ? errno : ENOENT);
#else
    (void)a;
    preexec_fail(ST_SET_UIDGID, ENOSYS);
#endif
}

static void op_setgroups0(char **a) { (void)a; check(setgroups(0, NULL), ST_SET_UIDGID); }

static void op_initgroups(char **a)
{
    gid_t g = (gid_t)preexec_num(a[1], 10, ST_SET_UIDGID);
    check(initgroups(a[0], g), ST_SET_UIDGID);
}

static void op_setgid(char **a)
{
    gid_t g = (gid_t)preexec_num(a[0], 10, ST_SET_UIDGID);
    check(setregid(g, g), ST_SET_UIDGID);
}

static void op_setuid(char **a)
{
    uid_t u = (uid_t)preexec_num(a[0], 10, ST_SET_UIDGID);
    check(setreuid(u, u), ST_SET_UIDGID);
}

#ifdef __linux__
static unsigned long long hex64(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno != 0 || *s == 0 || *end != 0) preexec_fail(ST_SET_CAPS, EINVAL);
    return v;
}

static void each_bit(unsigned long long mask, int option, int arg2)
{
    for (int c = 0; c < 64; c++) {
        if (!((mask >> c) & 1)) continue;
        int r = option == PR_CAPBSET_DROP ? prctl(option, c, 0, 0, 0) : prctl(option, arg2, c, 0, 0);
        check(r, ST_SET_CAPS);
    }
}

/* caps INH AMB DROPBOUND SECBITS: the IAB vectors as hex masks and the securebits value (or
 * "-"). The effective set is first raised to the permitted one (setuid with keepcaps cleared
 * it), so that CAP_SETPCAP allows the inheritable, bounding and securebits changes. */
static void op_caps(char **a)
{
    unsigned long long inh = hex64(a[0]), amb = hex64(a[1]), nb = hex64(a[2]);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    check((int)syscall(SYS_capget, &hdr, data), ST_SET_CAPS);
    for (int i = 0; i < 2; i++) data[i].effective = data[i].permitted;
    check((int)syscall(SYS_capset, &hdr, data), ST_SET_CAPS);
    data[0].inheritable = (unsigned)(inh & 0xffffffffu);
    data[1].inheritable = (unsigned)(inh >> 32);
    check((int)syscall(SYS_capset, &hdr, data), ST_SET_CAPS);
    each_bit(nb, PR_CAPBSET_DROP, 0);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && amb != 0)
        preexec_fail(ST_SET_CAPS, errno);
    each_bit(amb, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE);
    if (strcmp(a[3], "-") != 0) {
        long sb = preexec_num(a[3], 10, ST_SET_CAPS);
        check(prctl(PR_SET_SECUREBITS, (unsigned long)sb, 0, 0, 0), ST_SET_CAPS);
    }
}

static void op_keepcaps(char **a) { (void)a; check(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), ST_SET_UIDGID); }
static void op_nonewprivs(char **a) { (void)a; check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ST_SET_CAPS); }
#else
static void op_caps(char **a) { (void)a; preexec_fail(ST_SET_CAPS, ENOSYS); }
static void op_keepcaps(char **a) { (void)a; preexec_fail(ST_SET_CAPS, ENOSYS); }
static void op_nonewprivs(char **a) { (void)a; preexec_fail(ST_SET_CAPS, ENOSYS); }
#endif

static void op_listenpid(char **a)
{
    char buf[32];
    (void)a;
    snprintf(buf, sizeof(buf), "%ld", (long)getpid());
    check(setenv("LISTEN_PID", buf, 1), ST_SETUP_ACTIVATION_SOCKET);
}

static const struct op {
    const char *name;
    int nargs;
    void (*run)(char **a);
} ops[] = {
    { "setsid", 0, op_setsid }, { "console", 0, op_console }, { "pgrp", 0, op_pgrp },
    { "consolemask", 1, op_consolemask }, { "umask", 1, op_umask }, { "dup", 2, op_dup },
    { "chdir", 1, op_chdir }, { "logfile", 5, op_logfile }, { "rlimit", 3, op_rlimit },
    { "nice", 1, op_nice }, { "ioprio", 1, op_ioprio }, { "oom", 1, op_oom },
    { "cgroup", 1, op_cgroup }, { "jail", 1, op_jail }, { "setgroups0", 0, op_setgroups0 },
    { "initgroups", 2, op_initgroups }, { "setgid", 1, op_setgid }, { "setuid", 1, op_setuid },
    { "keepcaps", 0, op_keepcaps }, { "caps", 4, op_caps }, { "nonewprivs", 0, op_nonewprivs },
    { "listenpid", 0, op_listenpid },
};

int preexec_run(int argc, char **argv, sigset_t *mask)
{
    exec_mask = mask;
    int i = 0;
    while (i < argc && strcmp(argv[i], "--") != 0) {
        const struct op *op = NULL;
        for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
            if (strcmp(ops[k].name, argv[i]) == 0) op = &ops[k];
        }
        /* An unknown or truncated instruction is a bug in the adapter: EINVAL at stage 0. */
        if (op == NULL || i + op->nargs >= argc) preexec_fail(ST_ARRANGE_FDS, EINVAL);
        op->run(&argv[i + 1]);
        i += 1 + op->nargs;
    }
    return i;
}
