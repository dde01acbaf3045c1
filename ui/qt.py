"""The one Qt shim: every ui module imports Qt names from here, never from PySide6.

One place to pin the binding, to set the process-wide switches QtWebEngine needs before
the QApplication exists, and to say whether the web view is available at all (the chart
falls back to a table when it is not).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from types import SimpleNamespace

# QtWebEngine's Chromium refuses to start its sandbox as root (containers, CI); the
# pages it shows are our own local HTML, never remote content.
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
# Chromium's own background traffic off (component updates, pings, DNS prefetch, crash
# reports); ui/offline.py blocks whatever a page asks for beyond this machine.
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-background-networking "
                      "--disable-component-update --disable-breakpad --no-pings "
                      "--dns-prefetch-disable --disable-domain-reliability")

from PySide6.QtCore import (  # noqa: E402
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDateTime,
    QEventLoop,
    QIODevice,
    QMarginsF,
    QMimeData,
    QModelIndex,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (  # noqa: E402
    QAction,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPalette,
    QPdfWriter,
    QPen,
    QPixmap,
    QShortcut,
    QShowEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QStyleFactory,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

# QtWebEngine is a separate, large part of Qt (about 0.3 s to import): the window opens
# without it, and `web_engine()` brings it with the first chart. The app works without it.
HAS_WEBENGINE = importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None


@functools.cache
def web_engine() -> SimpleNamespace:
    """QtWebEngine's classes, imported on first use (AA_ShareOpenGLContexts, set below
    at import, lets it start after the QApplication)."""
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineSettings,
        QWebEngineUrlRequestInterceptor,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView

    return SimpleNamespace(QWebEnginePage=QWebEnginePage, QWebEngineProfile=QWebEngineProfile,
                           QWebEngineSettings=QWebEngineSettings,
                           QWebEngineUrlRequestInterceptor=QWebEngineUrlRequestInterceptor,
                           QWebEngineView=QWebEngineView)


# The web view shares OpenGL contexts with the widgets; Qt wants this set before the
# QApplication is created (importing this module early is how that happens).
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

__all__ = [
    "HAS_WEBENGINE",
    "QAbstractItemView",
    "QAbstractTableModel",
    "QAction",
    "QApplication",
    "QBuffer",
    "QByteArray",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QComboBox",
    "QCoreApplication",
    "QDateTime",
    "QDateTimeEdit",
    "QDialog",
    "QDialogButtonBox",
    "QDoubleSpinBox",
    "QDragEnterEvent",
    "QDropEvent",
    "QEventLoop",
    "QFileDialog",
    "QFont",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGroupBox",
    "QGuiApplication",
    "QHBoxLayout",
    "QHeaderView",
    "QIcon",
    "QImage",
    "QInputDialog",
    "QIODevice",
    "QKeySequence",
    "QLabel",
    "QLineEdit",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QMarginsF",
    "QMessageBox",
    "QMimeData",
    "QModelIndex",
    "QObject",
    "QPageLayout",
    "QPageSize",
    "QPainter",
    "QPainterPath",
    "QPalette",
    "QPdfWriter",
    "QPen",
    "QPixmap",
    "QPlainTextEdit",
    "QPoint",
    "QPointF",
    "QProgressBar",
    "QPushButton",
    "QRectF",
    "QRunnable",
    "QScrollArea",
    "QSettings",
    "QShortcut",
    "QShowEvent",
    "QSize",
    "QSizePolicy",
    "QSpinBox",
    "QSplitter",
    "QStackedWidget",
    "QStatusBar",
    "QStyleFactory",
    "Qt",
    "QTableView",
    "QTableWidget",
    "QTableWidgetItem",
    "QTabWidget",
    "QTextBrowser",
    "QTextDocument",
    "QThread",
    "QThreadPool",
    "QTimer",
    "QUrl",
    "QVBoxLayout",
    "QWidget",
    "Signal",
    "Slot",
    "web_engine",
]
