# fish completion for dinitctl (dinit-ts). Install as ~/.config/fish/completions/dinitctl.fish
# (a global npm install links it into <prefix>/share/fish/vendor_completions.d).
# dinitctl answers itself (`dinitctl --complete <words>`), from its command table, the daemon
# and the service directories; this script only passes the line on and shows the answer.

# The package's own dinitctl, found from where this file really is (it may be a link).
set -g __dinitctl_own (string replace -r '/completions/[^/]*$' /bin/dinitctl -- (realpath (status current-filename)))

function __dinitctl_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    # The dinitctl to ask: the one typed when it is a path, else the package's, else PATH's.
    set -l program $words[1]
    string match -q '*/*' -- $program; and test -x $program; or set program $__dinitctl_own
    test -x $program; or set program dinitctl
    set -l answer ($program --complete $words[2..-1] "$cur" 2>/dev/null)
    switch "$answer[1]"
        case :files
            __fish_complete_path $cur
        case :dirs
            __fish_complete_directories $cur
        case '*'
            printf '%s\n' $answer
    end
end

complete -c dinitctl -f -a '(__dinitctl_complete)'
