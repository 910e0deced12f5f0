/* dinit-spawner: the daemon's long-lived launcher. It forks and execs every service (the
 * pre-exec steps are preexec.c's, shared with the exec helper), is the services' parent and a
 * child subreaper, reaps every exit (adopted orphans included) and signals only children it has
 * not reaped, so a recycled pid is never hit. The daemon never forks its own heap per launch.
 *
 * Started by the daemon with fd 3 = its end of a SOCK_SEQPACKET socketpair and fd 4 = the
 * write end of a pipe. Requests come on the socket (fds as SCM_RIGHTS). Launches are pipelined:
 * the daemon sends them without waiting, and everything a launch yields is an event on the pipe,
 * four native-endian int32s each, written a pass at a time in atomic writes of up to PIPE_BUF
 * bytes: forked (the pid), exec succeeded or failed (stage, errno), and every exit. Only a
 * watch is answered on the socket. Signals come many to a request (a stop of everything).
 * Any number of launches may await their exec outcome (a table that grows, polled with poll(2)),
 * so a burst never makes us wait for one child while others queue. The pipe is non-blocking:
 * events wait in a ring that grows for launch events; children are reaped only while fewer than
 * EXIT_BACKLOG events wait, so a slow daemon leaves zombies for a moment but never blocks us.
 * Message layouts: adapters/posix/spawner.ts. It exits when the daemon closes its end. libc only.
 */
#define _GNU_SOURCE
#include "preexec.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
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
/* Events waiting for room in the pipe beyond which exits are left unreaped for a moment. */
#define EXIT_BACKLOG 16384
/* Requests handled before the next reaping pass, so that exits are never starved. */
#define REQ_BATCH 64

enum request { REQ_LAUNCH = 1, REQ_SIGNAL = 2, REQ_WATCH = 3 };
enum event { EV_HELLO = 0, EV_STARTED = 1, EV_FAILED = 2, EV_EXIT = 3, EV_FORKED = 4 };
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
    int fd; /* read end of the status pipe */
    int id;
    pid_t pid;
};

/* One event as written to the pipe. */
struct event_words {
    int w[4];
};

/* A growable array of n elements of T, with room for cap. */
#define VEC(T) struct { T *v; size_t n, cap; }

static char msg[MAX_MSG];
static char *vec[MAX_STRS + 3];
static int passed[MAX_FDS];
static VEC(struct pending) pend;
static VEC(struct pollfd) polled;
/* The event ring: ring.n events from ring_head on, modulo ring.cap. */
static VEC(struct event_words) ring;
static size_t ring_head;
/* The file limit we were given, which every child gets back (ours is raised to the hard one). */
static struct rlimit given_nofile;
static int nofile_raised;
/* Our process group (the daemon's), which a group signal never reaches. */
static pid_t own_group;

/* Makes room for one more element in a VEC; exits when memory is exhausted. */
static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return v;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need) c *= 2;
    void *nv = realloc(v, c * size);
    if (nv == NULL) _exit(4);
    *cap = c;
    return nv;
}

static void on_sigchld(int sig) { (void)sig; }

/* Writes queued events while the pipe takes them; exits when the daemon is gone. */
static void flush_events(void)
{
    while (ring.n > 0) {
        /* Up to PIPE_BUF bytes at once, which a pipe takes whole or not at all. */
        size_t n = ring.cap - ring_head;
        if (n > ring.n) n = ring.n;
        if (n > PIPE_BUF / sizeof(ring.v[0])) n = PIPE_BUF / sizeof(ring.v[0]);
        if (write(EVT_FD, ring.v[ring_head].w, n * sizeof(ring.v[0])) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            _exit(0);
        }
        ring_head = (ring_head + n) % ring.cap;
        ring.n -= n;
    }
}

/* Queues an event (the ring grows when full: launch events are never dropped). Events go out
 * together at the end of each pass (flush_events), a pipeful per write. */
static void emit(int type, int a, int b, int c)
{
    if (ring.n == ring.cap) {
        size_t old = ring.cap;
        ring.v = grow(ring.v, &ring.cap, ring.n + 1, sizeof(ring.v[0]));
        /* The events that wrapped around move up to follow the old end. */
        size_t wrapped = ring_head + ring.n > old ? ring_head + ring.n - old : 0;
        memcpy(&ring.v[old], &ring.v[0], wrapped * sizeof(ring.v[0]));
    }
    int *ev = ring.v[(ring_head + ring.n) % ring.cap].w;
    ev[0] = type; ev[1] = a; ev[2] = b; ev[3] = c;
    ring.n++;
}

static void reply(int a, int b, int c)
{
    int r[3] = { a, b, c };
    while (send(REQ_FD, r, sizeof(r), 0) < 0) {
        if (errno != EINTR) _exit(0);
    }
}

/* Reads pending launch k's outcome (the child has exec'd, failed or died) and reports it. A
 * failed child is reaped here (unless the caller reaped it), so its exit is not an event.
 * The last entry takes its place. Returns 1 when the exec failed. */
static int settle(size_t k, int reaped)
{
    struct pending p = pend.v[k];
    pend.v[k] = pend.v[--pend.n];
    int rep[2];
    ssize_t n;
    do n = read(p.fd, rep, sizeof(rep)); while (n < 0 && errno == EINTR);
    close(p.fd);
    if (n == (ssize_t)sizeof(rep)) {
        if (!reaped) while (waitpid(p.pid, NULL, 0) < 0 && errno == EINTR) {}
        emit(EV_FAILED, p.id, rep[0], rep[1]);
        return 1;
    }
    emit(EV_STARTED, p.id, (int)p.pid, 0);
    return 0;
}

/* The pending launch of pid, or -1. */
static long pending_of(pid_t pid)
{
    for (size_t k = 0; k < pend.n; k++) {
        if (pend.v[k].pid == pid) return (long)k;
    }
    return -1;
}

/* Reaps exited children, launched or adopted, while the event ring has room, reports each
 * exit and writes the events out. A child that exits before its exec outcome was read gets
 * that outcome first; one whose exec failed has no exit event. */
static void reap_all(void)
{
    while (ring.n < EXIT_BACKLOG) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0) break;
        /* It has exited, so its end of a status pipe is closed and the read cannot wait. */
        long k = pending_of(si.si_pid);
        if (k >= 0 && settle((size_t)k, 1)) continue;
        emit(EV_EXIT, si.si_pid, si.si_code, si.si_status);
    }
    flush_events();
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

/* Signals a child we have not reaped; with group, its process group unless that is our own.
 * A zombie needs no signal. Plain kill(2) is safe here without a pidfd: only we reap our
 * children, so an unreaped child's pid (and the group it leads) cannot have been recycled,
 * and a pidfd would cost three more system calls per signal in a stop of everything. */
static void do_signal(pid_t pid, int sig, int group)
{
    int zombie = 0;
    if (pid <= 0 || !unreaped(pid, &zombie) || zombie) return;
    pid_t pg = group ? getpgid(pid) : -1;
    if (pg > 0 && pg != own_group) kill(-pg, sig);
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
    if (nofile_raised) setrlimit(RLIMIT_NOFILE, &given_nofile);
    sigemptyset(&exec_mask);
    preexec_status_fd = lift(status_w, l->nmap > 3 ? l->nmap : 3, ST_ARRANGE_FDS);
    arrange_fds(l);
    environ = l->envp;
    preexec_run(l->nops, l->ops, &exec_mask);
    sigprocmask(SIG_SETMASK, &exec_mask, NULL);
    execvp(l->argv[0], l->argv);
    preexec_fail(ST_DO_EXEC, errno);
}

/* A status pipe for a launch. When we are out of fds (each launch awaiting its exec outcome
 * holds one), the oldest outcome is waited for first: only then does a launch wait for another. */
static int status_pipe(int st[2])
{
    for (;;) {
        if (pipe(st) == 0) break;
        if ((errno != EMFILE && errno != ENFILE) || pend.n == 0) return -1;
        fcntl(pend.v[0].fd, F_SETFL, 0);
        settle(0, 0);
    }
    fcntl(st[0], F_SETFD, FD_CLOEXEC);
    fcntl(st[1], F_SETFD, FD_CLOEXEC);
    fcntl(st[0], F_SETFL, O_NONBLOCK);
    return 0;
}

/* Forks and reports the pid at once (EV_FORKED); the exec outcome comes later as an event,
 * read from the child's close-on-exec status pipe. */
static void launch(const struct launch *l)
{
    int st[2];
    if (status_pipe(st) != 0) { emit(EV_FAILED, l->id, ST_ARRANGE_FDS, errno); return; }
    pid_t pid = fork();
    if (pid == 0) run_child(l, st[1]);
    int fork_errno = errno;
    close(st[1]);
    if (pid < 0) {
        close(st[0]);
        emit(EV_FAILED, l->id, ST_DO_EXEC, fork_errno);
        return;
    }
    pend.v = grow(pend.v, &pend.cap, pend.n + 1, sizeof(pend.v[0]));
    pend.v[pend.n++] = (struct pending){ .fd = st[0], .id = l->id, .pid = pid };
    emit(EV_FORKED, l->id, (int)pid, 0);
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
    if (h[0] == REQ_SIGNAL) {
        /* Any number of (pid, signal, group) triples. */
        for (size_t k = 1; (k + 3) * sizeof(int) <= len; k += 3) do_signal(h[k], h[k + 1], h[k + 2]);
    }
    else if (h[0] == REQ_WATCH) {
        int zombie = 0;
        reply(unreaped(h[1], &zombie), 0, 0);
    }
    else if (h[0] == REQ_LAUNCH) {
        struct launch l = { .id = h[1], .fds = passed, .nfds = nfds };
        int err = truncated ? E2BIG : decode_launch(&l, len);
        if (err == 0) launch(&l);
        else emit(EV_FAILED, h[1], ST_ARRANGE_FDS, err);
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
    flush_events();
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
    size_t n = 2 + pend.n;
    polled.v = grow(polled.v, &polled.cap, n, sizeof(polled.v[0]));
    struct pollfd *fds = polled.v;
    fds[0] = (struct pollfd){ .fd = REQ_FD, .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = ring.n > 0 ? EVT_FD : -1, .events = POLLOUT };
    for (size_t k = 0; k < pend.n; k++) fds[2 + k] = (struct pollfd){ .fd = pend.v[k].fd, .events = POLLIN };
    sigset_t old;
    /* SIGCHLD is let in only while we wait (ppoll where there is one), so it cannot be missed. */
#if defined(__linux__) || defined(__FreeBSD__)
    int r = ppoll(fds, n, NULL, wait_mask);
    (void)old;
#else
    sigprocmask(SIG_SETMASK, wait_mask, &old);
    int r = poll(fds, n, 1000);
    sigprocmask(SIG_SETMASK, &old, NULL);
#endif
    if (r < 0) {
        if (errno != EINTR) _exit(2);
        return;
    }
    /* From the end, as settling moves the last pending entry into the settled one's place. */
    for (size_t k = pend.n; k-- > 0;) {
        if (fds[2 + k].revents != 0) settle(k, 0);
    }
}

int main(void)
{
    sigset_t wait_mask;
    if (fcntl(REQ_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl(EVT_FD, F_SETFD, FD_CLOEXEC) < 0) return 2;
    fcntl(EVT_FD, F_SETFL, O_NONBLOCK);
    /* Each launch awaiting its exec outcome holds a pipe: take all the fds we may. */
    if (getrlimit(RLIMIT_NOFILE, &given_nofile) == 0 && given_nofile.rlim_cur < given_nofile.rlim_max) {
        struct rlimit raised = { given_nofile.rlim_max, given_nofile.rlim_max };
        nofile_raised = setrlimit(RLIMIT_NOFILE, &raised) == 0;
    }
    own_group = getpgrp();
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
