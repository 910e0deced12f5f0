# bash completion for dinitctl (dinit-ts). Source it, or install as
# /usr/share/bash-completion/completions/dinitctl (a global npm install links it there).
# dinitctl answers itself (`dinitctl --complete <words>`), from its command table, the daemon
# and the service directories; this script only passes the line on and shows the answer.

# The package's own dinitctl, found from where this file really is (it may be a link).
_dinitctl_own=$(readlink -f "${BASH_SOURCE[0]}" 2>/dev/null)
_dinitctl_own=${_dinitctl_own%/completions/*}/bin/dinitctl

# The dinitctl to ask: the one typed when it is a path, else the package's, else PATH's.
_dinitctl_program() {
    local typed=${COMP_WORDS[0]/#\~/$HOME}
    if [[ $typed == */* && -x $typed ]]; then
        printf '%s\n' "$typed"
    elif [[ -x $_dinitctl_own ]]; then
        printf '%s\n' "$_dinitctl_own"
    else
        printf 'dinitctl\n'
    fi
}

_dinitctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} line
    local -a answer
    COMPREPLY=()
    mapfile -t answer < <("$(_dinitctl_program)" --complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null)
    case "${answer[0]}" in
        :files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        :dirs) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    esac
    for line in "${answer[@]}"; do COMPREPLY+=("${line%%$'\t'*}"); done
}

complete -F _dinitctl dinitctl
