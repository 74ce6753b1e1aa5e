# plain.sh: monochrome and ASCII drawing. --no-color, NO_COLOR=1 and
# [tui] color = false draw no colour (capture-pane -e shows no foreground or
# background colour SGR; bold and reverse stay), while a default run does
# (the check's control); the focused panel's title is marked in text all the
# same (a triangle; '*' in ASCII); in the C locale the bars are ASCII ('#')
# and the screen holds no UTF-8 at all.
. "$(dirname "$0")/lib.sh"

write_ini "$T/p.ini"
write_ini "$T/mono.ini" "[tui]
color = false"

# colour_sgr: prints the colour-setting SGR sequences of the pane (foreground
# or background 30-38, 40-48, 90-97, 100-107; not the default resets 39 and 49).
colour_sgr() {
	screen_esc | "$PYTHON3" -c '
import re, sys
found = set()
for m in re.finditer(r"\x1b\[([0-9;:]*)m", sys.stdin.read()):
    params = [p for p in re.split(r"[;:]", m.group(1)) if p]
    i = 0
    while i < len(params):
        v = int(params[i])
        if 30 <= v <= 38 or 40 <= v <= 48 or 90 <= v <= 97 or 100 <= v <= 107:
            found.add(repr(m.group(0))[1:-1])
        if v in (38, 48):  # 38;5;N and 38;2;R;G;B carry their own numbers
            i += 2 if i + 1 < len(params) and params[i + 1] == "5" else 4
        i += 1
print(" ".join(sorted(found)))
'
}
has_attrs() { screen_esc | grep -qE $'\x1b\\[([0-9;]*;)?(1|7)(;[0-9;]*)?m'; }
# a full screen: the panels, the bottleneck found (its row is drawn in red
# when in colour)
full_screen() { on_screen_re 'Quit *$' && screen | grep -E '^.{1,3}score ' | grep -qF BOTTLENECK; }

# mono_run WHAT ARGS...: a run that must draw without colour.
mono_run() {
	local what=$1 sgr
	shift
	tui_start "$@"
	wait_running
	soft_wait_for "$what: the bottleneck row" full_screen
	sgr=$(colour_sgr)
	[ -z "$sgr" ] || { show_screen "$what"; soft_fail "$what: colour on the screen: $sgr"; }
	focused_panel Stages || { show_screen "$what"; soft_fail "$what: the focused Stages title is not marked"; }
	has_attrs || soft_fail "$what: no bold or reverse video on the screen either"
	keys q
	wait_exit "$what: q"
	[ "$EXIT" = 0 ] || soft_fail "$what: exit status $EXIT"
	[ -z "$sgr" ] && note "ok: $what draws no colour"
}

# --- the control: colour by default ------------------------------------------------------
tui_start "$T/p.ini"
wait_running
have_colour() { [ -n "$(colour_sgr)" ]; }
wait_for "colour in a default run (the control of the colour check)" have_colour
SGR=$(colour_sgr)
keys q
wait_exit "default run: q"
note "ok: colour by default ($SGR)"

# --- monochrome ---------------------------------------------------------------------
mono_run "--no-color" --no-color "$T/p.ini"
TUI_ENV="LC_ALL=C.UTF-8 NO_COLOR=1" mono_run "NO_COLOR=1" "$T/p.ini"
mono_run "[tui] color = false" "$T/mono.ini"

# --- ASCII in the C locale ----------------------------------------------------------------
TUI_ENV="LANG=C" tui_start "$T/p.ini"
wait_running
ascii_bar() { on_screen_re 'source->score +\[#+'; }
soft_wait_for "an ASCII bar ('#') on the channel source->score" ascii_bar && note "ok: ASCII bars"
on_screen_re '^\* Stages \(' || soft_fail "LANG=C: the focused Stages title is not marked '* '"
S=$(screen)
if printf '%s' "$S" | LC_ALL=C grep -q $'[\x80-\xff]'; then
	show_screen "LANG=C"
	soft_fail "LANG=C: non-ASCII on the screen: $(printf '%s\n' "$S" | LC_ALL=C grep -o $'[^\x01-\x7f]\\+' | sort -u | head -n 5 | tr '\n' ' ')"
else
	note "ok: no UTF-8 in the C locale"
fi
keys q
wait_exit "LANG=C: q"
[ "$EXIT" = 0 ] || soft_fail "LANG=C: exit status $EXIT"
finish
