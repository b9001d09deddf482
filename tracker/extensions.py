"""The Flask extensions, made once at import and bound to each app by its ``init_app``.

They live apart from the modules that set them up (``web``, ``auth``) so that any
layer can name one (the API exempts its blueprint from ``csrf``, say) without
importing the module that registers that layer.
"""

from __future__ import annotations

from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"
