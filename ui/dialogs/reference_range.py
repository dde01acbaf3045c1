"""The person's own reference range for one test (e.g. a range their clinician gave them).

It applies to every reading of the test, past ones too, everywhere a flag is shown (the
Records tab, the Overview, the team's answers), in the unit shown here.
"""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.services.records import Record, RecordsService
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"“{text}” is not a number") from None


class ReferenceRangeDialog(QDialog):
    def __init__(self, ctx: AppContext, patient_id: str, record: Record,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._patient = patient_id
        self.code = record.code or ""
        self.unit = record.unit or ""
        self.setWindowTitle("My reference range")
        title = QLabel(f"<b>{record.display or self.code}</b> ({self.code})")
        self.low = QLineEdit("" if record.reference_low is None
                             else f"{record.reference_low:g}")
        self.high = QLineEdit("" if record.reference_high is None
                              else f"{record.reference_high:g}")
        self.low.setAccessibleName("Lower limit")
        self.high.setAccessibleName("Upper limit")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.hide()
        form = QFormLayout()
        form.addRow(f"Lower limit ({self.unit})", self.low)
        form.addRow(f"Upper limit ({self.unit})", self.high)
        hint = QLabel("Leave one empty for a one-sided range. It changes the flag of every "
                      "reading of this test, past ones too.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.clear_button = QPushButton("Use the standard range")
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(self.clear)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            low, high = _number(self.low.text()), _number(self.high.text())
        except ValueError as exc:
            self._show_error(str(exc))
            return
        ctx, patient, code, unit = self._ctx, self._patient, self.code, self.unit or None
        self._run(lambda: RecordsService(ctx.vault).set_reference_range(
            patient_id=patient, code=code, low=low, high=high, unit=unit))

    def clear(self) -> None:
        ctx, patient, code = self._ctx, self._patient, self.code
        self._run(lambda: RecordsService(ctx.vault).clear_reference_range(
            patient_id=patient, code=code))

    def _run(self, fn: Any) -> None:
        (
            Op(fn, parent=self)
            .success(lambda _: self.accept())
            .failure(lambda exc: self._show_error(describe(exc)[1]))
            .run_in_background()
        )

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
