/* dinit-init: the only code that ever runs as PID 1. It starts the service manager (Node) as its
 * child, reaps every orphan, forwards the manager's signals, restarts the manager if it dies, and
 * does the final steps of a shutdown (kill what is left, sync, unmount, reboot(2)) itself.
 *
 * Usage: dinit-init MANAGER-PATH [MANAGER-ARGS...]   (bin/dinit execs this when it finds itself
 * PID 1; MANAGER-ARGS are node's script and dinit's original arguments.)
 *        dinit-init --final TYPE   (as PID 1: only the final steps; `dinit-shutdown --system`
 *        execs this when upstream's dinit runs it as PID 1)
 * Signals to PID 1: SIGINT reboot and SIGTERM halt (forwarded: the manager stops the services
 * first; in container mode both stop and exit), SIGQUIT immediate power-off, SIGHUP, SIGUSR1 and
 * SIGUSR2 forwarded, SIGRTMIN+13..16 immediate halt, power-off, reboot, kexec (the numbers
 * systemd uses; `dinit-shutdown --system` sends them).
 *
 * The private channel. A SOCK_STREAM socketpair; the manager's end is passed as the fd number in
 * DINIT_INIT_FD, and DINIT_INIT_RUN says how many times the manager has been started since the
 * last boot (0: fresh boot; more: a restart after a crash or daemon-reexec, so the manager takes
 * its running services back from its journal). Messages are text lines of at most 127 bytes:
 *   manager -> init
 *     "mode system" | "mode container"  what to do when the manager is gone (default: from -o)
 *     "shutdown TYPE"   every service has stopped; TYPE is halt, poweroff, reboot, kexec or
 *                       softreboot; the manager exits next and the init does the final steps
 *     "exit N"          (container mode) every service has stopped; the init exits with N
 *     "reexec"          the manager is about to exit to be replaced: restart it at once,
 *                       without counting a failure (daemon-reexec itself execs in place, with
 *                       the same pid, and needs no message)
 *     "hold FD INO"     keep a copy of the manager's descriptor FD (a log pipe's read end, inode
 *                       INO; taken with pidfd_getfd), so that the pipe outlives a crashed
 *                       manager: its writers never see EPIPE and what they write waits in it
 *     "drop FD INO"     let go of that copy
 *   init -> manager
 *     "exit PID CODE STATUS"  the init reaped PID (si_code CLD_EXITED=1, CLD_KILLED=2,
 *                       CLD_DUMPED=3; STATUS is the exit code or the signal). Exits reaped while
 *                       no manager was running are kept (up to REAPED_MAX) and replayed first
 *                       to the next manager.
 * Pipes held are passed to the next manager under the numbers the old one had them at, listed
 * as FD:INO in DINIT_INIT_HELD; the manager's journal names them per service.
 * Who reaps what: the manager is a child subreaper, so while it runs every service and every
 * orphan of a service is its child and it reaps them itself; the init only reaps what reaches
 * PID 1. When the manager dies its children move to the init, which reaps them from then on and
 * reports each exit on the channel (or replays it), so a re-attaching manager, which finds its
 * services by pidfd and checks their start time, never loses an exit status and never mistakes
 * a recycled pid for its service.
 *
 * Small by design: libc only, every buffer static, no allocation after start-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef RB_KEXEC
#define RB_KEXEC 0x45584543
#endif
/* The inode of the initial PID namespace (PROC_PID_INIT_INO): outside it, reboot(2) only ends
 * the namespace and the mounts may be shared with the host, so nothing is unmounted there. */
#define INIT_PID_NS_INO 0xEFFFFFFCUL

enum sd_type { SD_NONE, SD_HALT, SD_POWEROFF, SD_REBOOT, SD_KEXEC, SD_SOFTREBOOT };

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define REAPED_MAX 256
#define HELD_MAX 64             /* log pipes held for the manager */
#define MAX_FAILURES 5          /* manager deaths within FAILURE_WINDOW_MS before giving up */
#define FAILURE_WINDOW_MS 60000
#define TERM_GRACE_MS 3000      /* after SIGTERM to what is left, before SIGKILL */
#define CONTAINER_STOP_MS 8000  /* -o: SIGTERM to forced stop, inside docker stop's 10 s */

struct reaped { int pid, code, status; };
struct held { int num; unsigned long ino; int fd; }; /* the manager's fd number, our copy */

static struct {
    char **mgr_argv;
    char **env;                 /* environ plus the two DINIT_INIT_ variables */
    char fd_var[32], run_var[32], held_var[HELD_MAX * 24 + 24];
    int sigfd, chan;            /* chan: our end of the channel, -1 when none */
    pid_t mgr;                  /* 0 when no manager runs */
    int mgr_pidfd;              /* for pidfd_getfd, -1 when none */
    struct held held[HELD_MAX];
    int nheld;
    int container;              /* exit instead of reboot(2) */
    int runs;                   /* manager starts since the last fresh boot */
    enum sd_type shutdown;      /* requested by the manager */
    int exit_code;              /* "exit N" received, else -1 */
    int reexec;
    long restart_at;            /* monotonic ms of a pending restart, or 0 */
    long stop_deadline;         /* container stop deadline, or 0 */
    long failures[MAX_FAILURES];
    int nfail;
    int prompting;              /* waiting for an answer on the console */
    char in[512];
    size_t in_len;
    struct reaped reaped[REAPED_MAX];
    int nreaped;
    int last_signal;            /* signal that killed the manager last, for the container status */
} st;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void say(const char *msg)
{
    char line[256];
    int n = snprintf(line, sizeof line, "dinit-init: %s\n", msg);
    if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
        /* Nowhere else to report to. */
    }
}

/* ---- pure helpers (unit-tested) ---- */

/* The shutdown type named by s, or SD_NONE. */
static enum sd_type parse_sd_type(const char *s)
{
    static const char *const names[] = {"", "halt", "poweroff", "reboot", "kexec", "softreboot"};
    for (int i = 1; i < 6; i++)
        if (strcmp(s, names[i]) == 0) return (enum sd_type)i;
    return SD_NONE;
}

/* Container mode if the last of -o/--container and -m/--system-mgr in argv is -o. */
static int container_from_args(char **argv)
{
    int c = 0;
    for (; *argv; argv++) {
        if (strcmp(*argv, "-o") == 0 || strcmp(*argv, "--container") == 0) c = 1;
        else if (strcmp(*argv, "-m") == 0 || strcmp(*argv, "--system-mgr") == 0) c = 0;
    }
    return c;
}

/* Delay before the n-th restart in a row (n >= 1): 50 ms doubling, at most 3.2 s. */
static long restart_delay_ms(int n)
{
    if (n <= 1) return 50;
    if (n > 7) n = 7;
    return 50L << (n - 1);
}

/* The status a container runtime sees for a manager that exited with code or died of signal. */
static int container_status(int code, int signal)
{
    return signal > 0 ? 128 + signal : code;
}

/* Records a death at time t; returns 1 when MAX_FAILURES fell within FAILURE_WINDOW_MS. */
static int note_failure(long t)
{
    if (st.nfail == MAX_FAILURES) {
        memmove(st.failures, st.failures + 1, sizeof st.failures[0] * (MAX_FAILURES - 1));
        st.nfail--;
    }
    st.failures[st.nfail++] = t;
    return st.nfail == MAX_FAILURES && t - st.failures[0] <= FAILURE_WINDOW_MS;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_mount_path(char *s)
{
    char *o = s;
    for (; *s; s++, o++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o = *s;
        }
    }
    *o = '\0';
}

/* The mount point (5th field) of one mountinfo line, unescaped into out; 0 on success. */
static int mount_point_of(const char *line, char *out, size_t outsz)
{
    const char *p = line;
    for (int field = 0; field < 4; field++) {
        p = strchr(p, ' ');
        if (!p) return -1;
        p++;
    }
    size_t n = strcspn(p, " \n");
    if (n == 0 || n >= outsz) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    unescape_mount_path(out);
    return 0;
}

/* ---- the channel ---- */

static void send_line(const char *line)
{
    if (st.chan < 0) return;
    /* Non-blocking: a manager that does not read loses messages rather than stalling PID 1. */
    if (send(st.chan, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) say("channel full");
}

static void report_exit(int pid, int code, int status)
{
    if (st.chan >= 0 && st.mgr > 0) {
        char line[64];
        snprintf(line, sizeof line, "exit %d %d %d\n", pid, code, status);
        send_line(line);
        return;
    }
    if (st.nreaped == REAPED_MAX) {
        memmove(st.reaped, st.reaped + 1, sizeof st.reaped[0] * (REAPED_MAX - 1));
        st.nreaped--;
    }
    st.reaped[st.nreaped++] = (struct reaped){pid, code, status};
}

/* Forgets held entry i (closing our copy). */
static void forget_held(int i)
{
    if (st.held[i].fd >= 0) close(st.held[i].fd);
    st.held[i] = st.held[--st.nheld];
}

/* Drops the copy of the manager's descriptor num if it is still the pipe with inode ino. */
static void drop_fd(int num, unsigned long ino)
{
    for (int i = 0; i < st.nheld; i++)
        if (st.held[i].num == num && st.held[i].ino == ino) { forget_held(i); return; }
}

/* Takes a copy of the manager's descriptor num, checked to be the pipe with inode ino; an older
 * copy under the same number (closed and reused since) is replaced. */
static void hold_fd(int num, unsigned long ino)
{
    for (int i = 0; i < st.nheld; i++)
        if (st.held[i].num == num) { forget_held(i); break; }
    if (st.nheld == HELD_MAX || st.mgr_pidfd < 0) { say("cannot hold a log pipe"); return; }
    int fd = (int)syscall(SYS_pidfd_getfd, st.mgr_pidfd, num, 0);
    struct stat sb;
    if (fd < 0) return;
    if (fstat(fd, &sb) != 0 || (unsigned long)sb.st_ino != ino) { close(fd); return; }
    st.held[st.nheld++] = (struct held){num, ino, fd};
}

/* The DINIT_INIT_HELD value ("FD:INO,..."), into out. */
static void format_held(char *out, size_t outsz)
{
    size_t n = (size_t)snprintf(out, outsz, "DINIT_INIT_HELD=");
    for (int i = 0; i < st.nheld && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%d:%lu", i ? "," : "", st.held[i].num,
                              st.held[i].ino);
}

/* In the new manager's process: every held pipe at the number the old manager had it at. Our
 * copies are moved above every such number first, so no dup2 overwrites another copy. */
static void place_held(int *chan)
{
    int top = *chan;
    for (int i = 0; i < st.nheld; i++) if (st.held[i].num > top) top = st.held[i].num;
    *chan = fcntl(*chan, F_DUPFD, top + 1);
    for (int i = 0; i < st.nheld; i++)
        st.held[i].fd = fcntl(st.held[i].fd, F_DUPFD_CLOEXEC, top + 1);
    for (int i = 0; i < st.nheld; i++) dup2(st.held[i].fd, st.held[i].num);
}

static void handle_line(char *line)
{
    if (strcmp(line, "mode system") == 0) st.container = 0;
    else if (strcmp(line, "mode container") == 0) st.container = 1;
    else if (strncmp(line, "shutdown ", 9) == 0) st.shutdown = parse_sd_type(line + 9);
    else if (strncmp(line, "exit ", 5) == 0) st.exit_code = atoi(line + 5) & 0xff;
    else if (strcmp(line, "reexec") == 0) st.reexec = 1;
    else if (strncmp(line, "hold ", 5) == 0 || strncmp(line, "drop ", 5) == 0) {
        int num = -1;
        unsigned long ino = 0;
        if (sscanf(line + 5, "%d %lu", &num, &ino) == 2 && num >= 0) {
            if (line[0] == 'h') hold_fd(num, ino);
            else drop_fd(num, ino);
        }
    }
}

/* Reads and handles what the manager wrote; returns 1 if there may be more to read. */
static int read_channel(void)
{
    ssize_t n = read(st.chan, st.in + st.in_len, sizeof st.in - 1 - st.in_len);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        close(st.chan);
        st.chan = -1;
        return 0;
    }
    st.in_len += (size_t)n;
    st.in[st.in_len] = '\0';
    char *start = st.in, *nl;
    while ((nl = strchr(start, '\n')) != NULL) {
        *nl = '\0';
        handle_line(start);
        start = nl + 1;
    }
    st.in_len -= (size_t)(start - st.in);
    memmove(st.in, start, st.in_len);
    if (st.in_len == sizeof st.in - 1) st.in_len = 0; /* an over-long line: drop it */
    return 1;
}

/* ---- processes ---- */

static void start_manager(void)
{
    int sv[2];
    st.shutdown = SD_NONE;
    st.exit_code = -1;
    st.reexec = 0;
    st.restart_at = 0;
    st.in_len = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) sv[0] = sv[1] = -1;
    snprintf(st.run_var, sizeof st.run_var, "DINIT_INIT_RUN=%d", st.runs);
    format_held(st.held_var, sizeof st.held_var);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        int chan = sv[1];
        if (chan >= 0) place_held(&chan);
        snprintf(st.fd_var, sizeof st.fd_var, "DINIT_INIT_FD=%d", chan);
        execve(st.mgr_argv[0], st.mgr_argv, st.env);
        say("cannot execute the service manager");
        _exit(127);
    }
    if (sv[1] >= 0) close(sv[1]);
    if (pid < 0) {
        say("cannot fork the service manager");
        if (sv[0] >= 0) close(sv[0]);
        st.restart_at = now_ms() + 1000;
        return;
    }
    st.mgr = pid;
    st.mgr_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    st.runs++;
    st.chan = sv[0];
    if (st.chan >= 0) fcntl(st.chan, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < st.nreaped; i++) {
        char line[64];
        snprintf(line, sizeof line, "exit %d %d %d\n", st.reaped[i].pid, st.reaped[i].code,
                 st.reaped[i].status);
        send_line(line);
    }
    st.nreaped = 0;
}

static void manager_gone(int code, int status);

/* Reaps every exited child; returns how many children remain (-1: none, ECHILD). */
static int reap_all(void)
{
    for (;;) {
        siginfo_t si;
        si.si_pid = 0;
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0) return errno == ECHILD ? -1 : 1;
        if (si.si_pid == 0) return 1;
        if (si.si_pid == st.mgr) {
            st.mgr = 0;
            manager_gone(si.si_code, si.si_status);
        } else {
            report_exit(si.si_pid, si.si_code, si.si_status);
        }
    }
}

/* SIGTERM to every other process, a grace period, then SIGKILL; reaps them all. Only as PID 1
 * (kill(-1) from anywhere else would reach the whole machine). */
static void kill_everything(int grace_ms)
{
    if (getpid() != 1) return;
    kill(-1, SIGTERM);
    kill(-1, SIGCONT);
    long end = now_ms() + grace_ms;
    while (reap_all() >= 0 && now_ms() < end) usleep(20000);
    kill(-1, SIGKILL);
    end = now_ms() + 5000;
    while (reap_all() >= 0 && now_ms() < end) usleep(10000);
}

static int in_initial_pid_ns(void)
{
    struct stat sb;
    return stat("/proc/self/ns/pid", &sb) == 0 && (unsigned long)sb.st_ino == INIT_PID_NS_INO;
}

/* Unmounts everything it can, innermost first; what stays busy is remounted read-only. */
static void unmount_all(void)
{
    static char buf[65536], mp[4096];
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t len = 0, n;
    while (len < (ssize_t)sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += n;
    close(fd);
    buf[len] = '\0';
    /* Walk the lines backwards: later mounts sit on top of earlier ones. */
    for (char *end = buf + len; end > buf;) {
        char *line = end - 1;
        while (line > buf && line[-1] != '\n') line--;
        char *next = line;
        if (mount_point_of(line, mp, sizeof mp) == 0 && umount2(mp, 0) != 0)
            mount(NULL, mp, NULL, MS_REMOUNT | MS_RDONLY, NULL);
        end = next;
        if (end > buf) end[-1] = '\0';
    }
}

static void prompt(void);

/* The final steps, after the manager stopped every service (or on SIGQUIT). */
static void finish(enum sd_type type)
{
    kill_everything(TERM_GRACE_MS);
    sync();
    if (type == SD_SOFTREBOOT) {
        say("soft-reboot: restarting the service manager");
        st.runs = 0;
        st.nfail = 0;
        st.nreaped = 0;
        start_manager();
        return;
    }
    if (in_initial_pid_ns()) {
        unmount_all();
        sync();
    }
    int cmd = type == SD_REBOOT ? RB_AUTOBOOT : type == SD_KEXEC ? RB_KEXEC
            : type == SD_HALT ? RB_HALT_SYSTEM : RB_POWER_OFF;
    reboot(cmd);
    if (cmd != RB_AUTOBOOT) reboot(RB_AUTOBOOT); /* no kexec kernel loaded, say */
    say("reboot(2) failed");
    if (getpid() != 1) _exit(1);
    st.prompting = 0;
    prompt(); /* PID 1 must not exit: offer the console instead */
}

static void container_exit(int status)
{
    kill_everything(TERM_GRACE_MS);
    _exit(status);
}

static void prompt(void)
{
    if (!isatty(0)) {
        say("no console to ask: halting");
        finish(SD_HALT);
        return;
    }
    static const char q[] = "Choose: (r)eboot, r(e)covery shell, re(s)tart service manager, "
                            "(p)ower off? ";
    static struct termios t;
    if (write(1, q, sizeof q - 1) < 0) return;
    if (tcgetattr(0, &t) == 0) {
        t.c_lflag &= ~(tcflag_t)ICANON; /* one key, no Enter */
        tcsetattr(0, TCSAFLUSH, &t);
    }
    st.prompting = 1;
}

static void answer(void)
{
    char c;
    struct termios t;
    if (read(0, &c, 1) != 1 || c == '\n') return;
    st.prompting = 0;
    if (write(1, "\n", 1) < 0) {}
    if (tcgetattr(0, &t) == 0) {
        t.c_lflag |= ICANON;
        tcsetattr(0, TCSANOW, &t);
    }
    if (c == 'r' || c == 'R') finish(SD_REBOOT);
    else if (c == 'p' || c == 'P') finish(SD_POWEROFF);
    else if (c == 's' || c == 'S') { st.nfail = 0; start_manager(); }
    else if (c == 'e' || c == 'E') {
        pid_t pid = fork();
        if (pid == 0) {
            sigset_t all;
            sigemptyset(&all);
            sigprocmask(SIG_SETMASK, &all, NULL);
            execl("/bin/sh", "sh", (char *)NULL);
            _exit(127);
        }
        siginfo_t si;
        while (pid > 0 && waitid(P_PID, pid, &si, WEXITED) < 0 && errno == EINTR) {}
        prompt();
    } else prompt();
}

static void manager_gone(int code, int status)
{
    int sig = code == CLD_EXITED ? 0 : status;
    while (st.chan >= 0 && read_channel()) {} /* take what it wrote before it went */
    if (st.chan >= 0) close(st.chan);
    st.chan = -1;
    if (st.mgr_pidfd >= 0) close(st.mgr_pidfd);
    st.mgr_pidfd = -1;
    if (st.shutdown != SD_NONE || st.exit_code >= 0)
        while (st.nheld > 0) forget_held(0);
    if (st.shutdown != SD_NONE) { finish(st.shutdown); return; }
    if (st.exit_code >= 0) { container_exit(st.exit_code); return; }
    if (st.reexec) { start_manager(); return; }
    st.last_signal = sig;
    char msg[96];
    snprintf(msg, sizeof msg, "service manager %s %d", sig ? "killed by signal" : "exited with status",
             sig ? sig : status);
    say(msg);
    if (st.stop_deadline) { container_exit(container_status(status, sig)); return; }
    if (note_failure(now_ms())) {
        say("the service manager keeps failing");
        if (st.container) container_exit(sig ? 128 + sig : status ? status : 1);
        else prompt();
        return;
    }
    int streak = 0;
    for (int i = st.nfail - 1; i >= 0 && now_ms() - st.failures[i] < FAILURE_WINDOW_MS; i--)
        streak++;
    st.restart_at = now_ms() + restart_delay_ms(streak);
    say("restarting the service manager");
}

static void on_signal(int sig)
{
    switch (sig) {
    case SIGCHLD:
        reap_all();
        return;
    case SIGQUIT:
        /* Immediate shutdown without stopping services in order, as dinit does. */
        if (st.mgr > 0) kill(st.mgr, SIGKILL);
        if (st.container) container_exit(128 + SIGQUIT);
        else finish(SD_POWEROFF);
        return;
    case SIGTERM:
    case SIGINT:
        if (st.container && !st.stop_deadline) st.stop_deadline = now_ms() + CONTAINER_STOP_MS;
        if (st.mgr <= 0) {
            if (st.container) container_exit(0);
            else finish(sig == SIGINT ? SD_REBOOT : SD_HALT);
            return;
        }
        kill(st.mgr, sig); /* the manager stops the services first */
        return;
    case SIGHUP:
    case SIGUSR1:
    case SIGUSR2:
        if (st.mgr > 0) kill(st.mgr, sig);
        return;
    default:
        if (sig >= SIGRTMIN + 13 && sig <= SIGRTMIN + 16) {
            static const enum sd_type now[] = {SD_HALT, SD_POWEROFF, SD_REBOOT, SD_KEXEC};
            if (st.mgr > 0) kill(st.mgr, SIGKILL);
            finish(now[sig - SIGRTMIN - 13]);
        }
        return; /* the rest are not the manager's business */
    }
}

#ifndef DINIT_INIT_NO_MAIN
int main(int argc, char **argv)
{
    extern char **environ;
    if (argc < 2) {
        say("usage: dinit-init MANAGER-PATH [ARGS...]");
        return 2;
    }
    if (strcmp(argv[1], "--final") == 0) {
        enum sd_type type = argc > 2 ? parse_sd_type(argv[2]) : SD_POWEROFF;
        if (getpid() != 1 || type == SD_NONE || type == SD_SOFTREBOOT) {
            say("--final needs PID 1 and one of halt, poweroff, reboot, kexec");
            return 2;
        }
        st.chan = -1;
        finish(type);
        for (;;) pause();
    }
    st.mgr_argv = argv + 1;
    st.mgr_pidfd = -1;
    st.container = container_from_args(argv + 1);
    st.chan = -1;
    size_t nenv = 0;
    while (environ[nenv]) nenv++;
    st.env = calloc(nenv + 4, sizeof *st.env); /* the one allocation, at start-up */
    if (!st.env) return 1;
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], "DINIT_INIT_", 11) != 0) st.env[k++] = environ[i];
    st.env[k++] = st.fd_var;
    st.env[k++] = st.run_var;
    st.env[k++] = st.held_var;
    const char *run = getenv("DINIT_INIT_RUN"); /* set when an init re-execs itself */
    st.runs = run ? atoi(run) : 0;

    sigset_t set;
    sigfillset(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
    st.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (st.sigfd < 0) {
        say("signalfd failed");
        return 1;
    }
    if (!st.container) reboot(RB_DISABLE_CAD); /* ctrl-alt-del sends us SIGINT */
    start_manager();

    for (;;) {
        long t = now_ms(), wake = -1;
        if (st.restart_at) wake = st.restart_at - t;
        if (st.stop_deadline && (wake < 0 || st.stop_deadline - t < wake))
            wake = st.stop_deadline - t;
        if (wake < -1) wake = 0;
        struct pollfd pf[3] = {{st.sigfd, POLLIN, 0}, {st.chan, POLLIN, 0},
                               {st.prompting ? 0 : -1, POLLIN, 0}};
        if (poll(pf, 3, (int)wake) < 0 && errno != EINTR) usleep(100000);
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(st.sigfd, &si, sizeof si) == (ssize_t)sizeof si) on_signal((int)si.ssi_signo);
        }
        if (st.chan >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) read_channel();
        if (pf[2].revents & POLLIN) answer();
        t = now_ms();
        if (st.stop_deadline && t >= st.stop_deadline) {
            say("services did not stop in time; killing what is left");
            container_exit(st.exit_code >= 0 ? st.exit_code : 128 + SIGTERM);
        }
        if (st.restart_at && t >= st.restart_at && st.mgr <= 0 && !st.prompting) start_manager();
    }
}
#endif
