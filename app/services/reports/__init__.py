"""Clinic reports: frozen report data (model), built from records (build), rendered as
PDF, CSV or JSON (render)."""
