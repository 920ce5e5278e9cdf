"""Response templates for the demo city, in English and Spanish (and Arabic for the common ones)."""
from __future__ import annotations

from sqlmodel import Session, select

from portal.models import ResponseTemplate, ServiceType

# (type code or None for any type, status, locale, title, text)
DEMO_TEMPLATES = [
    (None, "acknowledged", "en", "Received, scheduled", "Thank you. We have your request and a crew will look at it."),
    (None, "acknowledged", "es", "Recibido, programado", "Gracias. Hemos recibido su solicitud y un equipo la revisará."),
    (None, "closed", "en", "Fixed", "The problem has been fixed. Thank you for reporting it."),
    (None, "closed", "es", "Arreglado", "El problema ha sido resuelto. Gracias por informarnos."),
    (None, "closed", "ar", "تم الإصلاح", "تم حل المشكلة. شكراً لإبلاغنا."),
    (None, "closed", "en", "Could not locate", "Our crew could not find the problem at this location. "
                                                 "If it is still there, please file again with a closer location."),
    (None, "closed", "es", "No se pudo localizar", "Nuestro equipo no encontró el problema en este lugar. "
                                                    "Si sigue ahí, vuelva a informarlo con una ubicación más precisa."),
    ("pothole", "closed", "en", "Pothole patched", "The pothole has been patched. Thank you for reporting it."),
    ("pothole", "closed", "es", "Bache reparado", "El bache ha sido reparado. Gracias por informarnos."),
    ("graffiti", "closed", "en", "Graffiti removed", "The graffiti has been removed."),
    ("graffiti", "closed", "es", "Grafiti eliminado", "El grafiti ha sido eliminado."),
    ("illegal-dumping", "in_progress", "en", "Pick-up scheduled", "A pick-up is scheduled for this week."),
    ("illegal-dumping", "in_progress", "es", "Recogida programada", "La recogida está programada para esta semana."),
]


def load_demo_templates(session: Session) -> int:
    """Add the demo templates once (by title and language); returns how many were added."""
    types = {t.code: t.id for t in session.exec(select(ServiceType))}
    added = 0
    for code, status, locale, title, text in DEMO_TEMPLATES:
        if code and code not in types:
            continue
        if session.exec(select(ResponseTemplate.id).where(ResponseTemplate.title == title,
                                                          ResponseTemplate.locale == locale)).first():
            continue
        session.add(ResponseTemplate(service_type_id=types.get(code) if code else None, status=status,
                                     locale=locale, title=title, text=text))
        added += 1
    session.commit()
    return added
