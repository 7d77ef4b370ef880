"""Synthetic sample exports of the fictional demo municipality Villa Ejemplo (CUT 99901)."""
