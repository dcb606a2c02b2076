#!/bin/bash
# Screenshots of every view in presenter mode on a real X server (Xvfb) at projector sizes, as a
# class would see them: tools/presenter_screenshots.sh BUILD_DIR OUT_DIR [SIZE...]
# (default sizes 1280x720 1920x1080). Needs xvfb, xdotool and imagemagick (import).
set -euo pipefail
BUILD=${1:?build directory}; OUT=${2:?output directory}; shift 2
SIZES=${*:-1280x720 1920x1080}
mkdir -p "$OUT"
HOME_DIR=$(mktemp -d) # fresh settings: no saved window state or presenter flag
trap 'rm -rf "$HOME_DIR"' EXIT
shot() { # size tab demo seconds
    local size=$1 tab=$2 demo=$3 seconds=$4
    HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/.config QT_QPA_PLATFORM=xcb timeout 300 xvfb-run -a -s "-screen 0 ${size}x24" \
        bash -c "'$BUILD/app/f3studio' --demo $demo --epochs 3 --presenter --tab $tab 2>/dev/null & pid=\$!
                 sleep 5; xdotool key space; sleep $seconds
                 import -window root '$OUT/presenter-$size-tab$tab.png'; kill \$pid"
}
for size in $SIZES; do
    for tab in 0 1 2 3 4; do shot "$size" $tab spiral-bp-dfa-f3 20; done
    shot "$size" 5 transformer-without-backprop 40
    # The Sweep tab with its sweep run (Space would train the panel's experiment instead): the app
    # grabs its own window, which fills the screen in presenter mode.
    HOME=$HOME_DIR XDG_CONFIG_HOME=$HOME_DIR/.config QT_QPA_PLATFORM=xcb timeout 300 xvfb-run -a -s "-screen 0 ${size}x24" \
        "$BUILD/app/f3studio" --demo learning-rate-sweep --presenter --tab 6 --sweep --screenshot "$OUT/presenter-$size-tab6.png" 2>/dev/null
done
