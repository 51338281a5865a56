"""Piccolo's configuration module (PICCOLO_CONF=ltc.db.piccolo_conf).

``DB`` is resolved on every access, so the engine the app configured at start-up is the
one Piccolo's migration machinery uses; the ``piccolo`` CLI gets one from the environment.
"""

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["ltc.db.piccolo_app"])


def __getattr__(name: str):
    if name == "DB":
        from ltc.db.engine import current_engine

        return current_engine()
    raise AttributeError(name)
