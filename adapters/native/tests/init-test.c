/* Unit tests of dinit-init's pure parts: the channel messages, the mode from the command line,
 * restart backoff and the failure window, container exit statuses, mountinfo parsing and the
 * table of exits kept for the next manager. Built and run by test/unit/native-init.test.ts. */
#define DINIT_INIT_NO_MAIN
#include "../init.c"

static int failed;
#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            failed = 1;                                                                \
        }                                                                              \
    } while (0)

static void test_shutdown_types(void)
{
    CHECK(parse_sd_type("halt") == SD_HALT);
    CHECK(parse_sd_type("poweroff") == SD_POWEROFF);
    CHECK(parse_sd_type("reboot") == SD_REBOOT);
    CHECK(parse_sd_type("kexec") == SD_KEXEC);
    CHECK(parse_sd_type("softreboot") == SD_SOFTREBOOT);
    CHECK(parse_sd_type("reboo") == SD_NONE);
    CHECK(parse_sd_type("") == SD_NONE);
}

static void test_mode_from_args(void)
{
    char *a[] = {"node", "dinit", "-o", NULL};
    char *b[] = {"node", "dinit", "-o", "-m", NULL};
    char *c[] = {"node", "dinit", "--system-mgr", "--container", NULL};
    char *d[] = {"node", "dinit", "single", NULL};
    CHECK(container_from_args(a) == 1);
    CHECK(container_from_args(b) == 0);
    CHECK(container_from_args(c) == 1);
    CHECK(container_from_args(d) == 0);
}

static void test_backoff_and_window(void)
{
    CHECK(restart_delay_ms(1) == 50);
    CHECK(restart_delay_ms(2) == 100);
    CHECK(restart_delay_ms(4) == 400);
    CHECK(restart_delay_ms(100) == restart_delay_ms(7));
    st.nfail = 0;
    for (int i = 0; i < MAX_FAILURES - 1; i++) CHECK(note_failure(1000L * i) == 0);
    CHECK(note_failure(1000L * MAX_FAILURES) == 1);
    /* Failures spread wider than the window never add up to giving up. */
    st.nfail = 0;
    for (int i = 0; i < 3 * MAX_FAILURES; i++) CHECK(note_failure(20000L * i) == 0);
}

static void test_container_status(void)
{
    CHECK(container_status(0, 0) == 0);
    CHECK(container_status(42, 0) == 42);
    CHECK(container_status(0, 9) == 137);
    CHECK(container_status(0, 15) == 143);
}

static void test_mountinfo(void)
{
    char out[64];
    const char *l1 = "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw\n";
    CHECK(mount_point_of(l1, out, sizeof out) == 0 && strcmp(out, "/mnt/with space") == 0);
    CHECK(mount_point_of("22 1 0:21 / /proc rw - proc proc rw", out, sizeof out) == 0 &&
          strcmp(out, "/proc") == 0);
    CHECK(mount_point_of("garbage", out, sizeof out) == -1);
    char tiny[4];
    CHECK(mount_point_of(l1, tiny, sizeof tiny) == -1);
    char esc[] = "a\\134b\\011c";
    unescape_mount_path(esc);
    CHECK(strcmp(esc, "a\\b\tc") == 0);
}

static void test_messages(void)
{
    char a[] = "mode container", b[] = "shutdown kexec", c[] = "exit 300", d[] = "reexec",
         e[] = "mode system", f[] = "bogus";
    st.container = 0;
    st.shutdown = SD_NONE;
    st.exit_code = -1;
    handle_line(a);
    CHECK(st.container == 1);
    handle_line(b);
    CHECK(st.shutdown == SD_KEXEC);
    handle_line(c);
    CHECK(st.exit_code == (300 & 0xff));
    handle_line(d);
    CHECK(st.reexec == 1);
    handle_line(e);
    CHECK(st.container == 0);
    handle_line(f);
    CHECK(st.shutdown == SD_KEXEC);
}

static void test_channel_lines(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    st.chan = sv[0];
    st.in_len = 0;
    st.shutdown = SD_NONE;
    /* A message split across two reads is handled once it is complete. */
    CHECK(write(sv[1], "shutdown re", 11) == 11);
    CHECK(read_channel() == 1);
    CHECK(st.shutdown == SD_NONE);
    CHECK(write(sv[1], "boot\nmode container\n", 20) == 20);
    CHECK(read_channel() == 1);
    CHECK(st.shutdown == SD_REBOOT && st.container == 1 && st.in_len == 0);
    close(sv[1]);
    CHECK(read_channel() == 0);
    CHECK(st.chan == -1);
}

static void test_held_pipes(void)
{
    char buf[128];
    st.nheld = 0;
    format_held(buf, sizeof buf);
    CHECK(strcmp(buf, "DINIT_INIT_HELD=") == 0);
    st.held[st.nheld++] = (struct held){21, 1234, -1};
    st.held[st.nheld++] = (struct held){23, 99, -1};
    format_held(buf, sizeof buf);
    CHECK(strcmp(buf, "DINIT_INIT_HELD=21:1234,23:99") == 0);
    /* Only the same number and inode drops a copy. */
    drop_fd(21, 1);
    CHECK(st.nheld == 2);
    drop_fd(21, 1234);
    CHECK(st.nheld == 1 && st.held[0].num == 23);
    handle_line(strcpy(buf, "drop 23 99"));
    CHECK(st.nheld == 0);
}

static void test_exits_kept_without_manager(void)
{
    st.mgr = 0;
    st.chan = -1;
    st.nreaped = 0;
    for (int i = 0; i < REAPED_MAX + 10; i++) report_exit(1000 + i, CLD_EXITED, i & 0xff);
    CHECK(st.nreaped == REAPED_MAX);
    CHECK(st.reaped[0].pid == 1010); /* the oldest make room */
    CHECK(st.reaped[REAPED_MAX - 1].pid == 1000 + REAPED_MAX + 9);
    /* With a manager connected, exits go out on the channel at once. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    st.chan = sv[0];
    st.mgr = 12345;
    st.nreaped = 0;
    report_exit(77, CLD_KILLED, 9);
    char buf[64] = {0};
    CHECK(read(sv[1], buf, sizeof buf - 1) > 0 && strcmp(buf, "exit 77 2 9\n") == 0);
    CHECK(st.nreaped == 0);
    close(sv[0]);
    close(sv[1]);
    st.chan = -1;
    st.mgr = 0;
}

int main(void)
{
    (void)on_signal; /* the event loop's parts are exercised by the namespace tests */
    (void)answer;
    test_shutdown_types();
    test_mode_from_args();
    test_backoff_and_window();
    test_container_status();
    test_mountinfo();
    test_messages();
    test_channel_lines();
    test_exits_kept_without_manager();
    test_held_pipes();
    if (!failed) printf("init-test: all passed\n");
    return failed;
}
