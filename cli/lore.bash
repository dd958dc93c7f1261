# bash completion for lore(1). Commands and options come from lore itself (`lore help`,
# `lore COMMAND --help`), so they are always those of the installed version.
# Installed as share/bash-completion/completions/lore; or: source cli/lore.bash

_lore_commands() {
    "${1:-lore}" help 2>/dev/null |
        awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

_lore_options() {
    "${1:-lore}" "$2" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

_lore() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} lore=${COMP_WORDS[0]}
    local i cmd="" cmdpos=0
    COMPREPLY=()
    # The command is the first word that is not a global option (or its argument).
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --home | --wait) ((i++)) ;;
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; cmdpos=$i; break ;;
        esac
    done
    if [ "$prev" = --home ]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
    fi
    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "--home --wait --version --help" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$(_lore_commands "$lore")" -- "$cur")
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_lore_options "$lore" "$cmd")" -- "$cur")
        return
    fi
    case $prev in
    --file | -f) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    esac
    case $cmd in
    help) [ $((COMP_CWORD - cmdpos)) -eq 1 ] &&
        mapfile -t COMPREPLY < <(compgen -W "$(_lore_commands "$lore")" -- "$cur") ;;
    team) [ $((COMP_CWORD - cmdpos)) -eq 1 ] &&
        mapfile -t COMPREPLY < <(compgen -W "create join show rotate revoke admin vouch" -- "$cur") ;;
    skills) [ $((COMP_CWORD - cmdpos)) -eq 1 ] && mapfile -t COMPREPLY < <(compgen -W "add remove" -- "$cur") ;;
    peers) [ $((COMP_CWORD - cmdpos)) -eq 1 ] && mapfile -t COMPREPLY < <(compgen -W "add remove" -- "$cur") ;;
    mentor) [ $((COMP_CWORD - cmdpos)) -eq 1 ] &&
        mapfile -t COMPREPLY < <(compgen -W "offer find request withdraw" -- "$cur") ;;
    synonym) [ $((COMP_CWORD - cmdpos)) -eq 1 ] && mapfile -t COMPREPLY < <(compgen -W "add drop list" -- "$cur") ;;
    learn) [ $((COMP_CWORD - cmdpos)) -eq 1 ] &&
        mapfile -t COMPREPLY < <(compgen -W "done drop show" -- "$cur") ;;
    session) [ $((COMP_CWORD - cmdpos)) -eq 1 ] &&
        mapfile -t COMPREPLY < <(compgen -W "announce rsvp move cancel" -- "$cur") ;;
    vote) [ $((COMP_CWORD - cmdpos)) -eq 2 ] &&
        mapfile -t COMPREPLY < <(compgen -W "up down none" -- "$cur") ;;
    flag) [ $((COMP_CWORD - cmdpos)) -eq 2 ] &&
        mapfile -t COMPREPLY < <(compgen -W "obsolete verified none" -- "$cur") ;;
    export | import) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    esac
}
complete -F _lore lore
