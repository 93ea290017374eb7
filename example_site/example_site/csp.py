"""The Content-Security-Policy of the production settings.

Portal and site pages: scripts, styles, fonts and requests from this site
only, no inline script or style (the package's templates have none: their
scripts are static files), images from this site or ``data:`` (QR codes),
no plugin, no framing, forms posted to this site only.

The Wagtail admin writes inline scripts and styles (wagtail#1288), so its
pages get ADMIN_POLICY: the same, plus ``'unsafe-inline'`` for scripts and
styles, ``blob:`` images, and framing by the site itself (page previews).

Both policies are plain directive dictionaries, the format of Django 6's
``SECURE_CSP`` and of django-csp's ``DIRECTIVES`` (Django 5.2).
"""

SELF, NONE, UNSAFE_INLINE = "'self'", "'none'", "'unsafe-inline'"

PORTAL_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}

ADMIN_POLICY = {
    **PORTAL_POLICY,
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}


class AdminPolicyMiddleware:
    """Gives the Wagtail admin's responses ADMIN_POLICY. Goes right after the
    CSP middleware (Django's or django-csp's), which reads ``_csp_config``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    def admin_prefix(self):
        if self._prefix is None:
            from django.urls import reverse

            self._prefix = reverse("wagtailadmin_home")
        return self._prefix

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.admin_prefix()):
            response._csp_config = ADMIN_POLICY
        return response
