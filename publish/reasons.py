"""Why a comuna × dataset did not publish its newest data, in plain words (es, en).

The same words reach the office's alert (`pipelines.notify`), the run's report and the
comuna's public page, so each is a reason type only: never a value from the data, an
error message or a file name (none of them may hold personal data).
"""

from __future__ import annotations

REASONS = {
    "rejected-file": ("un archivo no se pudo leer", "a file could not be read"),
    "reconciliation": ("las filas no cuadran", "rows do not reconcile"),
    "invalid-share": (
        "demasiadas filas inválidas",
        "too many invalid rows",
    ),
    "no-data": ("no llegó ninguna exportación", "no export arrived"),
    "timeout": ("superó su límite de tiempo", "exceeded its time limit"),
    "quality": ("una regla de calidad encontró errores", "a quality rule found errors"),
    "personal-data-found": (
        "se detectaron datos personales en archivos públicos",
        "personal data detected in public files",
    ),
    "part-unreadable": (
        "su parte guardada no se pudo leer",
        "its stored part could not be read",
    ),
    "catalog-error": (
        "el paquete no se pudo armar en el catálogo",
        "the package could not be built in the catalog",
    ),
    "review-decision-error": (
        "el archivo de decisiones de revisión de privacidad no se pudo leer",
        "the privacy review decisions file could not be read",
    ),
    "installation-entry-refused": (
        "su entrada del archivo de instalación fue rechazada",
        "its entry in the installation file was refused",
    ),
}


def reason_words(reason: str) -> tuple[str, str]:
    """``(es, en)`` of a reason type; an unknown type is shown as its code."""
    return REASONS.get(reason, (reason, reason))
