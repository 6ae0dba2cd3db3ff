# tmux-lib.sh - the tmux harness the viewer's end-to-end tests share
# (tests/ui/ui-*.sh source it after setting TAG). It gives:
#   T            a private temporary directory, removed on exit
#   TM ARGS      tmux on this run's private server (a fresh socket per
#                start: racing a server that is still exiting is avoided)
#   next_server  move to a fresh server (the scripts' start() call it)
#   fail/ok MSG  count a failure (printing the screen) / say a pass
#   screen, status_line, wait_for RE, wait_gone RE, wait_status_change OLD
#   close A B R  |A - B| <= R max(|A|, |B|)
# TIMEOUT (UI_TEST_TIMEOUT, default 30 s: sanitizer builds are slow).

T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-$TAG.XXXXXX") || exit 99
SOCKBASE="apotview-$TAG-$$-$(date +%s)"
run=0
SOCK="$SOCKBASE-$run"
TM() { tmux -L "$SOCK" -f /dev/null "$@"; }
next_server() {
    TM kill-server >/dev/null 2>&1
    run=$((run + 1))
    SOCK="$SOCKBASE-$run"
}
cleanup() {
    i=0
    while [ "$i" -le "$run" ]; do tmux -L "$SOCKBASE-$i" kill-server >/dev/null 2>&1; i=$((i + 1)); done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

TIMEOUT=${UI_TEST_TIMEOUT:-30}
fails=0
fail() { echo "FAIL: $*"; echo "---- screen:"; TM capture-pane -p -t ui 2>/dev/null; echo "----"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
screen() { TM capture-pane -p -t ui; }
status_line() { screen | grep -E 'bits [0-9]' | tail -n 1; }

# wait_for REGEX: poll the pane until a line matches (grep -E)
wait_for() {
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        if screen | grep -Eq -- "$1"; then return 0; fi
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}
# wait_gone REGEX: until no line matches
wait_gone() {
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        if ! screen | grep -Eq -- "$1"; then return 0; fi
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}
# wait_status_change OLD: the status line differs from OLD
wait_status_change() {
    end=$(( $(date +%s) + TIMEOUT ))
    while :; do
        s=$(status_line)
        if [ -n "$s" ] && [ "$s" != "$1" ]; then return 0; fi
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}
close() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
    m = a < 0 ? -a : a; n = b < 0 ? -b : b; if (n > m) m = n; exit !(d <= r * m) }'; }
