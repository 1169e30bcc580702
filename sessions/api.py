"""/v1/ endpoints of this app (see voucherhub/api.py for auth and errors)."""

from ninja import Router

router = Router()
