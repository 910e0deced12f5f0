/* dinit-exec-helper: applies the pre-exec steps that Node cannot run between fork and exec,
 * in the order given on its command line, then execs the service command. Every decision is
 * made by the adapter (adapters/posix/helper-plan.ts); this program only carries them out.
 *
 * Usage: dinit-exec-helper STATUS_FD OP [ARGS...] ... -- COMMAND [ARGS...]
 * On failure it writes two native-endian int32 values (stage, errno) to STATUS_FD, which is
 * close-on-exec, and exits 127. A successful exec closes STATUS_FD with nothing written.
 * Stage numbers match the order of upstream Dinit's exec stages (see helper-plan.ts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
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

enum stage {
    ST_ARRANGE_FDS = 0, ST_SET_NOTIFYFD_VAR = 2, ST_SETUP_ACTIVATION_SOCKET = 3,
    ST_CHDIR = 5, ST_SETUP_STDINOUTERR = 6, ST_ENTER_CGROUP = 7, ST_SET_RLIMITS = 8,
    ST_SET_UIDGID = 9, ST_OPEN_LOGFILE = 10, ST_SET_CAPS = 11, ST_SET_PRIO = 12,
    ST_DO_EXEC = 18
};

static int status_fd = -1;
static sigset_t exec_mask;

static void fail(int stage, int err)
{
    int msg[2] = { stage, err };
    if (status_fd >= 0) {
        ssize_t r = write(status_fd, msg, sizeof(msg));
        (void)r;
    }
    _exit(127);
}

/* Parses a decimal (or, with base 8, octal) number; a malformed instruction is a bug in the
 * adapter, reported as EINVAL at the stage being prepared. */
static long num(const char *s, int base, int stage)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (errno != 0 || *s == 0 || *end != 0) fail(stage, EINVAL);
    return v;
}

static int rlimit_resource(const char *name)
{
    if (strcmp(name, "nofile") == 0) return RLIMIT_NOFILE;
    if (strcmp(name, "core") == 0) return RLIMIT_CORE;
    if (strcmp(name, "data") == 0) return RLIMIT_DATA;
    if (strcmp(name, "as") == 0) return RLIMIT_AS;
    fail(ST_SET_RLIMITS, EINVAL);
    return -1;
}

/* "-" keeps the current value, "inf" is unlimited, anything else is a number. */
static void rlimit_value(const char *s, rlim_t *out)
{
    if (strcmp(s, "-") == 0) return;
    if (strcmp(s, "inf") == 0) { *out = RLIM_INFINITY; return; }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *s == 0 || *end != 0) fail(ST_SET_RLIMITS, EINVAL);
    *out = (rlim_t)v;
}

static void write_file(const char *path, const char *text, int stage)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(stage, errno);
    if (write(fd, text, strlen(text)) < 0) fail(stage, errno);
    close(fd);
}

#ifdef __linux__
static unsigned long long hex64(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno != 0 || *s == 0 || *end != 0) fail(ST_SET_CAPS, EINVAL);
    return v;
}

/* caps INH AMB DROPBOUND SECBITS: the IAB vectors as hex masks and the securebits value (or
 * "-"). The effective set is first raised to the permitted one (setuid with keepcaps
 * cleared it), so that CAP_SETPCAP allows the inheritable, bounding and securebits changes. */
static void apply_caps(const char *inh_s, const char *amb_s, const char *nb_s, const char *sb_s)
{
    unsigned long long inh = hex64(inh_s), amb = hex64(amb_s), nb = hex64(nb_s);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) == -1) fail(ST_SET_CAPS, errno);
    for (int i = 0; i < 2; i++) data[i].effective = data[i].permitted;
    if (syscall(SYS_capset, &hdr, data) == -1) fail(ST_SET_CAPS, errno);
    data[0].inheritable = (unsigned)(inh & 0xffffffffu);
    data[1].inheritable = (unsigned)(inh >> 32);
    if (syscall(SYS_capset, &hdr, data) == -1) fail(ST_SET_CAPS, errno);
    for (int c = 0; c < 64; c++) {
        if ((nb >> c) & 1) {
            if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1) fail(ST_SET_CAPS, errno);
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && amb != 0) fail(ST_SET_CAPS, errno);
    for (int c = 0; c < 64; c++) {
        if ((amb >> c) & 1) {
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) == -1) fail(ST_SET_CAPS, errno);
        }
    }
    if (strcmp(sb_s, "-") != 0) {
        long sb = num(sb_s, 10, ST_SET_CAPS);
        if (prctl(PR_SET_SECUREBITS, (unsigned long)sb, 0, 0, 0) == -1) fail(ST_SET_CAPS, errno);
    }
}
#endif

#define NEED(n) do { if (i + (n) >= argc) fail(ST_ARRANGE_FDS, EINVAL); } while (0)

/* keepcaps and nonewprivs: prctl(option, 1), failing at `stage`. Linux only: elsewhere the
 * helper fails at the capabilities stage with ENOSYS. */
#ifdef __linux__
#define SET_PRCTL_FLAG(option, stage) \
    do { if (prctl((option), 1, 0, 0, 0) == -1) fail((stage), errno); } while (0)
#else
#define SET_PRCTL_FLAG(option, stage) fail(ST_SET_CAPS, ENOSYS)
#endif

int main(int argc, char **argv)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &exec_mask);

    if (argc < 3) fail(ST_ARRANGE_FDS, EINVAL);
    status_fd = (int)num(argv[1], 10, ST_ARRANGE_FDS);
    if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) == -1) _exit(127);

    int i = 2;
    char buf[64];
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *op = argv[i];
        if (strcmp(op, "setsid") == 0) {
            if (setsid() == -1) fail(ST_SETUP_STDINOUTERR, errno);
        }
        else if (strcmp(op, "console") == 0) {
            /* Take the terminal as controlling terminal if we have none, then run in our own
             * process group in the foreground of the terminal. */
            if (tcgetsid(0) == -1) {
                setsid();
                ioctl(0, TIOCSCTTY, 0);
            }
            setpgid(0, 0);
            tcsetpgrp(0, getpgrp());
        }
        else if (strcmp(op, "pgrp") == 0) {
            if (setpgid(0, 0) == -1) fail(ST_SETUP_STDINOUTERR, errno);
        }
        else if (strcmp(op, "consolemask") == 0) {
            /* Terminal-generated signals stay blocked over exec for console services; SIGINT
             * only unless unmask-intr was given. */
            NEED(1);
            if (strcmp(argv[++i], "1") == 0) sigdelset(&exec_mask, SIGINT);
            else sigaddset(&exec_mask, SIGINT);
            sigaddset(&exec_mask, SIGQUIT);
            sigaddset(&exec_mask, SIGTSTP);
            sigaddset(&exec_mask, SIGTTIN);
            sigaddset(&exec_mask, SIGTTOU);
        }
        else if (strcmp(op, "umask") == 0) {
            NEED(1);
            umask((mode_t)num(argv[++i], 8, ST_ARRANGE_FDS));
        }
        else if (strcmp(op, "dup") == 0) {
            NEED(2);
            int from = (int)num(argv[i + 1], 10, ST_ARRANGE_FDS);
            int to = (int)num(argv[i + 2], 10, ST_ARRANGE_FDS);
            i += 2;
            if (dup2(from, to) == -1) fail(ST_SETUP_STDINOUTERR, errno);
        }
        else if (strcmp(op, "chdir") == 0) {
            NEED(1);
            if (chdir(argv[++i]) == -1) fail(ST_CHDIR, errno);
        }
        else if (strcmp(op, "logfile") == 0) {
            /* logfile PATH MODE UID GID TARGETS: TARGETS lists the fds to point at it ("12"). */
            NEED(5);
            const char *path = argv[i + 1];
            mode_t mode = (mode_t)num(argv[i + 2], 8, ST_OPEN_LOGFILE);
            long uid = num(argv[i + 3], 10, ST_OPEN_LOGFILE);
            long gid = num(argv[i + 4], 10, ST_OPEN_LOGFILE);
            const char *targets = argv[i + 5];
            i += 5;
            int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode);
            if (fd == -1) fail(ST_OPEN_LOGFILE, errno);
            if ((uid != -1 || gid != -1) && fchown(fd, (uid_t)uid, (gid_t)gid) == -1)
                fail(ST_OPEN_LOGFILE, errno);
            if (fchmod(fd, mode) == -1) fail(ST_OPEN_LOGFILE, errno);
            for (const char *t = targets; *t; t++) {
                if (dup2(fd, *t - '0') == -1) fail(ST_SETUP_STDINOUTERR, errno);
            }
            close(fd);
        }
        else if (strcmp(op, "rlimit") == 0) {
            NEED(3);
            int res = rlimit_resource(argv[i + 1]);
            struct rlimit rl;
            if (getrlimit(res, &rl) == -1) fail(ST_SET_RLIMITS, errno);
            rlimit_value(argv[i + 2], &rl.rlim_cur);
            rlimit_value(argv[i + 3], &rl.rlim_max);
            i += 3;
            if (setrlimit(res, &rl) == -1) fail(ST_SET_RLIMITS, errno);
        }
        else if (strcmp(op, "nice") == 0) {
            NEED(1);
            int n = (int)num(argv[++i], 10, ST_SET_PRIO);
            if (setpriority(PRIO_PROCESS, 0, n) == -1) fail(ST_SET_PRIO, errno);
#ifdef __linux__
            /* With autogroup scheduling the nice value of the group is what counts. */
            int ag = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
            if (ag >= 0) {
                snprintf(buf, sizeof(buf), "%d\n", n);
                ssize_t r = write(ag, buf, strlen(buf));
                (void)r;
                close(ag);
            }
            else if (errno != ENOENT) fail(ST_SET_PRIO, errno);
#endif
        }
        else if (strcmp(op, "ioprio") == 0) {
            NEED(1);
            long v = num(argv[++i], 10, ST_SET_PRIO);
#if defined(__linux__) && defined(SYS_ioprio_set)
            if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)v) == -1)
                fail(ST_SET_PRIO, errno);
#else
            (void)v;
            fail(ST_SET_PRIO, ENOSYS);
#endif
        }
        else if (strcmp(op, "oom") == 0) {
            NEED(1);
            snprintf(buf, sizeof(buf), "%ld\n", num(argv[++i], 10, ST_SET_PRIO));
            write_file("/proc/self/oom_score_adj", buf, ST_SET_PRIO);
        }
        else if (strcmp(op, "cgroup") == 0) {
            /* Argument: the cgroup.procs file, already resolved by the adapter. */
            NEED(1);
            snprintf(buf, sizeof(buf), "%ld", (long)getpid());
            write_file(argv[++i], buf, ST_ENTER_CGROUP);
        }
        else if (strcmp(op, "jail") == 0) {
            NEED(1);
            i++;
#ifdef __FreeBSD__
            int jid = jail_getid(argv[i]);
            if (jid == -1 || jail_attach(jid) == -1) fail(ST_SET_UIDGID, errno ? errno : ENOENT);
#else
            fail(ST_SET_UIDGID, ENOSYS);
#endif
        }
        else if (strcmp(op, "setgroups0") == 0) {
            if (setgroups(0, NULL) == -1) fail(ST_SET_UIDGID, errno);
        }
        else if (strcmp(op, "initgroups") == 0) {
            NEED(2);
            gid_t g = (gid_t)num(argv[i + 2], 10, ST_SET_UIDGID);
            if (initgroups(argv[i + 1], g) == -1) fail(ST_SET_UIDGID, errno);
            i += 2;
        }
        else if (strcmp(op, "setgid") == 0) {
            NEED(1);
            gid_t g = (gid_t)num(argv[++i], 10, ST_SET_UIDGID);
            if (setregid(g, g) == -1) fail(ST_SET_UIDGID, errno);
        }
        else if (strcmp(op, "setuid") == 0) {
            NEED(1);
            uid_t u = (uid_t)num(argv[++i], 10, ST_SET_UIDGID);
            if (setreuid(u, u) == -1) fail(ST_SET_UIDGID, errno);
        }
        else if (strcmp(op, "keepcaps") == 0) {
            SET_PRCTL_FLAG(PR_SET_KEEPCAPS, ST_SET_UIDGID);
        }
        else if (strcmp(op, "caps") == 0) {
            NEED(4);
#ifdef __linux__
            apply_caps(argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4]);
#else
            fail(ST_SET_CAPS, ENOSYS);
#endif
            i += 4;
        }
        else if (strcmp(op, "nonewprivs") == 0) {
            SET_PRCTL_FLAG(PR_SET_NO_NEW_PRIVS, ST_SET_CAPS);
        }
        else if (strcmp(op, "listenpid") == 0) {
            snprintf(buf, sizeof(buf), "%ld", (long)getpid());
            if (setenv("LISTEN_PID", buf, 1) == -1) fail(ST_SETUP_ACTIVATION_SOCKET, errno);
        }
        else {
            fail(ST_ARRANGE_FDS, EINVAL);
        }
    }

    if (i + 1 >= argc) fail(ST_DO_EXEC, EINVAL);
    sigprocmask(SIG_SETMASK, &exec_mask, NULL);
    execvp(argv[i + 1], &argv[i + 1]);
    fail(ST_DO_EXEC, errno);
    return 127;
}
