"""The /v1/ plumbing.

- :mod:`.site` builds the NinjaAPI, mounts each app's router by its dotted path and answers every error
  in the platform's shape; only ``voucherhub.urls`` imports it.
- :mod:`.errors` is the one place that turns a :class:`voucherhub.errors.DomainError` into an answer: the
  HTTP status its key stands for and the platform's body.
- :mod:`.auth` (API keys), :mod:`.parsing` (the JSON body parser, schema errors in the platform's words),
  :mod:`.context` (who is calling, the request id) and :mod:`.rendering` (an answer with a status of its
  own) are what the apps' ``api.py`` modules use.
"""
