"""What differs between the supported lines: Django 5.2 LTS / 6.x and
Wagtail 7.4 LTS / 8 (setup.cfg). Every version test of the package is here."""

import django
import wagtail

DJANGO_6 = django.VERSION >= (6, 0)
WAGTAIL_8 = wagtail.VERSION >= (8, 0)

try:  # Wagtail 8: one registry of permission policies
    from wagtail.permissions import register_permission_policy as _register_permission_policy
except ImportError:  # Wagtail 7.4: each viewset has its own permission_policy
    _register_permission_policy = None


def use_permission_policy(viewset_class, policy):
    """Make ``policy`` the permission policy of ``viewset_class.model``:
    registered for the model on Wagtail 8, the viewset's own on 7.4."""
    if _register_permission_policy is not None:
        _register_permission_policy(viewset_class.model, policy, exact_class=True)
    else:
        viewset_class.permission_policy = policy
