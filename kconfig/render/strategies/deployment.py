"""``rolling`` and ``recreate``: Deployment ``<app>`` (RollingUpdate with
``strategy.rolling``'s maxSurge/maxUnavailable, or Recreate), Service and Ingress ``<app>``."""

from __future__ import annotations

from kconfig.render.strategies.base import Ingress, Parts, Planning, Service
from kconfig.render.strategies.shared import deployment


def plan(p: Planning) -> Parts:
    app = p.app
    workload = deployment(p, app.name, app.image, app.labels, app.selector)
    services = (Service(app.name, app.selector),) if app.service_on else ()
    ingresses = (Ingress(app.name, app.name),) if app.ingress_on else ()
    return Parts((workload,), services, ingresses)
