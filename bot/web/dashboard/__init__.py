"""The trainers' dashboard at /dashboard: staff log in, then write, preview and publish lessons.

``bp`` is registered by ``bot.web.app.create_app``. The modules:

- ``blueprint``: the blueprint itself, the CSRF check and the per-request database session;
- ``db``: the app's engine (made once per app) and the request's session;
- ``auth``: log in and out, who is logged in, roles, the lock after repeated failures;
- ``forms``: lesson forms to ``Lesson`` values and back;
- ``lessons``: the lessons list, new/edit, preview, publish and withdraw.
"""

from bot.web.dashboard import auth, lessons
from bot.web.dashboard.blueprint import bp

__all__ = ["auth", "bp", "lessons"]
