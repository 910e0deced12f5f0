/* The pre-exec steps shared by the exec helper (one launch per run) and the spawner (a server
 * that forks every service): an interpreter for the instruction list that
 * adapters/posix/helper-plan.ts writes, and the (stage, errno) failure report.
 */
#ifndef DINIT_PREEXEC_H
#define DINIT_PREEXEC_H

#include <signal.h>

/* Stage numbers: the order of upstream Dinit's exec stages (ExecStage in src/model.ts). */
enum stage {
    ST_ARRANGE_FDS = 0, ST_SET_NOTIFYFD_VAR = 2, ST_SETUP_ACTIVATION_SOCKET = 3,
    ST_CHDIR = 5, ST_SETUP_STDINOUTERR = 6, ST_ENTER_CGROUP = 7, ST_SET_RLIMITS = 8,
    ST_SET_UIDGID = 9, ST_OPEN_LOGFILE = 10, ST_SET_CAPS = 11, ST_SET_PRIO = 12,
    ST_DO_EXEC = 18
};

/* Where preexec_fail() writes its report (close-on-exec); -1 writes nothing. */
extern int preexec_status_fd;

/* Writes (stage, errno) as two native-endian int32s to the status fd and exits 127. */
void preexec_fail(int stage, int err) __attribute__((noreturn));

/* Parses a decimal (or, with base 8, octal) number; malformed text fails at `stage` (EINVAL). */
long preexec_num(const char *s, int base, int stage);

/* Runs the instructions argv[0..argc) in order up to "--"; returns the index of "--" (argc when
 * there is none). exec_mask is the signal mask the command will get; console steps add to it.
 * Any failure ends the process through preexec_fail(). */
int preexec_run(int argc, char **argv, sigset_t *exec_mask);

#endif
