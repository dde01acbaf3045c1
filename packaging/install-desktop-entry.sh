#!/bin/sh
# Adds HealthInsight to the desktop's application menu for this user: the desktop entry
# (pointing at this folder's healthinsight), the icons and the AppStream metainfo go
# under ~/.local/share. Run it again after moving the folder; nothing else is changed.
# With --remove it takes out exactly those files again (the vault is never touched:
# it lives in ~/.local/share/HealthInsight, see README).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/healthinsight.desktop"
metainfo="$data/metainfo/healthinsight.metainfo.xml"
refresh() {
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database "$data/applications" || true
  fi
}
if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry" "$metainfo"
  (cd "$here/share" && find icons -name 'healthinsight.*') | while read -r icon; do
    rm -f "$data/$icon"
  done
  refresh
  echo "HealthInsight removed from the application menu (its vault is kept)"
  exit 0
fi
mkdir -p "$data/applications" "$data/metainfo"
sed "s|^Exec=healthinsight|Exec=\"$here/healthinsight\"|" \
    "$here/share/applications/healthinsight.desktop" > "$entry"
cp -R "$here/share/icons" "$data/"
cp "$here/share/metainfo/healthinsight.metainfo.xml" "$metainfo"
refresh
echo "HealthInsight added to the application menu ($entry)"
