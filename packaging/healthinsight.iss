; Inno Setup script: the Windows installer of the one-folder build made by
; healthinsight-windows.spec. Build on Windows with Inno Setup 6:
;   iscc /DAppVersion=0.1.0 packaging\healthinsight.iss
; Output: dist\healthinsight-<version>-windows-x64-setup.exe. Per-user install (no admin).
#ifndef AppVersion
  #error Pass /DAppVersion=<version> (the version in app/__init__.py)
#endif

[Setup]
AppId={{6C3F7A52-9A1E-4C55-9D0B-2F5E3C8B7A10}
AppName=HealthInsight
AppVersion={#AppVersion}
AppPublisher=HealthInsight
DefaultDirName={localappdata}\Programs\HealthInsight
DefaultGroupName=HealthInsight
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=healthinsight-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\healthinsight.exe

[Files]
Source: "..\dist\healthinsight\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion
Source: "..\build\windows\LICENSES\*"; DestDir: "{app}\LICENSES"; Flags: recursesubdirs

[Icons]
Name: "{group}\HealthInsight"; Filename: "{app}\healthinsight.exe"; Parameters: "gui"
Name: "{group}\Uninstall HealthInsight"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\healthinsight.exe"; Parameters: "gui"; Description: "Start HealthInsight"; Flags: postinstall nowait skipifsilent
