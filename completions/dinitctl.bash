# bash completion for dinitctl (dinit-ts). Source it, or install as
# /usr/share/bash-completion/completions/dinitctl.
# Completes subcommands, options, and service names from the running daemon (`dinitctl list`).

_dinitctl_services() {
    # Pass on the options that choose the daemon (-p/--socket-path, -u, -s).
    local -a conn=()
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            -p|--socket-path) conn+=("-p" "${COMP_WORDS[i+1]}"); ((i++)) ;;
            -u|--user|-s|--system) conn+=("${COMP_WORDS[i]}") ;;
        esac
    done
    # Each line is "[markers] name" with optional " (...)" details after the name.
    dinitctl "${conn[@]}" list 2>/dev/null | cut -c 12- | cut -d ' ' -f 1
}

_dinitctl() {
    local cur prev cmd="" i
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    local commands="status is-started is-failed start stop restart wake release unpin unload reload list shutdown add-dep rm-dep enable disable trigger untrigger setenv unsetenv catlog signal help"
    local globals="--help --version -s --system -u --user --quiet -p --socket-path --use-passed-cfd -o --offline -d --services-dir"

    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            -p|--socket-path|-d|--services-dir|--from) ((i++)) ;;
            -*) ;;
            *) cmd="${COMP_WORDS[i]}"; break ;;
        esac
    done

    case "$prev" in
        -p|--socket-path) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -d|--services-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --from) COMPREPLY=($(compgen -W "$(_dinitctl_services)" -- "$cur")); return ;;
    esac

    if [[ -z "$cmd" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$globals" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts=""
    case "$cmd" in
        start|wake) opts="--no-wait --pin" ;;
        stop) opts="--no-wait --pin --force -f --ignore-unstarted" ;;
        restart) opts="--no-wait --force -f --ignore-unstarted" ;;
        release) opts="--no-wait --pin --ignore-unstarted" ;;
        enable|disable) opts="--from -o --offline -d --services-dir" ;;
        catlog) opts="--clear" ;;
        signal) opts="-l --list" ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
        return
    fi

    case "$cmd" in
        list|shutdown|setenv|unsetenv) ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        add-dep|rm-dep)
            # The first word is the dependency type, then two service names.
            local n=0
            for ((i = i + 1; i < COMP_CWORD; i++)); do [[ "${COMP_WORDS[i]}" != -* ]] && ((n++)); done
            if ((n == 0)); then
                COMPREPLY=($(compgen -W "need regular milestone waits-for" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(_dinitctl_services)" -- "$cur"))
            fi
            ;;
        signal)
            local n=0
            for ((i = i + 1; i < COMP_CWORD; i++)); do [[ "${COMP_WORDS[i]}" != -* ]] && ((n++)); done
            if ((n == 0)); then
                COMPREPLY=($(compgen -W "HUP INT QUIT KILL USR1 USR2 TERM CONT STOP" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(_dinitctl_services)" -- "$cur"))
            fi
            ;;
        *) COMPREPLY=($(compgen -W "$(_dinitctl_services)" -- "$cur")) ;;
    esac
}

complete -F _dinitctl dinitctl
