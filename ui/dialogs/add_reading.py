"""Add a reading by hand: a test from the measurements catalogue, a value, a unit the
test can be converted from, and when it was taken. Checked by the records service; the
reading is then normalized and flagged like an imported one."""

from __future__ import annotations

from app.context import AppContext
from app.services.records import RecordsService
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class AddReadingDialog(QDialog):
    def __init__(self, ctx: AppContext, patient_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._patient = patient_id
        self.setWindowTitle("Add a reading")
        self.test = QComboBox()
        self.test.setAccessibleName("Test")
        for name, code, unit_list in RecordsService(ctx.vault).entry_choices():
            self.test.addItem(f"{name} ({code})", (code, unit_list))
        self.value = QLineEdit()
        self.value.setAccessibleName("Value")
        self.unit = QComboBox()
        self.unit.setAccessibleName("Unit")
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        self.test.currentIndexChanged.connect(lambda _: self._units())
        self._units()
        form = QFormLayout()
        form.addRow("Test", self.test)
        form.addRow("Value", self.value)
        form.addRow("Unit", self.unit)
        form.addRow("Taken", self.when)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def choose(self, code: str) -> None:
        for i in range(self.test.count()):
            if self.test.itemData(i)[0] == code:
                self.test.setCurrentIndex(i)
                return

    def _units(self) -> None:
        data = self.test.currentData()
        self.unit.clear()
        if data:
            self.unit.addItems(data[1])

    def save(self) -> None:
        try:
            value = float(self.value.text().strip().replace(",", "."))
        except ValueError:
            self._show_error(f"“{self.value.text()}” is not a number.")
            return
        code = self.test.currentData()[0]
        unit, when = self.unit.currentText(), self.when.dateTime().toPython().astimezone()
        ctx, patient = self._ctx, self._patient
        (
            Op(lambda: RecordsService(ctx.vault).add_reading(
                patient_id=patient, code=code, value=value, unit=unit, when=when), parent=self)
            .success(lambda _: self.accept())
            .failure(lambda exc: self._show_error(describe(exc)[1]))
            .run_in_background()
        )

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
