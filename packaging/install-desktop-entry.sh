#!/bin/sh
# Adds HealthInsight to the desktop's application menu for this user: the desktop entry
# (pointing at this folder's healthinsight), the icons and the AppStream metainfo go
# under ~/.local/share. Run it again after moving the folder; nothing else is changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/metainfo"
sed "s|^Exec=healthinsight|Exec=\"$here/healthinsight\"|" \
    "$here/share/applications/healthinsight.desktop" > "$data/applications/healthinsight.desktop"
cp -R "$here/share/icons" "$data/"
cp "$here/share/metainfo/healthinsight.metainfo.xml" "$data/metainfo/"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "HealthInsight added to the application menu ($data/applications/healthinsight.desktop)"
