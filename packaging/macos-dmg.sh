#!/bin/sh
# macOS only: a DMG of the .app built by healthinsight-macos.spec, with a link to
# /Applications for drag-and-drop install. Usage: packaging/macos-dmg.sh VERSION
set -eu
version=$1
stage=build/macos/dmg
rm -rf "$stage" && mkdir -p "$stage"
cp -R dist/HealthInsight.app "$stage/"
ln -s /Applications "$stage/Applications"
hdiutil create -volname "HealthInsight $version" -srcfolder "$stage" -ov -format UDZO \
    "dist/healthinsight-$version-macos.dmg"
