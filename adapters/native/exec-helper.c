/* dinit-exec-helper: applies the pre-exec steps that Node cannot run between fork and exec,
 * in the order given on its command line, then execs the service command. Used by the
 * child_process launch path (the spawner, spawner.c, runs the same steps without it).
 *
 * Usage: dinit-exec-helper STATUS_FD OP [ARGS...] ... -- COMMAND [ARGS...]
 * On failure it writes two native-endian int32 values (stage, errno) to STATUS_FD, which is
 * close-on-exec, and exits 127. A successful exec closes STATUS_FD with nothing written.
 * The instructions are interpreted by preexec.c.
 */
#define _GNU_SOURCE
#include "preexec.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    sigset_t all, exec_mask;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &exec_mask);

    if (argc < 3) preexec_fail(ST_ARRANGE_FDS, EINVAL);
    preexec_status_fd = (int)preexec_num(argv[1], 10, ST_ARRANGE_FDS);
    if (fcntl(preexec_status_fd, F_SETFD, FD_CLOEXEC) == -1) _exit(127);

    int i = 2 + preexec_run(argc - 2, argv + 2, &exec_mask);
    if (i + 1 >= argc) preexec_fail(ST_DO_EXEC, EINVAL);
    sigprocmask(SIG_SETMASK, &exec_mask, NULL);
    execvp(argv[i + 1], &argv[i + 1]);
    preexec_fail(ST_DO_EXEC, errno);
}
