/* dinit-spawner: the daemon's long-lived launcher. It forks and execs every service (the
 * pre-exec steps are preexec.c's, shared with the exec helper), is the services' parent and a
 * child subreaper, reaps every exit (adopted orphans included) and signals only children it has
 * not reaped, so a recycled pid is never hit. The daemon never forks its own heap per launch.
 *
 * Started by the daemon with fd 3 = its end of a SOCK_SEQPACKET socketpair and fd 4 = the
 * write end of a pipe. Requests come on the socket (fds as SCM_RIGHTS); a launch or a watch is
 * answered at once on the socket (the pid right after fork: the daemon waits only for the
 * fork). Everything else is an event on the pipe, four native-endian int32s each, so that each
 * is one atomic write: exec succeeded or failed (stage, errno), and every exit. The pipe is
 * non-blocking: events wait in a fixed ring, and children are reaped only while the ring has
 * room, so a slow daemon leaves zombies for a moment but never blocks us. Message layouts:
 * adapters/posix/spawner.ts. It exits when the daemon closes its end. libc only; fixed tables.
 */
#define _GNU_SOURCE
#include "preexec.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#ifdef __FreeBSD__
#include <sys/procctl.h>
#endif

#define REQ_FD 3
#define EVT_FD 4
#define MAX_MSG (256 * 1024)
#define MAX_STRS 16384
#define MAX_FDS 16
#define MAX_MAP 64
/* Launches whose exec outcome is still awaited. */
#define MAX_PENDING 256
/* Events waiting for room in the pipe; reaping stops while fewer than RING_RESERVE are free,
 * so the outcome of every pending launch always fits. */
#define RING 16384
#define RING_RESERVE (MAX_PENDING + 16)
/* Requests handled before the next reaping pass, so that exits are never starved. */
#define REQ_BATCH 64

enum request { REQ_LAUNCH = 1, REQ_SIGNAL = 2, REQ_WATCH = 3 };
enum event { EV_HELLO = 0, EV_STARTED = 1, EV_FAILED = 2, EV_EXIT = 3 };
/* Child fd map entries: a passed fd's index, or one of these. */
enum { MAP_NULL = -1, MAP_INHERIT = -2 };

extern char **environ;

/* A launch request, decoded in place: the string vectors point into msg. */
struct launch {
    int id, nmap, nops;
    const int *map;
    char **ops, **argv, **envp;
    int *fds;
    int nfds;
};

/* A forked child whose status pipe has not yet closed (exec) or reported a failure. */
struct pending {
    int fd; /* read end of the status pipe; -1 for a free slot */
    int id;
    pid_t pid;
};

static char msg[MAX_MSG];
static char *vec[MAX_STRS + 3];
static int passed[MAX_FDS];
static struct pending pend[MAX_PENDING];
static int npend;
static int ring[RING][4];
static unsigned ring_head, ring_len;

static void on_sigchld(int sig) { (void)sig; }

/* Writes queued events while the pipe takes them; exits when the daemon is gone. */
static void flush_events(void)
{
    while (ring_len > 0) {
        if (write(EVT_FD, ring[ring_head], sizeof(ring[0])) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            _exit(0);
        }
        ring_head = (ring_head + 1) % RING;
        ring_len--;
    }
}

static void emit(int type, int a, int b, int c)
{
    if (ring_len == RING) _exit(3); /* cannot happen: reaping keeps RING_RESERVE free */
    int *ev = ring[(ring_head + ring_len) % RING];
    ev[0] = type; ev[1] = a; ev[2] = b; ev[3] = c;
    ring_len++;
    flush_events();
}

static void reply(int a, int b, int c)
{
    int r[3] = { a, b, c };
    while (send(REQ_FD, r, sizeof(r), 0) < 0) {
        if (errno != EINTR) _exit(0);
    }
}

/* Reads a pending launch's outcome (the child has exec'd, failed or died) and reports it; a
 * failed child is reaped here, so its exit is not an event. Frees the slot. */
static void settle(struct pending *p, int blocking)
{
    int rep[2];
    ssize_t n;
    if (!blocking) fcntl(p->fd, F_SETFL, O_NONBLOCK);
    do n = read(p->fd, rep, sizeof(rep)); while (n < 0 && errno == EINTR);
    close(p->fd);
    p->fd = -1;
    npend--;
    if (n == (ssize_t)sizeof(rep)) {
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {}
        emit(EV_FAILED, p->id, rep[0], rep[1]);
    }
    else emit(EV_STARTED, p->id, (int)p->pid, 0);
}

static struct pending *pending_of(pid_t pid)
{
    for (int k = 0; k < MAX_PENDING; k++) {
        if (pend[k].fd >= 0 && pend[k].pid == pid) return &pend[k];
    }
    return NULL;
}

/* Reaps exited children, launched or adopted, while the event ring has room, and reports each
 * exit. A child that exits before its exec outcome was read gets that outcome first. */
static void reap_all(void)
{
    while (RING - ring_len >= RING_RESERVE) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) return;
        struct pending *p = pending_of(si.si_pid);
        if (p != NULL) {
            settle(p, 1);
            continue; /* a failed child is already reaped */
        }
        pid_t pid = si.si_pid;
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) != 0) continue;
        emit(EV_EXIT, si.si_pid, si.si_code, si.si_status);
    }
}
/* 1 when pid is our child and not yet reaped: alive, or a zombie when *zombie is set. */
static int unreaped(pid_t pid, int *zombie)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0) return 0;
    *zombie = si.si_pid == pid;
    return 1;
}

#if defined(__linux__) && defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
/* Through a pidfd (the group flag is Linux 6.9+); -1 when the kernel cannot, to use kill(2). */
static int pidfd_signal(pid_t pid, int sig, int group)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return -1;
    int r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, group ? 4 /* PROCESS_GROUP */ : 0);
    int e = errno;
    close(fd);
    return r == 0 || (e != EINVAL && e != ENOSYS && e != ESRCH) ? 0 : -1;
}
#else
static int pidfd_signal(pid_t pid, int sig, int group) { (void)pid; (void)sig; (void)group; return -1; }
#endif

/* Signals a child we have not reaped (its pid cannot have been recycled); with group, its
 * process group unless that is our own. A zombie needs no signal. */
static void do_signal(pid_t pid, int sig, int group)
{
    int zombie = 0;
    if (pid <= 0 || !unreaped(pid, &zombie) || zombie) return;
    pid_t pg = group ? getpgid(pid) : -1;
    int whole = pg > 0 && pg != getpgrp();
    if (pidfd_signal(pid, sig, whole && pg == pid) == 0 && (!whole || pg == pid)) return;
    if (whole) kill(-pg, sig);
    else kill(pid, sig);
}

/* Moves fd to the lowest free number at or above floor, close-on-exec. */
static int lift(int fd, int floor, int stage)
{
    int r = fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (r < 0) preexec_fail(stage, errno);
    return r;
}

/* Gives the child its fd table: entry i of the map says what fd i gets. Passed fds are first
 * moved above every target, so that placing one never overwrites one still to be placed. */
static void arrange_fds(const struct launch *l)
{
    int floor = l->nmap > 3 ? l->nmap : 3;
    for (int k = 0; k < l->nfds; k++) l->fds[k] = lift(l->fds[k], floor, ST_ARRANGE_FDS);
    for (int i = 0; i < l->nmap; i++) {
        int src = l->map[i];
        int stage = i < 3 ? ST_SETUP_STDINOUTERR : ST_ARRANGE_FDS;
        if (src >= 0 && src < l->nfds) {
            if (dup2(l->fds[src], i) < 0) preexec_fail(stage, errno);
        }
        else if (src == MAP_NULL && i < 3) {
            int fd = open("/dev/null", O_RDWR);
            if (fd < 0) preexec_fail(stage, errno);
            if (fd != i && (dup2(fd, i) < 0 || close(fd) < 0)) preexec_fail(stage, errno);
        }
        else if (src == MAP_INHERIT && i < 3) {
            /* Our own stdio, which is the daemon's: already in place. */
        }
        else if (src != MAP_NULL) preexec_fail(ST_ARRANGE_FDS, EINVAL);
    }
}

/* The forked child: default signal handling, fds, environment, pre-exec steps, exec. */
static void run_child(const struct launch *l, int status_w)
{
    sigset_t exec_mask;
    /* Signals are all blocked here (see setup_signals). */
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigemptyset(&exec_mask);
    preexec_status_fd = lift(status_w, l->nmap > 3 ? l->nmap : 3, ST_ARRANGE_FDS);
    arrange_fds(l);
    environ = l->envp;
    preexec_run(l->nops, l->ops, &exec_mask);
    sigprocmask(SIG_SETMASK, &exec_mask, NULL);
    execvp(l->argv[0], l->argv);
    preexec_fail(ST_DO_EXEC, errno);
}

static struct pending *free_slot(void)
{
    /* All slots busy: wait for the oldest launch's outcome (its pre-exec steps) to free one. */
    if (npend == MAX_PENDING) settle(&pend[0], 1);
    for (int k = 0; k < MAX_PENDING; k++) {
        if (pend[k].fd < 0) return &pend[k];
    }
    return NULL;
}

/* Forks and answers with the pid at once; the exec outcome comes later as an event, read from
 * the child's close-on-exec status pipe. */
static void launch(const struct launch *l)
{
    struct pending *slot = free_slot();
    int st[2];
    if (pipe(st) != 0) { reply(-1, ST_ARRANGE_FDS, errno); return; }
    fcntl(st[0], F_SETFD, FD_CLOEXEC);
    fcntl(st[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) run_child(l, st[1]);
    int fork_errno = errno;
    close(st[1]);
    if (pid < 0) {
        close(st[0]);
        reply(-1, ST_DO_EXEC, fork_errno);
        return;
    }
    slot->fd = st[0];
    slot->id = l->id;
    slot->pid = pid;
    npend++;
    reply((int)pid, 0, 0);
}

/* Splits count NUL-terminated strings starting at *p into vec from *v, then a NULL. */
static char **strings(char **p, const char *end, int *v, int count)
{
    char **first = &vec[*v];
    for (int k = 0; k < count; k++) {
        const char *nul = memchr(*p, 0, (size_t)(end - *p));
        if (nul == NULL || *v >= MAX_STRS) return NULL;
        vec[(*v)++] = *p;
        *p = (char *)nul + 1;
    }
    vec[(*v)++] = NULL;
    return first;
}

/* Decodes a launch: header (type, id, nmap, nops, nargv, nenv), the map, then the strings.
 * Returns 0, or the errno for a malformed request. */
static int decode_launch(struct launch *l, size_t len)
{
    const int *h = (const int *)msg;
    if (len < 6 * sizeof(int)) return EINVAL;
    l->id = h[1];
    l->nmap = h[2];
    l->nops = h[3];
    if (l->nmap < 0 || l->nmap > MAX_MAP || h[3] < 0 || h[4] < 1 || h[5] < 0) return EINVAL;
    if (len < (size_t)(6 + l->nmap) * sizeof(int)) return EINVAL;
    l->map = h + 6;
    char *p = msg + (6 + l->nmap) * sizeof(int);
    const char *end = msg + len;
    int v = 0;
    l->ops = strings(&p, end, &v, h[3]);
    l->argv = l->ops ? strings(&p, end, &v, h[4]) : NULL;
    l->envp = l->argv ? strings(&p, end, &v, h[5]) : NULL;
    return l->envp ? 0 : E2BIG;
}

/* Collects the fds passed with a message (close-on-exec) into passed[]; returns their count. */
static int take_fds(struct msghdr *mh)
{
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        const int *fds = (const int *)CMSG_DATA(c);
        for (int k = 0; k < count; k++) {
            fcntl(fds[k], F_SETFD, FD_CLOEXEC);
            if (n < MAX_FDS) passed[n++] = fds[k];
            else close(fds[k]);
        }
    }
    return n;
}

static void dispatch(size_t len, int truncated, int nfds)
{
    const int *h = (const int *)msg;
    if (len < 2 * sizeof(int)) return;
    if (h[0] == REQ_SIGNAL && len >= 4 * sizeof(int)) do_signal(h[1], h[2], h[3]);
    else if (h[0] == REQ_WATCH) {
        int zombie = 0;
        reply(unreaped(h[1], &zombie), 0, 0);
    }
    else if (h[0] == REQ_LAUNCH) {
        struct launch l = { .fds = passed, .nfds = nfds };
        int err = truncated ? E2BIG : decode_launch(&l, len);
        if (err == 0) launch(&l);
        else reply(-1, ST_ARRANGE_FDS, err);
    }
}

/* Reads and handles one request. Returns 1 if there was one, 0 if none is waiting; exits when
 * the daemon has closed its end. */
static int handle_request(void)
{
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)]; } ctl;
    struct iovec iov = { msg, sizeof(msg) };
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    ssize_t n = recvmsg(REQ_FD, &mh, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (n <= 0) _exit(0);
    int nfds = take_fds(&mh);
    dispatch((size_t)n, (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0, nfds);
    for (int k = 0; k < nfds; k++) close(passed[k]);
    return 1;
}

/* Signals: every signal stays blocked except SIGCHLD during the wait. Signals aimed at the
 * daemon's process group are not for us (the daemon decides), and a child inherits the full
 * mask, so a signal sent to it between fork and exec waits (instead of being discarded, as an
 * ignored one would be) and acts once the command's mask is set. */
static void setup_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigchld;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    *wait_mask = all;
    sigdelset(wait_mask, SIGCHLD);
}

/* Orphans of the services come to us (the nearest subreaper), so we reap and report them. */
static int become_subreaper(void)
{
#if defined(__linux__)
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#elif defined(__FreeBSD__) && defined(PROC_REAP_ACQUIRE)
    return procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL) == 0;
#else
    return 0;
#endif
}

/* Waits for a request, a child's exec outcome, room in the event pipe or a SIGCHLD. */
static void wait_for_work(const sigset_t *wait_mask)
{
    fd_set rd, wr;
    int top = REQ_FD;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(REQ_FD, &rd);
    if (ring_len > 0) FD_SET(EVT_FD, &wr);
    for (int k = 0; k < MAX_PENDING; k++) {
        if (pend[k].fd < 0 || pend[k].fd >= FD_SETSIZE) continue;
        FD_SET(pend[k].fd, &rd);
        if (pend[k].fd > top) top = pend[k].fd;
    }
    if (pselect(top + 1, &rd, &wr, NULL, NULL, wait_mask) < 0) {
        if (errno != EINTR) _exit(2);
        return;
    }
    for (int k = 0; k < MAX_PENDING; k++) {
        if (pend[k].fd >= 0 && pend[k].fd < FD_SETSIZE && FD_ISSET(pend[k].fd, &rd))
            settle(&pend[k], 0);
    }
}

int main(void)
{
    sigset_t wait_mask;
    if (fcntl(REQ_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl(EVT_FD, F_SETFD, FD_CLOEXEC) < 0) return 2;
    fcntl(EVT_FD, F_SETFL, O_NONBLOCK);
    for (int k = 0; k < MAX_PENDING; k++) pend[k].fd = -1;
    setup_signals(&wait_mask);
    emit(EV_HELLO, (int)getpid(), become_subreaper(), 0);
    for (;;) {
        flush_events();
        reap_all();
        /* Between requests too, so that an exit waits for one fork at most. */
        int handled = 0;
        while (handled < REQ_BATCH && handle_request()) {
            handled++;
            reap_all();
        }
        if (handled < REQ_BATCH) wait_for_work(&wait_mask);
    }
}
