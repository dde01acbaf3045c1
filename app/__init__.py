"""HealthInsight's application layer. `__version__` is the one version source: the
package metadata (pyproject.toml reads it from here), `healthinsight --version`, the
About dialog and the desktop build's file names all take it from this line."""

__version__ = "0.1.0"
