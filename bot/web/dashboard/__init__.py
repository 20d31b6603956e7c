"""The staff dashboard at /dashboard: staff log in, then answer complaints and handoff
requests and issue clients' linking codes (staff, admins), write, preview and publish lessons
(trainers, admins) and read the audit log (admins).

``bp`` is registered by ``bot.web.app.create_app``. The modules:

- ``blueprint``: the blueprint itself, the CSRF check and the per-request database session;
- ``db``: the app's engine (made once per app) and the request's session;
- ``auth``: log in and out, who is logged in, roles, the lock after repeated failures;
- ``complaints``: the complaints list, a complaint and what staff do with it, CSV, trends;
- ``handoffs``: a client's request for a person, with the conversation;
- ``clients``: find a client, their loans and linking code, issue a code, the loan card;
- ``admin``: the audit log;
- ``forms``: lesson forms to ``Lesson`` values and back;
- ``lessons``: the lessons list, new/edit, preview, publish and withdraw.
"""

from bot.web.dashboard import admin, auth, clients, complaints, handoffs, lessons
from bot.web.dashboard.blueprint import bp

__all__ = ["admin", "auth", "bp", "clients", "complaints", "handoffs", "lessons"]
