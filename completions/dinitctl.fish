# fish completion for dinitctl (dinit-ts). Install as ~/.config/fish/completions/dinitctl.fish.
# Completes subcommands, options, and service names from the running daemon (`dinitctl list`).

function __dinitctl_services
    set -l conn
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case -p --socket-path
                set i (math $i + 1)
                set -a conn -p $tokens[$i]
            case -u --user -s --system
                set -a conn $tokens[$i]
        end
        set i (math $i + 1)
    end
    dinitctl $conn list 2>/dev/null | cut -c 12- | cut -d ' ' -f 1
end

set -l cmds status is-started is-failed start stop restart wake release unpin unload reload list shutdown add-dep rm-dep enable disable trigger untrigger setenv unsetenv catlog signal help
set -l svc_cmds status is-started is-failed start stop restart wake release unpin unload reload enable disable trigger untrigger catlog

complete -c dinitctl -f
complete -c dinitctl -n "not __fish_seen_subcommand_from $cmds" -a "$cmds"
complete -c dinitctl -n "__fish_seen_subcommand_from $svc_cmds" -a "(__dinitctl_services)"
complete -c dinitctl -n "__fish_seen_subcommand_from help" -a "$cmds"
complete -c dinitctl -n "__fish_seen_subcommand_from add-dep rm-dep" -a "need regular milestone waits-for (__dinitctl_services)"
complete -c dinitctl -n "__fish_seen_subcommand_from signal" -a "HUP INT QUIT KILL USR1 USR2 TERM CONT STOP (__dinitctl_services)"

complete -c dinitctl -l help -d 'Show help'
complete -c dinitctl -l version -d 'Show version'
complete -c dinitctl -s s -l system -d 'Control the system daemon'
complete -c dinitctl -s u -l user -d 'Control the user daemon'
complete -c dinitctl -l quiet -d 'Print only errors'
complete -c dinitctl -s p -l socket-path -r -F -d 'Control socket'
complete -c dinitctl -l use-passed-cfd -d 'Use the descriptor in DINIT_CS_FD'
complete -c dinitctl -s o -l offline -d 'Do not contact the daemon (enable/disable)'
complete -c dinitctl -s d -l services-dir -r -a '(__fish_complete_directories)' -d 'Service directory'
complete -c dinitctl -n "__fish_seen_subcommand_from start stop restart wake release" -l no-wait -d 'Do not wait'
complete -c dinitctl -n "__fish_seen_subcommand_from start stop release wake" -l pin -d 'Pin in the requested state'
complete -c dinitctl -n "__fish_seen_subcommand_from stop restart" -s f -l force -d 'Stop dependents too'
complete -c dinitctl -n "__fish_seen_subcommand_from stop restart release" -l ignore-unstarted -d 'Succeed if not started'
complete -c dinitctl -n "__fish_seen_subcommand_from enable disable" -l from -r -a '(__dinitctl_services)' -d 'From service'
complete -c dinitctl -n "__fish_seen_subcommand_from catlog" -l clear -d 'Clear the log buffer'
complete -c dinitctl -n "__fish_seen_subcommand_from signal" -s l -l list -d 'List signal names'
