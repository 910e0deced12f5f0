// The text of `dinitctl --help`: the usage summary of every subcommand and the options.

/** The general help text (printed by `dinitctl --help` and with no arguments). */
export function generalHelp(): string {
  const usage = [
    'status <service-name>',
    'is-started <service-name>',
    'is-failed <service-name>',
    'start [options] <service-name>',
    'stop [options] <service-name>',
    'restart [options] <service-name>',
    'wake [options] <service-name>',
    'release [options] <service-name>',
    'unpin <service-name>',
    'unload <service-name>',
    'reload <service-name>',
    'list',
    'shutdown',
    'add-dep <type> <from-service> <to-service>',
    'rm-dep <type> <from-service> <to-service>',
    'enable [--from <from-service>] <to-service>',
    'disable [--from <from-service>] <to-service>',
    'trigger <service-name>',
    'untrigger <service-name>',
    'setenv [name[=value] ...]',
    'unsetenv [name ...]',
    'catlog <service-name>',
    'signal <signal> <service-name>',
  ];
  return (
    'dinitctl:   control Dinit services\n\nUsage:\n' +
    usage.map((u) => `    dinitctl [options] ${u}\n`).join('') +
    '\n' +
    'Note: An activated service continues running when its dependents stop.\n' +
    '\n' +
    'General options:\n' +
    '  --help           : show this help\n' +
    '  -s, --system     : control system daemon (default if run as root)\n' +
    '  -u, --user       : control user daemon\n' +
    '  --quiet          : suppress output (except errors)\n' +
    '  --socket-path <path>, -p <path>\n' +
    '                   : specify socket for communication with daemon\n' +
    '  --use-passed-cfd : use the socket file descriptor identified by the DINIT_CS_FD\n' +
    '                     environment variable to communicate with the dinit daemon\n' +
    '  -o, --offline    : do not contact running dinit daemon\n' +
    '  -d, --services-dir <dir>\n' +
    '                   : specify directory for service definitions (offline mode)\n' +
    '\n' +
    'Command options:\n' +
    "  --no-wait        : don't wait for service startup/shutdown to complete\n" +
    '  --pin            : pin the service in the requested state\n' +
    '  --force          : force stop even if dependents will be affected\n' +
    '  -l, --list       : (signal) list supported signals\n' +
    "\nRun 'dinitctl help <command>' for the help of one command.\n"
  );
}
