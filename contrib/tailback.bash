# tailback.bash - bash completion for tailback: commands, each command's options, and file names.
# Installed by `make install` into share/bash-completion/completions/tailback;
# to try it from the source tree: . contrib/tailback.bash
# tests/e2e.sh checks that every option each command's --help lists is here.

_tailback_opts() {
    case $1 in
    run)      echo "--seed --replication --out --set --event-queue --trace --quiet --help" ;;
    validate) echo "--set --help" ;;
    sweep)    echo "--jobs --out --plan --run-index --merge --force --show-run --help" ;;
    plot)     echo "--format --out --keep-data --help" ;;
    report)   echo "--out --help" ;;
    generate) echo "--set --seed --budget --out --help" ;;
    help)     echo "run validate sweep plot report generate --man" ;;
    esac
}

_tailback() {
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "run validate sweep plot report generate version help" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $prev in
    --event-queue) COMPREPLY=($(compgen -W "heap calendar" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "png svg pdf png,svg" -- "$cur")); return ;;
    -o|--out|--keep-data) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --trace) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --seed|--replication|--set|-j|--jobs|--run-index|--show-run|--budget) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tailback_opts "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
    run|validate) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
    sweep)        COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
    generate)     COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur")) ;;
    plot|report)  COMPREPLY=($(compgen -d -- "$cur")) ;;
    help)         COMPREPLY=($(compgen -W "$(_tailback_opts help)" -- "$cur")) ;;
    esac
}
complete -F _tailback tailback
